"""What reads orders: the squad's queue (its scope: an officer sees the orders assigned to them)."""
from __future__ import annotations

from sqlalchemy import Select, select

from backend.db import session, utcnow
from backend.orders.models import FINISHED, Status, WorkOrder
from backend.org.models import Officer
from backend.org.scope import scoped


def queue(actor: Officer, *, status: str | None = None, overdue: bool | None = None,
          source_id: int | None = None) -> list[WorkOrder]:
    """The orders `actor` may see, the most urgent deadline first."""
    query = scoped(WorkOrder, actor)
    if status:
        query = query.where(WorkOrder.status == Status(status))
    if source_id:
        query = query.where(WorkOrder.source_id == source_id)
    if overdue is not None:
        late = WorkOrder.status.not_in(FINISHED) & (WorkOrder.resolve_due_at < utcnow())
        query = query.where(late if overdue else ~late)
    return list(session.scalars(query.order_by(WorkOrder.resolve_due_at, WorkOrder.id)))


def in_hand() -> Select:
    """One row (the officer's id) per order an officer is handling: their part of the in-hand count."""
    return select(WorkOrder.assignee_id).where(WorkOrder.status.in_((Status.assigned, Status.in_progress)))
