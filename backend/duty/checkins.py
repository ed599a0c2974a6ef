"""Check-in and check-out: judged for time, place and selfie; idempotent by the client's id."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import bindparam, or_, select, update

from backend import geo
from backend.audit import record_read
from backend.config import settings
from backend.db import LOCAL_TZ, insert_once, session, utcnow
from backend.duty.models import Approval, CheckKind, DutyCheck, Post, Shift, Timing
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.files import store
from backend.images import validate_image
from backend.org.models import Officer
from backend.org.roles import IMAGE_READERS, SQUAD_MANAGERS
from backend.org.scope import get_visible
from backend.storage import get_storage
from backend.vision import face_detector


def check_client_time(client_at: datetime, now: datetime) -> bool:
    """Refuse client times in the future or outside the sync window; True when synced late."""
    if client_at - now > timedelta(seconds=settings().DUTY_CLOCK_SKEW_SECONDS):
        raise Invalid("客户端时间晚于服务器时间，请校准手机时间后重试", code="client_time_in_future")
    window = timedelta(hours=settings().DUTY_SYNC_WINDOW_HOURS)
    if now - client_at > window:
        raise Invalid(f"记录时间早于 {settings().DUTY_SYNC_WINDOW_HOURS} 小时前，已超过离线同步期限",
                      code="client_time_too_old")
    return now - client_at > timedelta(minutes=settings().DUTY_LATE_SYNC_MINUTES)


def check_accuracy(accuracy_m: float) -> None:
    if accuracy_m is None or not math.isfinite(accuracy_m) or accuracy_m < 0:
        raise Invalid("定位精度不能为负数或非数字", code="bad_accuracy")
    if accuracy_m > settings().DUTY_MAX_ACCURACY_M:
        raise Invalid(f"定位精度超过 {settings().DUTY_MAX_ACCURACY_M} 米，定位不可信，请到开阔处重新定位",
                      code="accuracy_too_poor")


def same_submission(existing, officer: Officer, what: str):
    """A repeated client id: the first result for the same officer, a conflict for anyone else."""
    if existing.officer_id != officer.id:
        raise Conflict(f"该{what}编号已被使用", code="client_id_reused")
    return existing


def _minutes(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() // 60))


@dataclass(frozen=True)
class JudgedShift:
    """What a submission is judged on: the shift's times and absence mark, its post's name, fence and selfie rule."""

    id: int
    starts_at: datetime
    ends_at: datetime
    absent: bool
    post_name: str | None
    fence: geo.Fence | None
    selfie_required: bool

    @classmethod
    def of(cls, row) -> JudgedShift:
        fence = None if row.shape is None else geo.Fence.stored(row.shape, row.center_lat, row.center_lng,
                                                                 row.radius_m, row.polygon)
        return cls(row.id, row.starts_at, row.ends_at, row.absent, row.post_name, fence, bool(row.selfie_required))


# Every submission reads plain rows with the columns it judges (loading ORM entities would cost more than the
# statements), through statements built once.
_SHIFT, _POST, _CHECK = Shift.__table__, Post.__table__, DutyCheck.__table__
_CHECK_COLUMNS = (_CHECK.c.id.label("check_id"), _CHECK.c.client_id, _CHECK.c.officer_id, _CHECK.c.shift_id,
                  _CHECK.c.kind, _CHECK.c.client_at, _CHECK.c.approval)
_OWN_SHIFT = (select(_SHIFT.c.id, _SHIFT.c.starts_at, _SHIFT.c.ends_at, _SHIFT.c.absent,
                     _POST.c.name.label("post_name"), _POST.c.shape, _POST.c.center_lat, _POST.c.center_lng,
                     _POST.c.radius_m, _POST.c.polygon, _POST.c.selfie_required)
              .select_from(_SHIFT.outerjoin(_POST, _POST.c.id == _SHIFT.c.post_id))
              .where(_SHIFT.c.id == bindparam("shift_id"), _SHIFT.c.officer_id == bindparam("officer_id"))
              .with_for_update(of=_SHIFT))
_CHECKS = select(*_CHECK_COLUMNS).where(or_(_CHECK.c.client_id == bindparam("client_id"),
                                            _CHECK.c.shift_id == bindparam("shift_id")))
_OWN_SHIFT_AND_CHECKS = (
    _OWN_SHIFT.add_columns(*_CHECK_COLUMNS)
    .outerjoin(_CHECK, or_(_CHECK.c.client_id == bindparam("client_id"), _CHECK.c.shift_id == _SHIFT.c.id)))


def _refuse_shift(actor: Officer, shift_id: int):
    """Not the actor's own shift (which is always in scope): 404 outside the scope, 403 inside."""
    get_visible(Shift, shift_id, actor, what="班次")
    raise Forbidden("只能为自己的班次签到签退", code="not_your_shift")


def _own_shift(actor: Officer, kind: CheckKind, shift_id: int, client_id: str):
    """The actor's own shift, locked so submissions to it are judged one at a time; the check with this client
    id (if any); the shift's checks by kind.

    A check-out reads the checks after the lock, to see a check-in committed while it waited. A check-in
    reads them in the statement that takes the lock (one round trip less): a check that statement could not
    see yet makes the insert collide on a unique key, and `submit_check` reads it then."""
    params = {"shift_id": shift_id, "officer_id": actor.id, "client_id": client_id}
    if kind == CheckKind.check_out:
        row = session.execute(_OWN_SHIFT, params).first()
        if row is None:
            _refuse_shift(actor, shift_id)
        return (JudgedShift.of(row), *_checks(client_id, shift_id))
    rows = session.execute(_OWN_SHIFT_AND_CHECKS, params).all()
    if not rows:
        _refuse_shift(actor, shift_id)
    checks = [row for row in rows if row.check_id is not None]
    return (JudgedShift.of(rows[0]), *_sorted_checks(client_id, shift_id, checks))


def _checks(client_id: str, shift_id: int):
    """The check with this client id (if any) and the shift's checks by kind, in one query."""
    rows = session.execute(_CHECKS, {"client_id": client_id, "shift_id": shift_id}).all()
    return _sorted_checks(client_id, shift_id, rows)


def _sorted_checks(client_id: str, shift_id: int, rows: list):
    same = next((row for row in rows if row.client_id == client_id), None)
    return same, {row.kind: row for row in rows if row.shift_id == shift_id}


def _first_result(row, actor: Officer) -> DutyCheck:
    """The first result of a repeated client id, read in full to be answered again."""
    return session.get(DutyCheck, same_submission(row, actor, "签到签退").check_id)


def attended_minutes(shift: Shift | JudgedShift, check_in, check_out) -> int:
    """Minutes of the shift between check-in and check-out; none for a rejected out-of-area check-in."""
    if check_in is None or check_out is None or check_in.approval == Approval.rejected:
        return 0
    start, end = max(check_in.client_at, shift.starts_at), min(check_out.client_at, shift.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def _store_selfie(officer: Officer, data: bytes | None) -> tuple[str, str]:
    """Validate the selfie (an image with exactly one face) and store it; its key and SHA-256."""
    if not data:
        raise Invalid("该点位要求自拍签到，请拍摄本人照片", code="selfie_required")
    image = validate_image(data, max_bytes=settings().DUTY_SELFIE_MAX_BYTES)
    faces = face_detector().count_faces(image.image)
    if faces == 0:
        raise Invalid("自拍照中没有检测到人脸，请正对镜头重拍", code="selfie_no_face")
    if faces > 1:
        raise Invalid(f"自拍照中检测到 {faces} 张人脸，只能有本人一张", code="selfie_many_faces")
    digest = hashlib.sha256(data).hexdigest()
    key = f"duty/selfies/{officer.id}/{digest}.{image.format.lower()}"
    store([(key, data, image.mime)])
    return key, digest


def _judge_check_in(shift: JudgedShift, check: DutyCheck) -> None:
    earliest = shift.starts_at - timedelta(minutes=settings().DUTY_EARLIEST_CHECK_IN_MINUTES)
    if check.client_at < earliest:
        opens = earliest.astimezone(LOCAL_TZ).strftime("%H:%M")
        raise Invalid(f"还未到签到时间，{opens} 起可以签到", code="too_early")
    if check.client_at >= shift.ends_at:
        raise Invalid("班次已结束，不能再签到", code="shift_over")
    late_by = check.client_at - shift.starts_at
    if late_by > timedelta(minutes=settings().DUTY_GRACE_MINUTES):
        check.timing, check.minutes_off = Timing.late, _minutes(late_by)
    else:
        check.timing, check.minutes_off = Timing.on_time, 0


def _judge_place(shift: JudgedShift, check: DutyCheck, point: geo.LatLng, reason: str | None) -> None:
    if shift.fence is None:
        return
    inside, outside_m = shift.fence.admits(point, check.accuracy_m, settings().DUTY_MAX_ACCURACY_ALLOWANCE_M)
    check.distance_outside_m = round(outside_m)
    if inside or check.kind == CheckKind.check_out:
        return
    if not (reason and reason.strip()):
        raise Invalid(f"您不在“{shift.post_name}”范围内（距围栏约 {round(outside_m)} 米）。"
                      "如需外勤签到，请填写原因，由中队长审批", code="outside_fence")
    check.out_of_area, check.reason, check.approval = True, reason.strip(), Approval.pending


def _judge_check_out(shift: JudgedShift, check: DutyCheck, check_in) -> None:
    if check_in is None:
        raise Conflict("还没有签到，不能签退", code="not_checked_in")
    if check.client_at <= check_in.client_at:
        raise Invalid("签退时间必须晚于签到时间", code="check_out_before_check_in")
    early_by = shift.ends_at - check.client_at
    if early_by > timedelta(0):
        check.timing, check.minutes_off = Timing.early_leave, _minutes(early_by)
    else:
        check.timing, check.minutes_off = Timing.on_time, 0


def submit_check(actor: Officer, kind: CheckKind, *, client_id: str, shift_id: int, client_at: datetime,
                 lat: float, lng: float, coord_system: str, accuracy_m: float, reason: str | None = None,
                 selfie: bytes | None = None, now: datetime | None = None) -> tuple[DutyCheck, bool]:
    """Record a check-in or check-out; (the record, whether it is new). The same id twice: the first."""
    now = now or utcnow()
    shift, existing, of_shift = _own_shift(actor, kind, shift_id, client_id)
    if existing is not None:
        return _first_result(existing, actor), False
    late_sync = check_client_time(client_at, now)
    point = geo.to_gcj02(lat, lng, coord_system)
    check_accuracy(accuracy_m)
    check = DutyCheck(client_id=client_id, officer_id=actor.id, shift_id=shift.id, kind=kind, client_at=client_at,
                      received_at=now, late_sync=late_sync, lat=point.lat, lng=point.lng,
                      coord_system=point.coord_system, accuracy_m=accuracy_m, out_of_area=False, minutes_off=0)
    check_in = of_shift.get(CheckKind.check_in)
    if kind in of_shift:
        _already_done(kind)
    if kind == CheckKind.check_in:
        _judge_check_in(shift, check)
    else:
        _judge_check_out(shift, check, check_in)
    _judge_place(shift, check, point, reason)
    if kind == CheckKind.check_in and shift.selfie_required:
        check.selfie_key, check.selfie_sha256 = _store_selfie(actor, selfie)
    stored = insert_once(check)
    if stored is None:  # the same id, or this shift's check of this kind, was committed meanwhile
        existing, _ = _checks(client_id, shift.id)
        if existing is None:
            _already_done(kind)
        return _first_result(existing, actor), False
    _update_shift(shift, check_in if kind == CheckKind.check_out else stored,
                  stored if kind == CheckKind.check_out else None)
    return stored, True


def _already_done(kind: CheckKind) -> NoReturn:
    if kind == CheckKind.check_in:
        raise Conflict("本班次已签到", code="already_checked_in")
    raise Conflict("本班次已签退", code="already_checked_out")


def _update_shift(shift: JudgedShift, check_in, check_out: DutyCheck | None) -> None:
    """A check-out sets the attended minutes; a submission synced after close-day corrects its marks."""
    values = {"absent": False} if shift.absent else {}
    if check_out is not None:
        values.update(missing_check_out=False, attended_minutes=attended_minutes(shift, check_in, check_out))
    if values:
        session.execute(update(Shift).where(Shift.id == shift.id).values(values))


def selfie_of(actor: Officer, check_id: int, *, address: str | None = None) -> tuple[bytes, str]:
    """The selfie of a check-in in the actor's scope, for its officer and those who decide on it; logged."""
    check = get_visible(DutyCheck, check_id, actor, what="签到记录")
    if check.officer_id != actor.id and actor.role not in IMAGE_READERS:
        raise Forbidden("签到自拍照仅本人、中队长和区局管理员可查看（个人信息最小必要）", code="not_needed_for_role")
    if check.selfie_key is None:
        raise NotFound("该签到没有自拍照", code="no_selfie")
    record_read(actor, "duty_check_selfie", check.id, address=address)
    return get_storage().get(check.selfie_key), "image/png" if check.selfie_key.endswith(".png") else "image/jpeg"


def decide_out_of_area(actor: Officer, check_id: int, *, approve: bool, note: str | None = None) -> DutyCheck:
    """The squad leader (or district) approves or rejects an out-of-area check-in."""
    if actor.role not in SQUAD_MANAGERS:
        raise Forbidden("只有中队长和区局管理员可以审批外勤签到", code="role_forbidden")
    check = get_visible(DutyCheck, check_id, actor, what="签到记录")
    if check.officer_id == actor.id:
        raise Forbidden("不能审批自己的外勤签到", code="cannot_decide_own")
    if not check.out_of_area:
        raise Conflict("这不是外勤签到，无需审批", code="not_out_of_area")
    if check.approval != Approval.pending:
        raise Conflict("该外勤签到已审批", code="already_decided")
    check.approval = Approval.approved if approve else Approval.rejected
    check.decided_by_id, check.decided_at, check.decision_note = actor.id, utcnow(), note
    shift = check.shift
    check_out = session.scalars(select(DutyCheck).where(DutyCheck.shift_id == shift.id,
                                                        DutyCheck.kind == CheckKind.check_out)).one_or_none()
    shift.attended_minutes = attended_minutes(shift, check, check_out)
    session.flush()
    return check
