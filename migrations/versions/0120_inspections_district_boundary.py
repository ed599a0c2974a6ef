"""inspections: a district's boundary (区界) as data, against which objects' coordinates are checked

Revision ID: 0120
Revises: 0110
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0120"
down_revision: str | Sequence[str] | None = "0110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspection_district_boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_inspection_district_boundary_district_id_district")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_district_boundary_created_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_district_boundary")),
        sa.UniqueConstraint("district_id", name=op.f("uq_inspection_district_boundary_district_id")),
    )
    op.create_index(op.f("ix_inspection_district_boundary_district_id"), "inspection_district_boundary",
                    ["district_id"])


def downgrade() -> None:
    op.drop_table("inspection_district_boundary")
