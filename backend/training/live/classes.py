"""Live classes (直播课): scheduling, the signed join QR code, attendance from join / heartbeat / leave.

Join codes rotate. The join QR code signs the class id and the current time window of
TRAINING_JOIN_CODE_SECONDS (default 60 s); a join is accepted with the current or the previous window's
code, so a code lives one to two windows and a photo of the classroom screen is useless at home. The
big screen fetches the current code as it polls.

Presence rule. The light app sends a heartbeat every TRAINING_HEARTBEAT_SECONDS (default 30 s) while
the class is open on the phone. Signals (join, heartbeat, leave) are merged into presence intervals:
a signal that comes at most TRAINING_HEARTBEAT_GAP_SECONDS (default 90 s, three missed heartbeats)
after the previous one extends the current interval up to itself; a later one starts a new interval,
and the silence in between is a gap that does not count — it is not a leave, the trainee is still
in the class. A leave closes the interval; after it only a new join (scan again) opens one.
Presence is the intervals' total clipped to the scheduled session; the class credits its hours when
presence ≥ min_presence_percent (default TRAINING_MIN_PRESENCE_PERCENT, 80 %) of the session.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import qrcode
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend import keys
from backend.config import settings
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.exports import export_row
from backend.org.models import Officer
from backend.org.queries import person
from backend.org.scope import get_visible, scoped
from backend.training.common import check_category, named_teacher, require_author, require_city_wide
from backend.training.models import Attendance, Course, LiveClass, PresenceInterval


def create_live_class(actor: Officer, *, title: str, classroom: str, starts_at: datetime, ends_at: datetime,
                      category: str, credit_hours: Decimal, course_id: int | None = None,
                      teacher_id: int | None = None, stream_url: str | None = None,
                      min_presence_percent: int | None = None) -> LiveClass:
    """A class of the actor's district, or a city-wide one (no district) when the city trainer schedules it:
    the officers of every district join that one. A city-wide class is of a city-wide course, if of any (a
    district's course is not every district's to open)."""
    require_author(actor)
    if ends_at <= starts_at:
        raise Invalid("结束时间必须晚于开始时间", code="ends_before_start",
                      errors={"ends_at": ["结束时间必须晚于开始时间。"]})
    check_category(actor.district_id, category)
    if course_id is not None:
        require_city_wide(actor, get_visible(Course, course_id, actor, what="课程"), "course", "课程")
    if teacher_id is not None:
        named_teacher(actor, teacher_id)
    live_class = LiveClass(
        district_id=actor.district_id, title=title, classroom=classroom, starts_at=starts_at, ends_at=ends_at,
        held_on=local_day(starts_at), category=category, credit_hours=credit_hours, course_id=course_id,
        teacher_id=teacher_id, stream_url=stream_url, created_by_id=actor.id,
        min_presence_percent=min_presence_percent if min_presence_percent is not None
        else settings().TRAINING_MIN_PRESENCE_PERCENT,
    )
    session.add(live_class)
    session.flush()
    return live_class


JOIN_PURPOSE = "training-join"
JOIN_CODE_BYTES = 16


def _join_window(moment: datetime) -> int:
    return int(moment.timestamp()) // settings().TRAINING_JOIN_CODE_SECONDS


def join_signature(live_class_id: int) -> str:
    """The join code of this class for the current time window: it cannot be forged for another class or time."""
    return keys.seal(JOIN_PURPOSE, f"{live_class_id}:{_join_window(utcnow())}", JOIN_CODE_BYTES)


def join_signature_matches(live_class_id: int, signature: str) -> bool:
    """Whether `signature` is this class's code of the current or the previous window."""
    window = _join_window(utcnow())
    return any(keys.unseal(JOIN_PURPOSE, f"{live_class_id}:{w}", signature, JOIN_CODE_BYTES)
               for w in (window, window - 1))


def join_url(live_class: LiveClass) -> str:
    query = urlencode({"class": live_class.id, "sig": join_signature(live_class.id)})
    return f"{settings().TRAINING_JOIN_URL}?{query}"


def join_qr_png(live_class: LiveClass) -> bytes:
    image = qrcode.make(join_url(live_class), box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def live_class_for(actor: Officer, live_class_id: int) -> LiveClass:
    return get_visible(LiveClass, live_class_id, actor, what="直播课")


def _attendance(live_class_id: int, officer_id: int) -> Attendance | None:
    return session.scalars(select(Attendance).where(Attendance.live_class_id == live_class_id,
                                                    Attendance.officer_id == officer_id)).one_or_none()


def join(actor: Officer, live_class_id: int, signature: str) -> Attendance:
    """A trainee joins by the scanned QR code; joining again after a leave opens a new interval."""
    live_class = live_class_for(actor, live_class_id)
    if not join_signature_matches(live_class.id, signature):
        raise Forbidden("二维码无效或已过期，请扫描教室大屏上当前显示的二维码", code="bad_signature")
    now = utcnow()
    early = settings().TRAINING_JOIN_EARLY_MINUTES
    if now < live_class.starts_at - timedelta(minutes=early):
        raise Conflict(f"课程尚未开始，请在开课前 {early} 分钟内加入", code="class_not_started")
    if now >= live_class.ends_at:
        raise Conflict("课程已结束", code="class_ended")
    attendance = _attendance(live_class.id, actor.id)
    if attendance is None:
        try:
            with session.begin_nested():  # a double scan: the unique key keeps one attendance
                attendance = Attendance(live_class=live_class, officer_id=actor.id, joined_at=now, last_seen_at=now)
                session.add(attendance)
        except IntegrityError:
            attendance = _attendance(live_class.id, actor.id)
    attendance.left_at = None
    _signal(attendance, now)
    return attendance


def heartbeat(actor: Officer, live_class_id: int) -> Attendance:
    return _signal(_joined(actor, live_class_id), utcnow())


def leave(actor: Officer, live_class_id: int) -> Attendance:
    attendance = _joined(actor, live_class_id)
    now = utcnow()
    _signal(attendance, now)
    attendance.intervals[-1].closed = True
    attendance.left_at = now
    session.flush()
    return attendance


def _joined(actor: Officer, live_class_id: int) -> Attendance:
    live_class = live_class_for(actor, live_class_id)
    attendance = _attendance(live_class.id, actor.id)
    if attendance is None or attendance.left_at is not None:
        raise Conflict("您尚未加入该课堂，请先扫码加入", code="not_joined")
    return attendance


def _signal(attendance: Attendance, now: datetime) -> Attendance:
    """Extend the current interval up to `now`, or start a new one after a gap (or a leave)."""
    gap = timedelta(seconds=settings().TRAINING_HEARTBEAT_GAP_SECONDS)
    current = attendance.intervals[-1] if attendance.intervals else None
    if current is not None and not current.closed and now - current.ended_at <= gap:
        current.ended_at = max(current.ended_at, now)
    else:
        attendance.intervals.append(PresenceInterval(started_at=now, ended_at=now))
    attendance.last_seen_at = now
    live_class = attendance.live_class
    attendance.presence_seconds = presence_seconds(attendance.intervals, live_class.starts_at, live_class.ends_at)
    attendance.credited = (
        attendance.presence_seconds * 100 >= live_class.min_presence_percent * live_class.duration_seconds
    )
    session.flush()
    return attendance


def presence_seconds(intervals, starts_at: datetime, ends_at: datetime) -> int:
    """Seconds of the intervals inside the scheduled session."""
    total = 0
    for interval in intervals:
        start, end = max(interval.started_at, starts_at), min(interval.ended_at, ends_at)
        total += max(0, int((end - start).total_seconds()))
    return total


def head_count(live_class_id: int) -> dict:
    """How many have joined the class, and how many are in it now (not left, a signal within the gap)."""
    recent = utcnow() - timedelta(seconds=settings().TRAINING_HEARTBEAT_GAP_SECONDS)
    joined, present = session.execute(
        select(func.count(), func.count().filter(Attendance.left_at.is_(None), Attendance.last_seen_at >= recent))
        .where(Attendance.live_class_id == live_class_id)).one()
    return {"live_class_id": live_class_id, "joined": joined, "present": present}


def attendance_of_class(actor: Officer, live_class_id: int) -> list[Attendance]:
    """The class's attendance: of a city-wide class, a district's staff see their district's officers, the city
    trainer everyone."""
    live_class = managed_class(actor, live_class_id, change=False)
    return list(session.scalars(scoped(Attendance, actor).where(Attendance.live_class_id == live_class.id)
                                .join(Officer).order_by(Officer.badge_no)))


def runs(actor: Officer, live_class: LiveClass) -> bool:
    """Whether the actor may read the class as the one who runs it (its QR code, head count, attendance and big
    screen): the answer `managed_class(..., change=False)` would give, for a class already read."""
    try:
        require_author(actor, live_class, change=False)
    except Forbidden:
        return False
    return True


def managed_class(actor: Officer, live_class_id: int, *, change: bool = True) -> LiveClass:
    """A class the actor runs: its QR code, head count, attendance (`change=False`: a district's staff also
    read a city-wide class's) or its quizzes."""
    require_author(actor)
    live_class = live_class_for(actor, live_class_id)
    require_author(actor, live_class, change=change)
    return live_class


def attendance_of_officer(actor: Officer, officer_id: int) -> list[Attendance]:
    """One officer's attendance across classes (self, their leader, district staff)."""
    officer = person(actor, officer_id)
    stmt = (scoped(Attendance, actor).where(Attendance.officer_id == officer.id)
            .join(LiveClass).order_by(LiveClass.starts_at))
    return list(session.scalars(stmt))


CSV_HEADER = ["课程", "开始时间", "工号", "姓名", "首次加入", "最后信号", "在线分钟", "在线比例(%)", "计学时"]


def attendance_csv(rows: list[Attendance]) -> str:
    """Attendance as CSV with a BOM so that Excel opens the Chinese correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for a in rows:
        c = a.live_class
        share = Decimal(a.presence_seconds * 100) / Decimal(c.duration_seconds)
        writer.writerow(export_row([c.title, _local(c.starts_at), a.officer.badge_no, a.officer.name,
                                    _local(a.joined_at), _local(a.last_seen_at), a.presence_seconds // 60,
                                    f"{share:.1f}", "是" if a.credited else "否"]))
    return out.getvalue()


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def require_present(live_class_id: int, officer_id: int) -> None:
    """The trainee must have joined (and not left) to answer in-class quizzes."""
    present = session.scalar(select(Attendance.id).where(
        Attendance.live_class_id == live_class_id, Attendance.officer_id == officer_id, Attendance.left_at.is_(None)))
    if present is None:
        raise Conflict("您尚未加入该课堂，请先扫码加入", code="not_joined")
