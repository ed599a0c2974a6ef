"""evidence: copies of videos made in the background (watermarked after intake, redacted on request);
storage keys indexed for the orphan sweep

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_video_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Enum("watermarked", "redacted", name="copypurpose", native_enum=False, length=16),
                  nullable=False),
        sa.Column("requested_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("faces", sa.Integer(), nullable=True),
        sa.Column("made_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"],
                                name=op.f("fk_evidence_video_copy_evidence_id_evidence")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_video_copy")),
        sa.UniqueConstraint("evidence_id", "purpose", name=op.f("uq_evidence_video_copy_evidence_id_purpose")),
    )
    with op.batch_alter_table("evidence_video_copy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_video_copy_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_video_copy_made_at"), ["made_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_video_copy_storage_key"), ["storage_key"], unique=False)
    # The orphan sweep looks stored files up by key.
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        for column in ("original_key", "watermarked_key", "thumbnail_key"):
            batch_op.create_index(batch_op.f(f"ix_evidence_{column}"), [column], unique=False)
    # Videos taken in before this revision get their watermarked copy queued too.
    op.execute("insert into evidence_video_copy (evidence_id, purpose, requested_at) "
               "select id, 'watermarked', received_at from evidence where kind = 'video'")


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        for column in ("original_key", "watermarked_key", "thumbnail_key"):
            batch_op.drop_index(batch_op.f(f"ix_evidence_{column}"))
    with op.batch_alter_table("evidence_video_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_video_copy_storage_key"))
        batch_op.drop_index(batch_op.f("ix_evidence_video_copy_made_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_video_copy_evidence_id"))
    op.drop_table("evidence_video_copy")
