"""Results on site: photos of failed items, the checklist, a rectification deadline (整改期限) with its
re-inspection (复查), and a case opened (立案) where the kind's checklist says a failed item opens one.

A failed item needs at least one photo, uploaded first by a drawn inspector while the inspection is due (taken in
as evidence of the inspection, in the inspector's hash chain; its readings in the custody log). A
failed inspection sets a deadline after the day of the inspection and at most INSPECTIONS_MAX_RECTIFY_DAYS
later, and schedules a re-inspection of the same object by the same inspectors, due on it; a re-inspection
that fails again sets a new one. Re-inspections are no part of the draw and go on after the plan closes.
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import select

from backend.audit import record_read
from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.evidence.models import Evidence, Source, Subject
from backend.evidence.operations import check_photo, open_original_for, submit_evidence
from backend.inspections.models import Assignment, Inspection, InspectionCase, InspectionPhoto, InspectionStatus
from backend.inspections.plans import _open
from backend.inspections.scoring import regrade
from backend.org.models import Officer
from backend.org.roles import IMAGE_READERS
from backend.org.scope import get_visible

MAX_PHOTOS_PER_ITEM = 6


def inspection_for(actor: Officer, inspection_id: int) -> Inspection:
    """An inspection for one of its drawn inspectors, whatever squad the object is in, or for whoever may see it."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is not None and actor.id in inspection.inspector_ids:
        return inspection
    return get_visible(Inspection, inspection_id, actor, what="检查任务")


def read_photo(actor: Officer, inspection_id: int, photo_id: int, *, address: str | None = None
               ) -> tuple[InspectionPhoto, bytes]:
    """A photo of a failed item and its original, for the inspection's drawn inspectors, the object's squad leader
    and the district administrators (it may show people: the owner, passers-by); every opening is in the audit
    log and in the evidence's custody chain (checked against its SHA-256)."""
    inspection = inspection_for(actor, inspection_id)
    if actor.id not in inspection.inspector_ids and actor.role not in IMAGE_READERS:
        raise Forbidden("检查照片仅抽中的检查人员、中队长和区局管理员可查看（个人信息最小必要）",
                        code="not_needed_for_role")
    photo = session.get(InspectionPhoto, photo_id)
    if photo is None or photo.inspection_id != inspection.id:
        raise NotFound("照片不存在", code="not_found")
    record_read(actor, "inspection_photo", photo.id, address=address)
    return photo, open_original_for(actor, photo.evidence, address=address)


def _drawn(actor: Officer, inspection_id: int) -> Inspection:
    """The inspection if `actor` is one of its drawn inspectors and it is still due."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or actor.id not in inspection.inspector_ids:
        get_visible(Inspection, inspection_id, actor, what="检查任务")  # 404 unless the actor may see it
        raise Conflict("您不是该检查任务抽中的检查人员", code="not_drawn_inspector")
    if inspection.status == InspectionStatus.cancelled:
        raise Conflict("该检查任务所属的抽取已被重新抽取取代", code="inspection_cancelled")
    if inspection.status == InspectionStatus.done:
        raise Conflict("该检查已记录结果，不能重复提交", code="already_recorded")
    if inspection.reinspection_of_id is None:
        _open(inspection.draw.plan)
    return inspection


def _standard(inspection: Inspection) -> list[dict]:
    return inspection.object.kind.checklist


def _photo_sent_before(actor: Officer, inspection_id: int, item: str, client_id: str,
                       data: bytes) -> InspectionPhoto | None:
    """The photo a retried upload (the same client id) made the first time; Conflict where the id was used for
    other evidence (another file, item, inspection or officer)."""
    photo = session.scalars(select(InspectionPhoto).join(InspectionPhoto.evidence)
                            .where(Evidence.client_id == client_id)).one_or_none()
    if photo is None:
        return None
    if (photo.inspection_id, photo.item, photo.evidence.officer_id, photo.evidence.sha256) != (
            inspection_id, item, actor.id, hashlib.sha256(data).hexdigest()):
        raise Conflict("该取证编号已用于另一份证据", code="client_id_reused")
    return photo


def add_photo(actor: Officer, inspection_id: int, *, client_id: str, item: str, data: bytes,
              content_type: str | None, lat: float | None = None, lng: float | None = None,
              accuracy_m: float | None = None) -> tuple[InspectionPhoto, bool]:
    """A photo of a checklist item, before the result is recorded: taken in as evidence of the inspection (the
    inspector's hash chain, subject = the inspection) with the row naming its item, in one transaction; (photo,
    whether new). The phone's `client_id` makes a retry return the first photo. The place is the phone's when it
    sends one, else the object's registered coordinates."""
    inspection = _drawn(actor, inspection_id)
    sent = _photo_sent_before(actor, inspection.id, item, client_id, data)
    if sent is not None:  # before the per-item cap: the retry of the sixth photo is that photo, not a seventh
        return sent, False
    standard = [entry["item"] for entry in _standard(inspection)]
    if standard and item not in standard:
        raise Invalid(f"“{item}”不是“{inspection.object.kind.name}”检查表中的检查项", code="unknown_item")
    if sum(photo.item == item for photo in inspection.photos) >= MAX_PHOTOS_PER_ITEM:
        raise Invalid(f"每个检查项最多 {MAX_PHOTOS_PER_ITEM} 张照片", code="too_many_photos")
    if (lat is None) != (lng is None):
        raise Invalid("拍摄位置的纬度和经度须同时填写", code="location_incomplete")
    checked = check_photo(data, content_type, max_bytes=settings().INSPECTIONS_PHOTO_MAX_BYTES)
    place = inspection.object
    if lat is None:
        lat, lng = place.lat, place.lng
    if lat is None:
        raise Invalid("该检查对象未登记坐标，请随照片提交拍摄位置（lat、lng）", code="location_required")
    evidence, new = submit_evidence(
        actor, client_id=client_id, data=data, content_type=content_type, captured_at=utcnow(), lat=lat, lng=lng,
        accuracy_m=accuracy_m, place=place.address[:200], subject_type=Subject.inspection,
        subject_ref=str(inspection.id), source=Source.upload, checked=checked)
    if not new:  # the same upload committed while this one waited for the officer's chain, or other evidence
        sent = _photo_sent_before(actor, inspection.id, item, client_id, data)
        if sent is None:
            raise Conflict("该取证编号已用于另一份证据", code="client_id_reused")
        return sent, False
    photo = InspectionPhoto(item=item, evidence=evidence, taken_by_id=actor.id)
    inspection.photos.append(photo)
    session.flush()
    return photo, True


def record_result(actor: Officer, inspection_id: int, *, checklist: list[dict],
                  rectify_by: date | None = None) -> Inspection:
    """One of the two drawn inspectors records the checklist; the inspection passes when every item does."""
    inspection = _drawn(actor, inspection_id)
    standard = {entry["item"]: entry for entry in _standard(inspection)}
    if standard and sorted(entry["item"] for entry in checklist) != sorted(standard):
        raise Invalid(f"应按“{inspection.object.kind.name}”的标准检查表逐项填写：{'、'.join(standard)}",
                      code="checklist_mismatch")
    failed = [entry for entry in checklist if not entry["passed"]]
    photographed = {photo.item for photo in inspection.photos}
    unseen = [entry["item"] for entry in failed if entry["item"] not in photographed]
    if unseen:
        raise Invalid(f"不合格的检查项须先上传现场照片：{'、'.join(unseen)}", code="photo_required")
    today = local_day()
    if failed:
        latest = today + timedelta(days=settings().INSPECTIONS_MAX_RECTIFY_DAYS)
        if rectify_by is None or not today < rectify_by <= latest:
            raise Invalid(f"检查不合格须设定整改期限：晚于检查当天（{today}），且不晚于 {latest}",
                          code="bad_rectify_by")
    elif rectify_by is not None:
        raise Invalid("检查合格无需设定整改期限", code="bad_rectify_by")
    inspection.checklist = checklist
    inspection.passed = not failed
    inspection.rectify_by = rectify_by
    inspection.status, inspection.done_by_id, inspection.done_at = InspectionStatus.done, actor.id, utcnow()
    if failed:
        session.add(Inspection(draw_id=inspection.draw_id, object_id=inspection.object_id,
                               squad_id=inspection.squad_id, inspector_ids=inspection.inspector_ids,
                               status=InspectionStatus.due, reinspection_of_id=inspection.id, due_on=rectify_by,
                               assignments=[Assignment(officer_id=o) for o in inspection.inspector_ids]))
    serious = [{"item": entry["item"], "basis": standard[entry["item"]].get("basis", ""), "note": entry["note"]}
               for entry in failed if standard.get(entry["item"], {}).get("opens_case")]
    if serious:
        session.add(InspectionCase(inspection_id=inspection.id, object_id=inspection.object_id,
                                   squad_id=inspection.squad_id, items=serious, opened_by_id=actor.id))
    session.flush()
    regrade(inspection.object.district_id, [inspection.object_id])
    return inspection


def rectification(inspection: Inspection) -> str | None:
    """pending / overdue / rectified / not_rectified for a failed inspection (None for one that passed or is due)."""
    if inspection.rectify_by is None:
        return None
    again = inspection.reinspection
    if again is not None and again.status == InspectionStatus.done:
        return "rectified" if again.passed else "not_rectified"
    return "overdue" if local_day() > inspection.rectify_by else "pending"


RECTIFICATION_NAMES = {"pending": "整改中", "overdue": "逾期未复查", "rectified": "已整改", "not_rectified": "未整改"}


# GB 32100: a credit code's first two characters are the registering authority (9: 市场监管) and the kind of
# entity it registers (2: 个体工商户, an individual business).
INDIVIDUAL_BUSINESS = "92"
INDIVIDUAL_BUSINESS_NAME = "个体工商户（名称不公开）"


def public_name(name: str, credit_code: str) -> str:
    """An object's name as the public sees it: an individual business (个体工商户) is not named.

    An individual business is one person trading. Without a trade name (字号) it is registered under its
    operator's own name, and a trade name is often the operator's name too ("张三五金店"): its name identifies a
    person, whose result (合格 / 不合格, 整改中) published beside it would be that person's data (PIPL art. 4). The
    publication serves oversight of the inspections — what kind, when, with what result and whether it was
    rectified — which needs no name of a person. Companies and other organisations are named.
    """
    return INDIVIDUAL_BUSINESS_NAME if credit_code.startswith(INDIVIDUAL_BUSINESS) else name


def published(rows) -> list[dict]:
    """The rows of queries.published_results as the public sees them (the JSON feed and the page)."""
    return [{"object_name": public_name(name, code), "kind_name": kind,
             "inspected_on": local_day(inspection.done_at), "result": "合格" if inspection.passed else "不合格",
             "rectification": RECTIFICATION_NAMES.get(rectification(inspection))}
            for inspection, name, kind, code in rows]
