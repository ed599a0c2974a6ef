"""The inspector registry (执法检查人员名录库): who may be drawn, on which law-enforcement certificate, and when."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.db import session
from backend.errors import Conflict, Invalid
from backend.inspections.models import InspectorEntry
from backend.org.models import Officer
from backend.org.queries import person
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MEMBERS, require
from backend.org.scope import scoped


def add_inspector(actor: Officer, *, officer_id: int, certificate_no: str, valid_from: date,
                  valid_until: date) -> InspectorEntry:
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以维护执法检查人员名录库")
    officer = person(actor, officer_id)
    if officer.role not in SQUAD_MEMBERS:
        raise Invalid("只有中队队员和中队长可以列入执法检查人员名录库", code="not_an_inspector")
    certificate_no = certificate_no.strip()
    if not certificate_no:
        raise Invalid("须填写执法证号", code="certificate_required")
    if valid_until < valid_from:
        raise Invalid("有效期的结束日不能早于开始日", code="bad_validity")
    if session.scalar(select(InspectorEntry.id).where(InspectorEntry.officer_id == officer.id)):
        raise Conflict("该人员已在名录库中", code="inspector_exists")
    entry = InspectorEntry(district_id=actor.district_id, officer_id=officer.id, certificate_no=certificate_no,
                           valid_from=valid_from, valid_until=valid_until, created_by_id=actor.id)
    session.add(entry)
    session.flush()
    return entry


def inspectors(actor: Officer) -> list[InspectorEntry]:
    return list(session.scalars(scoped(InspectorEntry, actor).order_by(InspectorEntry.officer_id)))
