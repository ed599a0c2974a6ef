"""What the inspections domain reads."""
from __future__ import annotations

from sqlalchemy import Select, or_

from backend.inspections.models import RegulatedObject
from backend.org.models import Officer
from backend.org.scope import scoped


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
