"""The audit row every state-changing request leaves, whatever its outcome."""
from __future__ import annotations

from flask import g, request
from sqlalchemy import insert

from backend.audit import AuditEntry
from backend.db import session, utcnow


def audit_object(object_type: str, object_id, detail: str | None = None) -> None:
    """Name the object a state-changing request is about (and what of it, in `detail`), for its audit row."""
    g.audit_object = (object_type, str(object_id))
    g.audit_detail = detail[:256] if detail else None


# The audit row of a state-changing request: a plain INSERT built once, returning nothing, as the ORM's unit
# of work costs more than the row itself on every write.
_AUDIT_ROW = insert(AuditEntry.__table__).inline()


def _audit_values(outcome: int) -> dict:
    object_type, object_id = g.audit_object or (None, None)
    actor = g.get("actor")
    return {
        "actor_id": actor.id if actor is not None else g.get("audit_actor_id"),
        "action": f"{request.method} {request.endpoint}",
        "object_type": object_type,
        "object_id": object_id,
        "address": request.remote_addr,
        "request_id": g.request_id,
        "outcome": outcome,
        "detail": g.get("audit_detail") if g.audit_object else None,
    }


def audit_request(outcome: int) -> None:
    """Write this request's audit row (the request boundary does, unless a statement of the request wrote it)."""
    if g.get("audit_written") == outcome:
        return
    session.execute(_AUDIT_ROW, _audit_values(outcome))


def audit_params(outcome: int) -> dict | None:
    """The parameters of this request's audit row for a `backend.audit.with_audit_row` statement, when the
    request is to end with `outcome`; None on SQLite (no INSERT inside a WITH there): the boundary writes the
    row itself."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return {f"audit_{name}": value for name, value in {"at": utcnow(), **_audit_values(outcome)}.items()}


def audit_actor(officer_id: int) -> None:
    """Name the actor of this request for its audit row, when the view found who holds the token without loading
    them (a hot path checking the token in its own statement)."""
    g.audit_actor_id = officer_id


def audit_written(outcome: int) -> None:
    """Say that a statement of this request wrote its audit row with `outcome`: the boundary writes none for a
    request ending so (one ending otherwise, e.g. rolled back on an error, gets its own row as always)."""
    g.audit_written = outcome
