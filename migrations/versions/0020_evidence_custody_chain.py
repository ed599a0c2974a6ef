"""evidence: the custody log is chained like the records (seq, prev_hash, entry_hash per officer's custody chain);
entries already logged are linked in the order they were written

Revision ID: 0020
Revises: 0019
"""
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
custody = sa.table("evidence_custody", sa.column("id", sa.Integer), sa.column("evidence_id", sa.Integer),
                   sa.column("actor_id", sa.Integer), sa.column("action", sa.String), sa.column("reason", sa.String),
                   sa.column("at", backend.db.UTCDateTime()), sa.column("address", sa.String),
                   sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String), sa.column("entry_hash", sa.String))
evidence = sa.table("evidence", sa.column("id", sa.Integer), sa.column("officer_id", sa.Integer))


def _entry_hash(row, seq: int, prev_hash: str) -> str:
    """backend.evidence.chain.custody_hash as of this revision."""
    canonical = json.dumps({
        "seq": seq, "evidence_id": row.evidence_id, "actor_id": row.actor_id, "action": row.action,
        "reason": row.reason, "at": row.at.isoformat(timespec="microseconds"), "address": row.address,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("evidence_custody") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(custody, evidence.c.officer_id)
                              .join(evidence, custody.c.evidence_id == evidence.c.id)
                              .order_by(evidence.c.officer_id, custody.c.id)).all()
    heads: dict[int, tuple[int, str]] = {}
    for row in rows:
        seq, prev_hash = heads.get(row.officer_id, (0, GENESIS))
        entry_hash = _entry_hash(row, seq + 1, prev_hash)
        connection.execute(custody.update().where(custody.c.id == row.id)
                           .values(seq=seq + 1, prev_hash=prev_hash, entry_hash=entry_hash))
        heads[row.officer_id] = (seq + 1, entry_hash)
    with op.batch_alter_table("evidence_custody") as batch_op:
        for column in ("seq", "prev_hash", "entry_hash"):
            batch_op.alter_column(column, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_custody") as batch_op:
        for column in ("entry_hash", "prev_hash", "seq"):
            batch_op.drop_column(column)
