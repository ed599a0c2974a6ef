"""What reads duty: rosters, my duty today, approvals waiting, a shift's track, who is on duty, the daily facts."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Integer, Select, and_, bindparam, case, cast, func, select
from sqlalchemy.orm import aliased

from backend.db import LOCAL_TZ, UTCDateTime, session
from backend.duty.models import Approval, CheckKind, DutyCheck, DutyType, Position, Post, Shift, Timing
from backend.geo import LatLng
from backend.org.models import Officer
from backend.org.scope import scoped, visible


def shifts(actor: Officer, *, day_from: date | None = None, day_to: date | None = None,
           officer_id: int | None = None, squad_id: int | None = None):
    """SELECT of the roster lines in `actor`'s scope, filtered."""
    stmt = scoped(Shift, actor).order_by(Shift.starts_at, Shift.id)
    if day_from is not None:
        stmt = stmt.where(Shift.day >= day_from)
    if day_to is not None:
        stmt = stmt.where(Shift.day <= day_to)
    if officer_id is not None:
        stmt = stmt.where(Shift.officer_id == officer_id)
    if squad_id is not None:
        stmt = stmt.where(Shift.squad_id == squad_id)
    return stmt


def checks_of(shift_ids: list[int]) -> dict[tuple[int, CheckKind], DutyCheck]:
    rows = session.scalars(select(DutyCheck).where(DutyCheck.shift_id.in_(shift_ids))) if shift_ids else []
    return {(c.shift_id, c.kind): c for c in rows}


def my_duty(actor: Officer, day: date) -> list[dict]:
    """The actor's own shifts of `day` with their check-in, check-out and what is still owed."""
    own = list(session.scalars(select(Shift).where(Shift.officer_id == actor.id, Shift.day == day)
                               .order_by(Shift.starts_at)))
    checks = checks_of([s.id for s in own])
    duty = []
    for shift in own:
        check_in, check_out = checks.get((shift.id, CheckKind.check_in)), checks.get((shift.id, CheckKind.check_out))
        owed = [kind for kind, done in (("check_in", check_in), ("check_out", check_out)) if done is None]
        duty.append({"shift": shift, "check_in": check_in, "check_out": check_out, "owed": owed})
    return duty


def out_of_area_checks(actor: Officer, approval: Approval | None = Approval.pending):
    """SELECT of out-of-area check-ins in scope (waiting for a decision by default)."""
    stmt = scoped(DutyCheck, actor).where(DutyCheck.out_of_area).order_by(DutyCheck.client_at)
    return stmt.where(DutyCheck.approval == approval) if approval is not None else stmt


def in_track(shift_id: int, starts_at: datetime, ends_at: datetime) -> tuple:
    """Conditions for a shift's pings. Every ping lies within its shift's times (the intake refuses others), and
    saying so lets PostgreSQL read only the month partitions those times fall in."""
    return (Position.shift_id == shift_id, Position.recorded_at >= starts_at, Position.recorded_at <= ends_at)


def _track_of(*columns):
    """SELECT of `columns` over the pings of the shift named by the parameters `shift_id`, `starts_at`, `ends_at`."""
    return select(*columns).where(*in_track(bindparam("shift_id"), bindparam("starts_at", type_=UTCDateTime),
                                            bindparam("ends_at", type_=UTCDateTime)))


# Built once, executed with the shift's values: SQLAlchemy keeps the compiled form under the statement's cache key,
# which it works out once for a statement object (a statement built a request costs its tree built and walked
# each time). The bounds of the shift's times are the partition key's: PostgreSQL reads the one month partition
# they fall in (two for a shift over a month's end), pruning at run time when the plan is the prepared one.
_TRACK_SUMMARY = _track_of(func.count(Position.id), func.coalesce(func.sum(Position.step_m), 0.0),
                           func.coalesce(func.sum(Position.step_inside_seconds), 0))
_TRACK_POINTS = _track_of(Position.lat, Position.lng, Position.recorded_at, Position.inside).order_by(
    Position.recorded_at, Position.id)


def _track_values(shift: Shift) -> dict:
    return {"shift_id": shift.id, "starts_at": shift.starts_at, "ends_at": shift.ends_at}


def track_summary(shift: Shift) -> Select:
    """SELECT of a shift's pings, metres and seconds inside (one partition on PostgreSQL, two over a month's end),
    its values bound (to look at; `summarize_track` runs the statement built once)."""
    return _TRACK_SUMMARY.params(_track_values(shift))


def summarize_track(shift: Shift) -> tuple[int, float, int]:
    """A shift's pings, metres and seconds inside."""
    pings, metres, inside = session.execute(_TRACK_SUMMARY, _track_values(shift)).one()
    return pings, metres, inside


def shift_track(shift: Shift) -> dict:
    """Track length, time inside the area and, for a fixed post, the share of the shift present; the pings in
    order (GCJ-02), to draw on a map."""
    pings, metres, inside = summarize_track(shift)
    points = session.execute(_TRACK_POINTS, _track_values(shift)).mappings().all()
    track = {"shift_id": shift.id, "positions": pings, "track_metres": round(metres),
             "inside_seconds": int(inside), "presence_ratio": None, "points": points}
    if shift.duty_type == DutyType.fixed_post:
        track["presence_ratio"] = round(min(1.0, int(inside) / (shift.scheduled_minutes * 60)), 3)
    return track


FRESH_POSITION = timedelta(minutes=30)  # an older patrol position says little about where the officer is now


class OnDuty(NamedTuple):
    officer_id: int
    post: Post | None
    position: LatLng | None


def on_duty(squad_id: int, at: datetime) -> dict[int, OnDuty]:
    """The squad's officers whose shift covers `at`, with its post and their latest fresh patrol position.

    Two queries, whatever the squad's size (community's dispatch asks this to suggest a handler).
    """
    shifts = session.execute(
        select(Shift.id, Shift.officer_id, Post).outerjoin(Post, Post.id == Shift.post_id)
        .where(Shift.squad_id == squad_id, Shift.starts_at <= at, Shift.ends_at > at, Shift.absent.is_(False))
    ).all()
    latest = (select(Position.shift_id, func.max(Position.recorded_at).label("recorded_at"))
              .where(Position.shift_id.in_([s.id for s in shifts]), Position.recorded_at <= at,
                     Position.recorded_at > at - FRESH_POSITION)
              .group_by(Position.shift_id).subquery())
    positions = {row.shift_id: LatLng(row.lat, row.lng) for row in session.execute(
        select(Position.shift_id, Position.lat, Position.lng).join(
            latest, (latest.c.shift_id == Position.shift_id) & (latest.c.recorded_at == Position.recorded_at)))}
    return {s.officer_id: OnDuty(s.officer_id, s.Post, positions.get(s.id)) for s in shifts}


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _duty_facts(day: date) -> Select:
    """Per officer with shifts on `day`: scheduled and attended minutes, late, early leave, absent,
    out-of-area approved and rejected, patrol metres. One aggregate query over the day's shifts."""
    check_in, check_out = aliased(DutyCheck), aliased(DutyCheck)
    first = datetime.combine(day, time(), LOCAL_TZ)  # a shift of `day` lies within it and the next day
    track = (select(Position.shift_id, func.sum(Position.step_m).label("metres"))
             .join(Shift, Shift.id == Position.shift_id)
             .where(Shift.day == day, Position.recorded_at >= first - timedelta(days=1),
                    Position.recorded_at < first + timedelta(days=2))
             .group_by(Position.shift_id).subquery())
    return (
        select(
            Shift.officer_id,
            func.sum(Shift.scheduled_minutes).label("scheduled_minutes"),
            func.sum(Shift.attended_minutes).label("attended_minutes"),
            _count(check_in.timing == Timing.late).label("late"),
            _count(check_out.timing == Timing.early_leave).label("early_leave"),
            _count(Shift.absent).label("absent"),
            _count(check_in.approval == Approval.approved).label("out_of_area_approved"),
            _count(check_in.approval == Approval.rejected).label("out_of_area_rejected"),
            cast(func.round(func.coalesce(func.sum(track.c.metres), 0.0)), Integer).label("patrol_metres"),
        )
        .outerjoin(check_in, and_(check_in.shift_id == Shift.id, check_in.kind == CheckKind.check_in))
        .outerjoin(check_out, and_(check_out.shift_id == Shift.id, check_out.kind == CheckKind.check_out))
        .outerjoin(track, track.c.shift_id == Shift.id)
        .where(Shift.day == day)
        .group_by(Shift.officer_id)
    )


def daily_duty_facts(day: date) -> list:
    """The daily duty facts of every officer with shifts on `day` (for the points engine), by officer."""
    return list(session.execute(_duty_facts(day).order_by(Shift.officer_id)))


def visible_duty_facts(actor: Officer, day: date) -> Select:
    """SELECT of the daily duty facts of `day` in `actor`'s scope, with each officer's name and badge."""
    facts = _duty_facts(day).where(visible(Shift, actor)).subquery()
    return (select(facts, Officer.name.label("officer_name"), Officer.badge_no)
            .join(Officer, Officer.id == facts.c.officer_id).order_by(Officer.badge_no, Officer.id))
