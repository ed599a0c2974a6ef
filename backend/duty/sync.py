"""Offline sync: a batch of queued check-ins, check-outs and positions, answered item by item."""
from __future__ import annotations

from datetime import datetime

from backend.db import session, utcnow
from backend.duty.checkins import submit_check
from backend.duty.models import CheckKind
from backend.duty.positions import add_position
from backend.errors import DomainError
from backend.org.models import Officer

MAX_BATCH = 100


def _submit(actor: Officer, item: dict, now: datetime) -> tuple[object, bool]:
    item = dict(item)
    kind = item.pop("kind")
    if kind == "position":
        item["recorded_at"] = item.pop("client_at")
        return add_position(actor, now=now, **item)
    return submit_check(actor, CheckKind(kind), now=now, **item)


def sync(actor: Officer, items: list[dict], now: datetime | None = None) -> list[dict]:
    """Record each item in client-time order, each in its own savepoint; a refusal stops nothing else."""
    now = now or utcnow()
    results: dict[int, dict] = {}
    for index in sorted(range(len(items)), key=lambda i: items[i]["client_at"]):
        item = items[index]
        try:
            with session.begin_nested():
                record, new = _submit(actor, item, now)
            results[index] = {"client_id": item["client_id"], "status": "accepted" if new else "duplicate",
                              "id": record.id}
        except DomainError as error:
            results[index] = {"client_id": item["client_id"], "status": "refused", "code": error.code,
                              "message": error.message}
    return [results[i] for i in range(len(items))]
