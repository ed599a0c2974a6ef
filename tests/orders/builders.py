"""Orders and complaints placed at chosen moments and places, for the known-answer tests of the report and
the hot spots (the intake's own path is tested in test_intake.py; repeats are linked as intake links them)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from backend.community.models import Category
from backend.community.models import Status as ComplaintStatus
from backend.db import LOCAL_TZ, session
from backend.orders import repeats
from backend.orders.models import Status, WorkOrder

_numbers = itertools.count(1)
BASE = (31.2200, 121.4400)  # GCJ-02, 静安
METRE = 1 / 111_195


def local(text: str) -> datetime:
    """'2026-03-02 09:00' in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def place(north_m: float, east_m: float = 0.0) -> dict:
    return {"lat": BASE[0] + north_m * METRE, "lng": BASE[1] + east_m * METRE / 0.855}


def order(squad, source_id: int, received: str, *, due_hours: int = 24, resolved: str | None = None,
          status: Status | None = None, followup: str | None = None, category: str = "street_vending",
          where: dict | None = None, place_name: str | None = None) -> WorkOrder:
    received_at = local(received)
    made = WorkOrder(source_id=source_id, source_order_id=f"B{next(_numbers)}", body_sha256="0" * 64,
                     squad_id=squad.id, category=Category(category), source_category="A0101", description="工单",
                     place=place_name, status=status or (Status.resolved if resolved else Status.accepted),
                     received_at=received_at, accept_due_at=received_at + timedelta(hours=2),
                     resolve_due_at=received_at + timedelta(hours=due_hours), deadlines_from_source=False,
                     resolved_at=local(resolved) if resolved else None, followup_result=followup,
                     **(where or place(next(_numbers) * 2000)))  # far from every other by default
    session.add(made)
    repeats.link_order(made)
    session.flush()
    return made


def complaint(make, office, submitted: str, *, due_hours: int = 24, resolved: str | None = None,
              status: ComplaintStatus | None = None, rating: int | None = None, category: str = "street_vending",
              where: dict | None = None, place_name: str | None = None):
    submitted_at = local(submitted)
    made = make.complaint(office, category=category, submitted_at=submitted_at, rating=rating, place=place_name,
                          resolved_at=local(resolved) if resolved else None,
                          status=status or (ComplaintStatus.closed if resolved else ComplaintStatus.accepted),
                          **(where or place(next(_numbers) * 2000)))
    made.resolve_due_at = submitted_at + timedelta(hours=due_hours)
    repeats.link_complaint(made)
    session.flush()
    return made
