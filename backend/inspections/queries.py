"""What the inspections domain reads."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, or_, select

from backend.db import LOCAL_TZ, session
from backend.errors import NotFound
from backend.inspections.models import (
    Assignment,
    Inspection,
    InspectionStatus,
    ObjectKind,
    RegulatedObject,
)
from backend.org.models import District, Officer
from backend.org.scope import scoped, visible


def objects(actor: Officer, *, kind_id: int | None = None, squad_id: int | None = None,
            q: str | None = None) -> Select:
    stmt = scoped(RegulatedObject, actor).order_by(RegulatedObject.id)
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
