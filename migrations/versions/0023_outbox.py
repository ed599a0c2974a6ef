"""outbox: one table of outbound messages with their attempts, delivered by the `outbox.deliver` job;
the text cards kept in wechat_pending_message move into it

Revision ID: 0023
Revises: 0022
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)


def _pending_table():
    return sa.table("wechat_pending_message", sa.column("id", sa.Integer), sa.column("userids", sa.Text),
                    sa.column("title", sa.String), sa.column("description", sa.Text), sa.column("url", sa.String),
                    sa.column("btntxt", sa.String), sa.column("queued_at", UTC), sa.column("attempts", sa.Integer),
                    sa.column("last_error", sa.String))


def _outbox_table():
    return sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("district_id", sa.Integer), sa.column("title", sa.String),
                    sa.column("recipients", sa.Text), sa.column("payload", sa.JSON),
                    sa.column("state", sa.String), sa.column("created_at", UTC), sa.column("next_attempt_at", UTC),
                    sa.column("failures", sa.Integer), sa.column("last_error", sa.String))


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.Column("delivered_count", sa.Integer(), nullable=True),
        sa.Column("rejected", sa.Text(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"], name=op.f("fk_outbox_message_district_id_district")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_district_id"), ["district_id"], unique=False)
    op.create_table(
        "outbox_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", UTC, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["outbox_message.id"], ondelete="CASCADE",
                                name=op.f("fk_outbox_attempt_message_id_outbox_message")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempt")),
    )
    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attempt_message_id"), ["message_id"], unique=False)

    # Cards kept while WeChat was down move into the outbox, due now, in the district of their recipients.
    conn = op.get_bind()
    pending = _pending_table()
    officer = sa.table("officer", sa.column("district_id", sa.Integer), sa.column("wechat_userid", sa.String))
    rows = []
    for row in conn.execute(sa.select(pending).order_by(pending.c.id)):
        userids = [userid for userid in row.userids.split("|") if userid]
        district_id = conn.scalar(sa.select(officer.c.district_id).where(officer.c.wechat_userid.in_(userids))
                                  .limit(1)) if userids else None
        rows.append(dict(kind="wechat.text_card", district_id=district_id, title=row.title, recipients=row.userids,
                         payload={"title": row.title, "description": row.description, "url": row.url,
                                  "btntxt": row.btntxt},
                         state="pending", created_at=row.queued_at, next_attempt_at=row.queued_at, failures=0,
                         last_error=row.last_error))
    if rows:
        op.bulk_insert(_outbox_table(), rows)
    op.drop_table("wechat_pending_message")


def downgrade() -> None:
    op.create_table(
        "wechat_pending_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("userids", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("btntxt", sa.String(length=16), nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_pending_message")),
    )
    # Text cards not yet delivered (waiting or dead) go back to be resent.
    conn = op.get_bind()
    message = _outbox_table()
    rows = []
    for row in conn.execute(sa.select(message).where(message.c.kind == "wechat.text_card",
                                                     message.c.state != "delivered").order_by(message.c.id)):
        card = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        rows.append(dict(userids=row.recipients, title=card["title"], description=card["description"],
                         url=card["url"], btntxt=card["btntxt"], queued_at=row.created_at, attempts=row.failures,
                         last_error=(row.last_error or "")[:200]))
    if rows:
        op.bulk_insert(_pending_table(), rows)
    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attempt_message_id"))
    op.drop_table("outbox_attempt")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_district_id"))
        batch_op.drop_index("ix_outbox_message_due")
    op.drop_table("outbox_message")
