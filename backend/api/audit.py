"""The audit row every state-changing request leaves, whatever its outcome."""
from __future__ import annotations

from flask import g, request
from sqlalchemy import insert

from backend.audit import AuditEntry
from backend.db import session


def audit_object(object_type: str, object_id, detail: str | None = None) -> None:
    """Name the object a state-changing request is about (and what of it, in `detail`), for its audit row."""
    g.audit_object = (object_type, str(object_id))
    g.audit_detail = detail[:256] if detail else None


# The audit row of a state-changing request: a plain INSERT built once, returning nothing, as the ORM's unit
# of work costs more than the row itself on every write.
_AUDIT_ROW = insert(AuditEntry.__table__).inline()


def audit_request(outcome: int) -> None:
    object_type, object_id = g.audit_object or (None, None)
    actor = g.get("actor")
    session.execute(_AUDIT_ROW, {
        "actor_id": actor.id if actor is not None else None,
        "action": f"{request.method} {request.endpoint}",
        "object_type": object_type,
        "object_id": object_id,
        "address": request.remote_addr,
        "request_id": g.request_id,
        "outcome": outcome,
        "detail": g.get("audit_detail") if g.audit_object else None,
    })
