"""What changes posts and the roster: posts created and changed, shifts planned, copied, changed."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from backend import geo
from backend.db import LOCAL_TZ, session
from backend.duty.models import DutyCheck, DutyType, Position, Post, Shift
from backend.errors import Conflict, Invalid
from backend.org.models import Officer, Squad
from backend.org.queries import person
from backend.org.roles import SQUAD_MANAGERS, require
from backend.org.scope import get_visible, scoped

POST_DUTY_TYPES = frozenset({DutyType.patrol, DutyType.fixed_post})


def _require_manager(actor: Officer, what: str) -> None:
    require(actor, SQUAD_MANAGERS, f"只有中队长和区局管理员可以{what}")


def _managed_squad(actor: Officer, squad_id: int | None) -> Squad:
    """The squad a manager acts on: a leader's own by default, a district admin must name one."""
    squad_id = squad_id if squad_id is not None else actor.squad_id
    if squad_id is None:
        raise Invalid("请指定中队", code="squad_required")
    return get_visible(Squad, squad_id, actor, what="中队")


def build_fence(shape: str, coord_system: str, center: dict | None = None, radius_m: int | None = None,
                points: list[dict] | None = None) -> geo.Fence:
    """A validated fence in GCJ-02 from the input's coordinates and their system."""
    if shape == "circle":
        if center is None or radius_m is None:
            raise Invalid("圆形围栏需要圆心和半径", code="circle_incomplete")
        return geo.circle(geo.to_gcj02(center["lat"], center["lng"], coord_system), radius_m)
    if shape == "polygon":
        corners = [geo.to_gcj02(p["lat"], p["lng"], coord_system) for p in points or []]
        return geo.polygon(corners)
    raise Invalid("围栏形状只能是 circle 或 polygon", code="bad_shape")


def _fence(fence: dict) -> geo.Fence:
    """build_fence, its refusal naming the field `fence` (a form shows it beside the fence)."""
    try:
        return build_fence(**fence)
    except Invalid as error:
        error.errors = error.errors or {"fence": [error.message]}
        raise


def _apply_fence(post: Post, fence: geo.Fence) -> None:
    post.shape = fence.shape
    post.coord_system = geo.GCJ02
    if fence.shape == "circle":
        post.center_lat, post.center_lng, post.radius_m = fence.center.lat, fence.center.lng, fence.radius_m
        post.polygon = None
    else:
        post.center_lat = post.center_lng = post.radius_m = None
        post.polygon = [[p.lat, p.lng] for p in fence.points]


def create_post(actor: Officer, *, name: str, fence: dict, squad_id: int | None = None,
                selfie_required: bool = False) -> Post:
    """A leader (own squad) or district admin (any squad of the district) adds a post."""
    _require_manager(actor, "管理勤务点位")
    squad = _managed_squad(actor, squad_id)
    post = Post(squad_id=squad.id, name=name, selfie_required=selfie_required, active=True)
    _apply_fence(post, _fence(fence))
    session.add(post)
    session.flush()
    return post


def update_post(actor: Officer, post_id: int, **changes) -> Post:
    _require_manager(actor, "管理勤务点位")
    post = get_visible(Post, post_id, actor, what="勤务点位")
    if "fence" in changes:
        _apply_fence(post, _fence(changes.pop("fence")))
    for name, value in changes.items():
        setattr(post, name, value)
    session.flush()
    return post


def shift_times(day: date, start: time, end: time, ends_next_day: bool) -> tuple[datetime, datetime]:
    """A shift's UTC start and end from the local day and clock times (it may end after midnight)."""
    starts_at = datetime.combine(day, start, LOCAL_TZ).astimezone(UTC)
    ends_at = datetime.combine(day + timedelta(days=1) if ends_next_day else day, end, LOCAL_TZ).astimezone(UTC)
    if ends_at <= starts_at:
        raise Invalid("班次结束时间必须晚于开始时间（跨零点的班次请勾选“次日结束”）", code="shift_ends_before_start")
    if ends_at - starts_at > timedelta(hours=24):
        raise Invalid("一个班次不能超过 24 小时", code="shift_too_long")
    return starts_at, ends_at


def _roster_officer(actor: Officer, officer_id: int) -> Officer:
    officer = person(actor, officer_id)
    if officer.squad_id is None or not officer.active:
        raise Invalid(f"{officer.name} 不是在岗的中队人员，不能排班", code="officer_not_rosterable")
    return officer


def _shift_post(officer: Officer, duty_type: DutyType, post_id: int | None) -> Post | None:
    if post_id is None:
        if duty_type in POST_DUTY_TYPES:
            raise Invalid("监察和固守勤务必须指定勤务点位", code="post_required")
        return None
    post = session.get(Post, post_id)
    if post is None or post.squad_id != officer.squad_id or not post.active:
        raise Invalid("勤务点位不存在、已停用或不属于该队员的中队", code="post_not_in_squad")
    return post


def _overlapping(officer_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None):
    stmt = select(Shift).where(Shift.officer_id == officer_id, Shift.starts_at < ends_at, Shift.ends_at > starts_at)
    if exclude_id is not None:
        stmt = stmt.where(Shift.id != exclude_id)
    return session.scalars(stmt.limit(1)).first()


def _overlap_conflict(officer: Officer, other: Shift) -> Conflict:
    start = other.starts_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    end = other.ends_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    return Conflict(f"{officer.name} 在 {start}–{end} 已有班次，同一人的班次不能重叠", code="shift_overlap")


def _lock_officer(officer: Officer) -> None:
    """Serialise roster changes per officer so two leaders cannot slip in overlapping shifts."""
    session.execute(select(Officer.id).where(Officer.id == officer.id).with_for_update())


def _add_shift(actor: Officer, *, officer_id: int, day: date, start: time, end: time, duty_type: DutyType,
               post_id: int | None = None, ends_next_day: bool = False) -> Shift:
    officer = _roster_officer(actor, officer_id)
    starts_at, ends_at = shift_times(day, start, end, ends_next_day)
    post = _shift_post(officer, duty_type, post_id)
    _lock_officer(officer)
    other = _overlapping(officer.id, starts_at, ends_at)
    if other is not None:
        raise _overlap_conflict(officer, other)
    shift = Shift(officer=officer, squad_id=officer.squad_id, day=day, starts_at=starts_at, ends_at=ends_at,
                  scheduled_minutes=int((ends_at - starts_at).total_seconds() // 60), duty_type=duty_type,
                  post=post, attended_minutes=0, absent=False, missing_check_out=False)
    session.add(shift)
    session.flush()
    return shift


def create_shifts(actor: Officer, shifts: list[dict]) -> list[Shift]:
    """Plan many shifts at once (a week of a squad): all of them or, on any problem, none."""
    _require_manager(actor, "排班")
    created = []
    for index, line in enumerate(shifts):
        try:
            created.append(_add_shift(actor, **line))
        except (Invalid, Conflict) as error:
            error.errors = error.errors or {"shifts": {index: [error.message]}}  # the line, for a form's cell
            error.message = f"第 {index + 1} 条：{error.message}"
            raise
    return created


def copy_week(actor: Officer, week_start: date, squad_id: int | None = None) -> list[Shift]:
    """Copy the previous week's shifts of a squad into the week starting `week_start` (a Monday)."""
    _require_manager(actor, "排班")
    if week_start.weekday() != 0:
        raise Invalid("请从周一开始复制一周的排班", code="week_start_not_monday")
    squad = _managed_squad(actor, squad_id)
    source = session.scalars(scoped(Shift, actor).where(
        Shift.squad_id == squad.id, Shift.day >= week_start - timedelta(days=7), Shift.day < week_start,
    ).order_by(Shift.starts_at)).all()
    if not source:
        raise Invalid("上周没有可复制的排班", code="nothing_to_copy")
    lines = [dict(officer_id=s.officer_id, day=s.day + timedelta(days=7), duty_type=s.duty_type,
                  post_id=s.post_id, start=s.starts_at.astimezone(LOCAL_TZ).time(),
                  end=s.ends_at.astimezone(LOCAL_TZ).time(),
                  ends_next_day=s.ends_at.astimezone(LOCAL_TZ).date() > s.day) for s in source]
    return create_shifts(actor, lines)


def _changeable_shift(actor: Officer, shift_id: int) -> Shift:
    _require_manager(actor, "排班")
    shift = get_visible(Shift, shift_id, actor, what="班次")
    if session.scalar(select(DutyCheck.id).where(DutyCheck.shift_id == shift.id).limit(1)) is not None:
        raise Conflict("该班次已有签到记录，不能再修改或删除", code="shift_started")
    return shift


def update_shift(actor: Officer, shift_id: int, **changes) -> Shift:
    """Change one shift (officer, day, times, duty type, post) before anyone has checked in to it; another
    officer must be an active member of the shift's squad."""
    shift = _changeable_shift(actor, shift_id)
    officer = shift.officer
    if "officer_id" in changes:
        officer = _roster_officer(actor, changes.pop("officer_id"))
        if officer.squad_id != shift.squad_id:
            raise Invalid(f"{officer.name} 不是本中队人员，班次只能换给本中队的人", code="officer_other_squad",
                          errors={"officer_id": ["须为本中队在岗人员。"]})
        if officer.id != shift.officer_id and session.scalar(
                select(Position.id).where(Position.shift_id == shift.id).limit(1)) is not None:
            raise Conflict("该班次已有巡查位置记录，不能换人", code="shift_has_track")
    local_start, local_end = shift.starts_at.astimezone(LOCAL_TZ), shift.ends_at.astimezone(LOCAL_TZ)
    day = changes.get("day", shift.day)
    start = changes.get("start", local_start.time())
    end = changes.get("end", local_end.time())
    ends_next_day = changes.get("ends_next_day", local_end.date() > shift.day)
    duty_type = changes.get("duty_type", shift.duty_type)
    post_id = changes["post_id"] if "post_id" in changes else shift.post_id
    starts_at, ends_at = shift_times(day, start, end, ends_next_day)
    post = _shift_post(officer, duty_type, post_id)
    _lock_officer(officer)
    other = _overlapping(officer.id, starts_at, ends_at, exclude_id=shift.id)
    if other is not None:
        raise _overlap_conflict(officer, other)
    shift.officer, shift.day, shift.starts_at, shift.ends_at = officer, day, starts_at, ends_at
    shift.scheduled_minutes = int((ends_at - starts_at).total_seconds() // 60)
    shift.duty_type, shift.post = duty_type, post
    session.flush()
    return shift


def delete_shift(actor: Officer, shift_id: int) -> None:
    session.delete(_changeable_shift(actor, shift_id))
    session.flush()
