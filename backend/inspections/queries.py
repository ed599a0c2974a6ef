"""What the inspections domain reads."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, or_, select

from backend.db import LOCAL_TZ, session
from backend.errors import NotFound
from backend.inspections.models import (
    Assignment,
    Draw,
    Inspection,
    InspectionStatus,
    ObjectKind,
    Plan,
    RegulatedObject,
)
from backend.org.models import District, Officer
from backend.org.scope import scoped, visible


def objects(actor: Officer, *, kind_id: int | None = None, squad_id: int | None = None,
            q: str | None = None, outside_boundary: bool | None = None) -> Select:
    stmt = scoped(RegulatedObject, actor).order_by(RegulatedObject.id)
    if outside_boundary is not None:
        stmt = stmt.where(RegulatedObject.outside_boundary.is_(outside_boundary))
    if kind_id is not None:
        stmt = stmt.where(RegulatedObject.kind_id == kind_id)
    if squad_id is not None:
        stmt = stmt.where(RegulatedObject.squad_id == squad_id)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(or_(RegulatedObject.name.like(pattern), RegulatedObject.address.like(pattern),
                              RegulatedObject.credit_code.like(pattern.upper())))
    return stmt


def inspections(actor: Officer, *, draw_id: int | None = None, mine: bool = False) -> Select:
    """The inspections of the objects `actor` may see and those `actor` is drawn for, whatever squad the object is
    in, oldest first (only the latter with `mine`; of one draw if given)."""
    drawn_for = Inspection.id.in_(select(Assignment.inspection_id).where(Assignment.officer_id == actor.id))
    stmt = select(Inspection).where(drawn_for if mine else or_(visible(Inspection, actor), drawn_for))
    stmt = stmt.order_by(Inspection.id)
    if draw_id is not None:
        stmt = stmt.where(Inspection.draw_id == draw_id)
    return stmt


def published_results(district_code: str, *, date_from: date | None = None, date_to: date | None = None,
                      kind_id: int | None = None, result: str | None = None) -> Select:
    """一公开: the district's completed inspections, newest first, as (inspection, object name, kind name, credit
    code) — the code only to tell an individual business (results.published shows no name of one); no inspector,
    no contact, no address (an individual business's may be its owner's home). `result`: pass / fail."""
    district = public_district(district_code)
    stmt = (select(Inspection, RegulatedObject.name, ObjectKind.name, RegulatedObject.credit_code)
            .join(RegulatedObject, Inspection.object_id == RegulatedObject.id)
            .join(ObjectKind, RegulatedObject.kind_id == ObjectKind.id)
            .where(RegulatedObject.district_id == district.id, Inspection.status == InspectionStatus.done)
            .order_by(Inspection.done_at.desc(), Inspection.id.desc()))
    if date_from is not None:
        stmt = stmt.where(Inspection.done_at >= start_of(date_from))
    if date_to is not None:
        stmt = stmt.where(Inspection.done_at < start_of(date_to + timedelta(days=1)))
    if kind_id is not None:
        stmt = stmt.where(RegulatedObject.kind_id == kind_id)
    if result is not None:
        stmt = stmt.where(Inspection.passed.is_(result == "pass"))
    return stmt


def public_district(district_code: str) -> District:
    district = session.scalar(select(District).where(District.code == district_code))
    if district is None:
        raise NotFound("区局不存在", code="district_not_found")
    return district


def public_kinds(district: District) -> list[tuple[int, str]]:
    """The district's object kinds (id, name), for the public page's filter."""
    return list(session.execute(select(ObjectKind.id, ObjectKind.name).where(ObjectKind.district_id == district.id)
                                .order_by(ObjectKind.id)))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ)


def _open_on(day: date):
    """Inspections still to be done at the end of `day`: not done by then, not cancelled, and either a
    re-inspection or of a plan not closed by then (results of a closed plan are no longer taken)."""
    end = start_of(day + timedelta(days=1))
    return and_(Inspection.status != InspectionStatus.cancelled,
                or_(Inspection.done_at.is_(None), Inspection.done_at >= end),
                or_(Inspection.reinspection_of_id.is_not(None), Plan.closed_at.is_(None), Plan.closed_at >= end))


def daily_inspection_facts(day: date) -> list:
    """Per drawn inspector for one local day (both inspectors of an inspection count it): inspections done that
    day by their due day (on_time) or after it (late), and those past their due day still open at its end
    (overdue: one a day until done). One set-based query; rows have officer_id, on_time, late, overdue."""
    start, end = start_of(day), start_of(day + timedelta(days=1))
    done_today = and_(Inspection.done_at >= start, Inspection.done_at < end)
    count_if = lambda condition: func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # noqa: E731
    overdue = and_(Inspection.due_on < day, _open_on(day))
    stmt = (select(Assignment.officer_id, count_if(and_(done_today, Inspection.due_on >= day)).label("on_time"),
                   count_if(and_(done_today, Inspection.due_on < day)).label("late"),
                   count_if(overdue).label("overdue"))
            .join(Inspection, Assignment.inspection_id == Inspection.id)
            .join(Draw, Inspection.draw_id == Draw.id).join(Plan, Draw.plan_id == Plan.id)
            .where(or_(done_today, overdue))
            .group_by(Assignment.officer_id).order_by(Assignment.officer_id))
    return list(session.execute(stmt))


def due_for(officer_id: int, day: date) -> list:
    """The inspections `officer_id` is drawn for that are open on `day` and whose plan has begun, soonest due
    first, as (inspection, object name, kind name, plan name)."""
    return list(session.execute(
        select(Inspection, RegulatedObject.name, ObjectKind.name, Plan.name)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(RegulatedObject, Inspection.object_id == RegulatedObject.id)
        .join(ObjectKind, RegulatedObject.kind_id == ObjectKind.id)
        .join(Draw, Inspection.draw_id == Draw.id).join(Plan, Draw.plan_id == Plan.id)
        .where(Assignment.officer_id == officer_id, Inspection.status == InspectionStatus.due,
               Plan.first_month <= day, or_(Inspection.reinspection_of_id.is_not(None), Plan.closed_at.is_(None)))
        .order_by(Inspection.due_on, Inspection.id)))
