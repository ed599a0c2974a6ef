"""The append-only audit log: one row per state-changing request or job, with its outcome, and per opening of
someone's personal image outside the evidence custody log (check-in selfies, residents' photos)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, bindparam, event, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, session, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    action: Mapped[str] = mapped_column(String(128))  # e.g. "POST auth.login"
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[int] = mapped_column(Integer)  # the HTTP status, or 0 / 1 for a job's success / failure
    detail: Mapped[str | None] = mapped_column(String(256))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(_mapper, _connection, _target):
    raise RuntimeError("the audit log is append-only")


def record_read(actor, object_type: str, object_id, *, address: str | None) -> None:
    """Log that `actor` opened a personal image (PIPL): who, which, when, from where."""
    session.add(AuditEntry(actor_id=actor.id, action=f"read {object_type}", object_type=object_type,
                           object_id=str(object_id), address=address, outcome=200))


_AUDIT_COLUMNS = ("at", "actor_id", "action", "object_type", "object_id", "address", "request_id", "outcome", "detail")


def with_audit_row(statement, actor: str | None = None):
    """`statement` (an INSERT … RETURNING, for PostgreSQL) that also writes the request's audit row, in the same
    round trip, when it returns a row: WITH done AS (statement), audit AS (INSERT INTO audit_entry SELECT
    :audit_… FROM done) SELECT * FROM done. Its audit parameters are api.audit `audit_params`; a statement
    returning no row writes none (the request then fails, and the boundary writes its row). Compile it once
    (backend.db.compiled_once). `actor`: the column of the statement's RETURNING naming the actor (one the
    statement itself found: its `audit_actor_id` is then not read)."""
    done = statement.cte("done")
    table = AuditEntry.__table__
    row = select(*(done.c[actor] if column == "actor_id" and actor is not None
                   else bindparam(f"audit_{column}", type_=table.c[column].type) for column in _AUDIT_COLUMNS))
    audit = insert(table).from_select(list(_AUDIT_COLUMNS), row.select_from(done)).cte("audit")
    return select(done).add_cte(audit)
