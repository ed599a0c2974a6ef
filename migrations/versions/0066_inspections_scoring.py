"""inspections: versions of the grade rules (评级规则) that move objects' risk grades from events

Revision ID: 0066
Revises: 0065
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0066"
down_revision: str | Sequence[str] | None = "0065"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspection_scoring_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_inspection_scoring_rule_district_id_district")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_scoring_rule_created_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_scoring_rule")),
        sa.UniqueConstraint("district_id", "effective_from",
                            name=op.f("uq_inspection_scoring_rule_district_id_effective_from")),
    )
    op.create_index(op.f("ix_inspection_scoring_rule_district_id"), "inspection_scoring_rule", ["district_id"])


def downgrade() -> None:
    op.drop_table("inspection_scoring_rule")
