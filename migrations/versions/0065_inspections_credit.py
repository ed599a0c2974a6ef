"""inspections: credit penalties (信用惩戒) and credit repair (信用修复) with its approval; a grade change made by the
grade rules has no officer

Revision ID: 0065
Revises: 0060
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0065"
down_revision: str | Sequence[str] | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)
GRADE = sa.Enum("high", "medium", "low", name="grade", native_enum=False, length=8)


def upgrade() -> None:
    with op.batch_alter_table("inspection_grade_change") as batch:
        batch.alter_column("changed_by_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "inspection_credit_penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("raised_to", GRADE, nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("repaired_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["object_id"], ["inspection_object.id"], ondelete="CASCADE",
                                name=op.f("fk_inspection_credit_penalty_object_id_inspection_object")),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_credit_penalty_squad_id_squad")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_credit_penalty_recorded_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_credit_penalty")),
    )
    for column in ("object_id", "squad_id"):
        op.create_index(op.f(f"ix_inspection_credit_penalty_{column}"), "inspection_credit_penalty", [column])
    op.create_table(
        "inspection_credit_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("penalty_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Enum("pending", "approved", "rejected", name="repairstatus", native_enum=False,
                                    length=10), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", UTC, nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["penalty_id"], ["inspection_credit_penalty.id"], ondelete="CASCADE",
                                name=op.f("fk_inspection_credit_repair_penalty_id_inspection_credit_penalty")),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_credit_repair_squad_id_squad")),
        sa.ForeignKeyConstraint(["applied_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_credit_repair_applied_by_id_officer")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_credit_repair_decided_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_credit_repair")),
    )
    for column in ("penalty_id", "squad_id"):
        op.create_index(op.f(f"ix_inspection_credit_repair_{column}"), "inspection_credit_repair", [column])


def downgrade() -> None:
    op.drop_table("inspection_credit_repair")
    op.drop_table("inspection_credit_penalty")
    with op.batch_alter_table("inspection_grade_change") as batch:
        batch.alter_column("changed_by_id", existing_type=sa.Integer(), nullable=False)
