"""What changes complaints: a resident submits and rates; the squad accepts, assigns, handles and closes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from backend.audit import record_read
from backend.community import abuse, privacy
from backend.community.deadlines import due_times
from backend.community.models import (
    STATUS_NAMES,
    Category,
    CategoryDeadline,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintReport,
    OfficeQrCode,
    Status,
)
from backend.community.signing import signature_matches
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from backend.evidence import operations as evidence_operations
from backend.evidence.models import Subject
from backend.files import store
from backend.geo import GCJ02, LatLng, to_gcj02
from backend.images import validate_image
from backend.orders import repeats
from backend.org.models import CommunityOffice, Officer, Squad
from backend.org.queries import people
from backend.org.roles import DISTRICT_ADMINS, IMAGE_READERS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible

MAX_PHOTOS = 4
MAX_DESCRIPTION = 1000
MAX_REPLY = 1000
FINISHED = frozenset({Status.resolved, Status.closed, Status.rejected})  # a report of it again is a new complaint

# action: (statuses it may start from, status it leads to, what it is called in messages)
TRANSITIONS = {
    "accept": ({Status.submitted, Status.transferred}, Status.accepted, "受理"),
    "assign": ({Status.submitted, Status.accepted, Status.transferred, Status.assigned, Status.in_progress},
               Status.assigned, "派单"),
    "start": ({Status.assigned}, Status.in_progress, "开始处理"),
    "resolve": ({Status.assigned, Status.in_progress}, Status.resolved, "办结"),
    "close": ({Status.resolved}, Status.closed, "结案"),
    "reject": ({Status.submitted, Status.accepted, Status.transferred}, Status.rejected, "不予受理"),
    "transfer": ({Status.submitted, Status.accepted, Status.assigned, Status.transferred}, Status.transferred, "转办"),
}


class QrReplaced(DomainError):
    status = 410
    default_code = "qr_replaced"
    default_message = "此二维码已更换，请扫描社区工作室张贴的新二维码"


@dataclass
class Photo:
    """An uploaded file as the HTTP layer received it."""

    data: bytes
    content_type: str | None = None


# -- the resident ----------------------------------------------------------------------------------

def qr_version(office: CommunityOffice) -> int:
    return session.scalar(select(OfficeQrCode.version).where(OfficeQrCode.office_id == office.id)) or 1


def office_for_qr(office_code: str, version: int, signature: str) -> CommunityOffice:
    """The office a scanned code names, if its signature holds and it is the office's current code."""
    if not signature_matches(office_code, version, signature):
        raise Forbidden("二维码无效：签名校验失败，请扫描社区工作室张贴的二维码", code="qr_signature_invalid")
    office = session.scalar(select(CommunityOffice).where(CommunityOffice.code == office_code))
    if office is None:
        raise NotFound("该社区工作室不存在或已撤销", code="unknown_office")
    if version != qr_version(office):
        raise QrReplaced()
    return office


def _check_text(description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise Invalid("请填写问题描述", code="description_required", errors={"description": ["不能为空。"]})
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"问题描述不能超过 {MAX_DESCRIPTION} 字（当前 {len(description)} 字）",
                      code="description_too_long", errors={"description": [f"长度不能超过 {MAX_DESCRIPTION}。"]})
    return description


def _location(lat: float | None, lng: float | None, coord_system: str | None) -> LatLng | None:
    """The resident's optional location in GCJ-02 (browsers report WGS-84, WeChat's JS-SDK GCJ-02)."""
    if lat is None and lng is None:
        return None
    return to_gcj02(lat, lng, coord_system or GCJ02)


def _validated_photos(photos: list[Photo]):
    if len(photos) > MAX_PHOTOS:
        raise Invalid(f"最多上传 {MAX_PHOTOS} 张照片（您选择了 {len(photos)} 张）", code="too_many_photos")
    max_bytes = settings().COMMUNITY_PHOTO_MAX_BYTES
    validated = []
    for number, photo in enumerate(photos, start=1):
        try:
            validated.append((photo.data, validate_image(photo.data, declared_type=photo.content_type,
                                                         max_bytes=max_bytes)))
        except Invalid as error:
            raise Invalid(f"第 {number} 张照片：{error.message}", code=error.code, errors=error.errors) from None
    return validated


def _store_photo(complaint: Complaint, data: bytes, image, report: ComplaintReport | None = None) -> ComplaintPhoto:
    digest = hashlib.sha256(data).hexdigest()
    key = f"community/{digest}.{image.format.lower().replace('jpeg', 'jpg')}"
    store([(key, data, image.mime)])
    photo = ComplaintPhoto(complaint=complaint, report_id=report and report.id, storage_key=key, sha256=digest,
                           mime=image.mime, width=image.width, height=image.height)
    session.add(photo)
    return photo


def _event(complaint: Complaint, kind: str, note: str | None, actor: Officer | None = None,
           public: bool = True) -> ComplaintEvent:
    event = ComplaintEvent(complaint=complaint, kind=kind, status=complaint.status, note=note, public=public,
                           actor_id=actor and actor.id, at=utcnow())
    session.add(event)
    return event


def submit_complaint(*, office_code: str, version: int, signature: str, category: str, description: str,
                     phone: str | None = None, place: str | None = None, lat: float | None = None,
                     lng: float | None = None, coord_system: str | None = None, photos: list[Photo] = (),
                     address: str | None = None, honeypot: str | None = None
                     ) -> tuple[Complaint | ComplaintReport, bool]:
    """A resident's report from a scanned code: a new complaint, or (and True) a report linked to the open
    complaint it duplicates. Either way the resident gets a tracking code of their own."""
    office = office_for_qr(office_code, version, signature)
    if honeypot:  # a field people never see: only robots fill it in
        raise Invalid("提交失败，请刷新页面后重新填写", code="rejected_as_robot")
    try:
        category = Category(category)
    except ValueError:
        raise Invalid("请选择问题类别", code="invalid_category", errors={"category": ["取值无效。"]}) from None
    description = _check_text(description)
    phone = privacy.normalize_phone(phone)
    place = (place or "").strip()[:128] or None
    point = _location(lat, lng, coord_system)
    validated = _validated_photos(list(photos))
    abuse.check_rate_limits(address, phone and privacy.phone_fingerprint(phone))
    resident = dict(tracking_code=privacy.new_tracking_code(), description=description, place=place,
                    phone_encrypted=phone and privacy.encrypt_phone(phone),
                    phone_masked=phone and privacy.mask_phone(phone), submitted_at=utcnow())

    earlier = abuse.find_duplicate(office.id, category, description)
    if earlier is not None and earlier.status not in FINISHED:
        report = ComplaintReport(complaint=earlier, **resident)
        session.add(report)
        session.flush()
        earlier.reports += 1
        _event(earlier, "duplicate", "又有市民反映了同一问题，已合并处理")
        for data, image in validated:
            _store_photo(earlier, data, image, report)
        session.flush()
        return report, True

    accept_due, resolve_due = due_times(office.squad.district_id, category, resident["submitted_at"])
    complaint = Complaint(
        office=office, squad_id=office.squad_id, category=category, lat=point and point.lat,
        lng=point and point.lng, coord_system=point and GCJ02, status=Status.submitted,
        accept_due_at=accept_due, resolve_due_at=resolve_due, reports=1, recurrence_of=earlier, **resident)
    session.add(complaint)
    _event(complaint, "submitted", f"诉件已提交至{office.name}，等待受理")
    if earlier is not None:  # the problem came back after the squad had finished with it
        _event(complaint, "recurrence", f"同一问题此前已反映过（诉件 #{earlier.id}，{STATUS_NAMES[earlier.status]}），"
                                        "现再次反映", public=False)
    for data, image in validated:
        _store_photo(complaint, data, image)
    repeats.link_complaint(complaint)  # 重复投诉: the same place and category as a recent order or complaint
    session.flush()
    return complaint, False


def complaint_by_tracking_code(tracking_code: str) -> Complaint | ComplaintReport:
    """What a resident's tracking code names: their complaint, or their report linked to one."""
    code = privacy.normalize_tracking_code(tracking_code or "")
    found = code and (session.scalar(select(Complaint).where(Complaint.tracking_code == code))
                      or session.scalar(select(ComplaintReport).where(ComplaintReport.tracking_code == code)))
    if not found:
        raise NotFound("查询码不存在，请核对后重新输入", code="unknown_tracking_code")
    return found


def rate_complaint(tracking_code: str, *, score: int, comment: str | None = None) -> Complaint | ComplaintReport:
    """The resident's 1–5 satisfaction rating of their own report once its complaint is closed, once."""
    rated = complaint_by_tracking_code(tracking_code)
    if rated.status != Status.closed:
        raise Conflict("诉件结案后才能评价", code="complaint_not_closed")
    if rated.rating is not None:
        raise Conflict("您已经评价过了，感谢您的反馈", code="already_rated")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid("请选择 1 到 5 星的满意度", code="invalid_rating", errors={"score": ["应在 1 到 5 之间。"]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > 500:
        raise Invalid("评价内容不能超过 500 字", code="comment_too_long", errors={"comment": ["长度不能超过 500。"]})
    rated.rating, rated.rating_comment, rated.rated_at = score, comment, utcnow()
    # Each resident's rating is their own: the squad sees it in the timeline, the other reporters do not.
    linked = isinstance(rated, ComplaintReport)
    _event(rated.complaint if linked else rated, "rated",
           f"{'关联反映的' if linked else ''}市民评价：{score} 星", public=False)
    session.flush()
    return rated


# -- the squad -------------------------------------------------------------------------------------

def _complaint(actor: Officer, complaint_id: int) -> Complaint:
    return get_visible(Complaint, complaint_id, actor, what="诉件")


def _move(complaint: Complaint, action: str) -> None:
    sources, target, name = TRANSITIONS[action]
    if complaint.status not in sources:
        raise Conflict(f"诉件当前状态为“{STATUS_NAMES[complaint.status]}”，不能{name}", code="invalid_transition")
    complaint.status = target


def _require_leader(actor: Officer) -> None:
    require(actor, SQUAD_MANAGERS, "只有中队长可以执行此操作", code="leader_only")


def _require_assignee(actor: Officer, complaint: Complaint) -> None:
    if complaint.assignee_id != actor.id:
        raise Forbidden("只有承办该诉件的执法队员可以执行此操作", code="assignee_only")


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(f"请填写{what}", code="reason_required", errors={"reason": ["不能为空。"]})
    if len(reason) > MAX_REPLY:
        raise Invalid(f"{what}不能超过 {MAX_REPLY} 字", code="reason_too_long")
    return reason


def accept_complaint(actor: Officer, complaint_id: int) -> Complaint:
    complaint = _complaint(actor, complaint_id)
    _require_leader(actor)
    _move(complaint, "accept")
    complaint.accepted_at = utcnow()
    _event(complaint, "accepted", "诉件已受理", actor)
    session.flush()
    return complaint


def assign_complaint(actor: Officer, complaint_id: int, officer_id: int) -> Complaint:
    """The leader gives the complaint to an officer of its squad (accepting it first if need be)."""
    complaint = _complaint(actor, complaint_id)
    _require_leader(actor)
    officer = session.scalars(select(Officer).where(Officer.id == officer_id, people())).one_or_none()
    if officer is None or not officer.active or officer.squad_id != complaint.squad_id:
        raise Invalid(
            "承办人必须是本中队在岗的执法队员", code="invalid_assignee", errors={"officer_id": ["取值无效。"]}
        )
    if complaint.status in (Status.submitted, Status.transferred):
        accept_complaint(actor, complaint_id)
    _move(complaint, "assign")
    complaint.assignee_id = officer.id
    _event(complaint, "assigned", "已安排执法队员处理", actor)
    _event(complaint, "assigned_to", f"派给 {officer.name}（{officer.badge_no}）", actor, public=False)
    session.flush()
    return complaint


def start_handling(actor: Officer, complaint_id: int) -> Complaint:
    complaint = _complaint(actor, complaint_id)
    _require_assignee(actor, complaint)
    _move(complaint, "start")
    _event(complaint, "in_progress", "执法队员正在处理", actor)
    session.flush()
    return complaint


def reply_to_resident(actor: Officer, complaint_id: int, message: str) -> Complaint:
    """The handling officer's message to the resident, shown on the tracking page."""
    complaint = _complaint(actor, complaint_id)
    _require_assignee(actor, complaint)
    if complaint.status not in (Status.assigned, Status.in_progress, Status.resolved):
        raise Conflict(f"诉件当前状态为“{STATUS_NAMES[complaint.status]}”，不能回复", code="invalid_transition")
    _event(complaint, "reply", _reason(message, "回复内容"), actor)
    session.flush()
    return complaint


def attach_evidence(actor: Officer, complaint_id: int, *, media_id: str | None = None, **details):
    """On-site evidence of the handling officer, through the evidence pipeline (hashed, chained, watermarked).

    `details` are those of `backend.evidence.operations.submit_evidence` (client id, file or WeChat media id,
    capture time and place); the record's subject is this complaint. Returns (evidence, whether new).
    """
    complaint = _complaint(actor, complaint_id)
    _require_assignee(actor, complaint)
    if complaint.status not in (Status.assigned, Status.in_progress, Status.resolved):
        raise Conflict(f"诉件当前状态为“{STATUS_NAMES[complaint.status]}”，不能上传取证",
                       code="invalid_transition")
    evidence, new = evidence_operations.submit_about(actor, Subject.complaint, str(complaint.id), media_id=media_id,
                                                     **details)
    if new:
        _event(complaint, "evidence", "执法队员上传了现场处理照片", actor)
        session.flush()
    return evidence, new


def resolve_complaint(actor: Officer, complaint_id: int, reply: str) -> Complaint:
    complaint = _complaint(actor, complaint_id)
    _require_assignee(actor, complaint)
    reply = _reason(reply, "办结答复")
    _move(complaint, "resolve")
    complaint.resolved_at, complaint.resolved_by_id = utcnow(), actor.id
    _event(complaint, "resolved", f"办结答复：{reply}", actor)
    session.flush()
    return complaint


def close_complaint(actor: Officer, complaint_id: int) -> Complaint:
    complaint = _complaint(actor, complaint_id)
    _require_leader(actor)
    _move(complaint, "close")
    complaint.closed_at = utcnow()
    _event(complaint, "closed", "诉件已结案，欢迎您对处理结果进行评价", actor)
    session.flush()
    return complaint


def reject_complaint(actor: Officer, complaint_id: int, reason: str) -> Complaint:
    complaint = _complaint(actor, complaint_id)
    _require_leader(actor)
    reason = _reason(reason, "不予受理的理由")
    _move(complaint, "reject")
    complaint.closed_at = utcnow()
    _event(complaint, "rejected", f"不予受理：{reason}", actor)
    session.flush()
    return complaint


def transfer_complaint(actor: Officer, complaint_id: int, squad_id: int, reason: str) -> Complaint:
    """Hand the complaint to another squad of the district, which then accepts it into its queue."""
    complaint = _complaint(actor, complaint_id)
    _require_leader(actor)
    reason = _reason(reason, "转办理由")
    squad = session.get(Squad, squad_id)
    if squad is None or squad.district_id != complaint.squad.district_id or not squad.active:
        raise Invalid("只能转给本区在用的中队", code="invalid_squad", errors={"squad_id": ["取值无效。"]})
    if squad.id == complaint.squad_id:
        raise Invalid("不能转给本中队", code="invalid_squad", errors={"squad_id": ["取值无效。"]})
    _move(complaint, "transfer")
    complaint.squad_id, complaint.assignee_id = squad.id, None
    _event(complaint, "transferred", f"已转办：{reason}", actor)
    session.flush()
    return complaint


# -- the district ----------------------------------------------------------------------------------

def regenerate_qr(actor: Officer, office_id: int) -> OfficeQrCode:
    """A new code for an office: the version goes up and every printed old code stops working."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以更换二维码")
    office = get_visible(CommunityOffice, office_id, actor, what="社区工作室")
    qr = session.get(OfficeQrCode, office.id)
    if qr is None:
        qr = OfficeQrCode(office_id=office.id, squad_id=office.squad_id, version=1)
        session.add(qr)
    qr.version += 1
    qr.regenerated_at, qr.regenerated_by_id = utcnow(), actor.id
    session.flush()
    return qr


def set_deadline(actor: Officer, category: Category, *, accept_hours: int, resolve_days: int) -> CategoryDeadline:
    """A district's own deadlines for one category (new complaints use them)."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设置办理时限")
    if not 1 <= accept_hours <= 24 * 7 or not 1 <= resolve_days <= 90:
        raise Invalid("受理时限应为 1–168 小时，办结时限应为 1–90 天", code="invalid_deadline")
    row = session.scalar(select(CategoryDeadline).where(
        CategoryDeadline.district_id == actor.district_id, CategoryDeadline.category == category))
    if row is None:
        row = CategoryDeadline(district_id=actor.district_id, category=category)
        session.add(row)
    row.accept_hours, row.resolve_days = accept_hours, resolve_days
    session.flush()
    return row


def read_photo(actor: Officer, complaint_id: int, photo_id: int, *, address: str | None = None) -> ComplaintPhoto:
    """A resident's photo, for whoever handles the complaint (its officer, the squad leader, the district); logged."""
    complaint = get_visible(Complaint, complaint_id, actor, what="诉件")
    if actor.role not in IMAGE_READERS and complaint.assignee_id != actor.id:
        raise Forbidden(
            "市民上传的照片仅承办队员、中队长和区局管理员可查看（个人信息最小必要）", code="not_needed_for_role"
        )
    photo = session.get(ComplaintPhoto, photo_id)
    if photo is None or photo.complaint_id != complaint.id:
        raise NotFound("照片不存在", code="not_found")
    record_read(actor, "complaint_photo", photo.id, address=address)
    return photo
