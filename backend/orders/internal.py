"""Orders the bureau's own domains open in the one queue (an internal source), and telling them the result.

A domain that needs an officer on the spot — the non-site domain's on-site verification (现场核实) — calls
`open_order(domain name, …)`: the order comes from the district's internal source of that name (created on
first use: no key, no callback, never reachable through the signed inbound API), goes to the officer given
or waits for the squad's leader, and is handled like any other (accept, start, evidence, resolve …). When it
is finished (办结, 退单, 移送), the domain's `Domain.internal_orders` function is called with the order and the
event in the same transaction. Orders imports no other domain: it finds the function through the registry.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.community.deadlines import due_times
from backend.community.models import Category
from backend.db import session, utcnow
from backend.errors import Invalid
from backend.orders.models import FINISHED, OrderSource, SourceKind, Status, WorkOrder, WorkOrderEvent
from backend.org.models import Officer, Role, Squad
from backend.registry import resolve


def _source(domain: str, squad: Squad, title: str) -> OrderSource:
    name = f"{domain}.{squad.district_id}"
    source = session.scalars(select(OrderSource).where(OrderSource.name == name)).one_or_none()
    if source is None:
        source = OrderSource(district_id=squad.district_id, squad_id=squad.id, name=name, title=title,
                             kind=SourceKind.internal, key_encrypted=b"", callback_url=None, coord_system="gcj02",
                             category_map={}, status_map={}, active=True, internal=True)
        session.add(source)
        session.flush()
    return source


def open_order(domain: str, *, title: str, ref: str, squad: Squad, category: Category, description: str,
               place: str | None, lat: float | None, lng: float | None, assignee: Officer | None,
               actor: Officer, now: datetime | None = None) -> WorkOrder:
    """An order from `domain`'s internal source about its item `ref`, assigned to `assignee` when given."""
    now = now or utcnow()
    if assignee is not None and (assignee.squad_id != squad.id or assignee.role != Role.officer
                                 or not assignee.active):
        raise Invalid("只能派给本中队在职的队员", code="bad_assignee")
    source = _source(domain, squad, title)
    accept_due, resolve_due = due_times(squad.district_id, category, now)
    order = WorkOrder(source=source, source_order_id=ref, body_sha256="", squad_id=squad.id, category=category,
                      source_category=category.value, description=description, place=place, lat=lat, lng=lng,
                      status=Status.received, received_at=now, accept_due_at=accept_due, resolve_due_at=resolve_due,
                      deadlines_from_source=False)
    session.add(order)
    session.add(WorkOrderEvent(order=order, kind="received", status=Status.received, at=now, note=title))
    if assignee is not None:
        order.status, order.assignee_id, order.accepted_at = Status.assigned, assignee.id, now
        session.add(WorkOrderEvent(order=order, kind="assign", status=Status.assigned, at=now, actor_id=actor.id,
                                   note=f"派给{assignee.name}"))
    session.flush()
    return order


def tell(order: WorkOrder, event: WorkOrderEvent) -> None:
    """An internal order just finished: its domain's function hears of it (nothing for other orders)."""
    if order.source.kind != SourceKind.internal or order.status not in FINISHED:
        return
    from backend.domains import DOMAINS  # the registry lists every domain, orders among them

    domain = order.source.name.rpartition(".")[0]
    target = next((d.internal_orders for d in DOMAINS if d.name == domain and d.internal_orders), None)
    if target is not None:
        resolve(target)(order, event)
