"""inspections: the inspector registry (执法检查人员名录库) and each inspection's drawn inspectors as rows

Revision ID: 0068
Revises: 0067
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0068"
down_revision: str | Sequence[str] | None = "0067"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspection_inspector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_inspection_inspector_district_id_district")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"],
                                name=op.f("fk_inspection_inspector_officer_id_officer")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_inspection_inspector_created_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_inspector")),
        sa.UniqueConstraint("officer_id", name=op.f("uq_inspection_inspector_officer_id")),
    )
    op.create_index(op.f("ix_inspection_inspector_district_id"), "inspection_inspector", ["district_id"])
    assignment = op.create_table(
        "inspection_assignment",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"],
                                name=op.f("fk_inspection_assignment_inspection_id_inspection")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"],
                                name=op.f("fk_inspection_assignment_officer_id_officer")),
        sa.PrimaryKeyConstraint("inspection_id", "officer_id", name=op.f("pk_inspection_assignment")),
    )
    op.create_index(op.f("ix_inspection_assignment_officer_id"), "inspection_assignment", ["officer_id"])
    inspection = sa.table("inspection", sa.column("id", sa.Integer()), sa.column("inspector_ids", sa.JSON()))
    stored = op.get_bind().execute(sa.select(inspection.c.id, inspection.c.inspector_ids))
    rows = [{"inspection_id": inspection_id, "officer_id": officer_id}
            for inspection_id, officer_ids in stored for officer_id in set(officer_ids)]
    if rows:
        op.bulk_insert(assignment, rows)


def downgrade() -> None:
    op.drop_table("inspection_assignment")
    op.drop_table("inspection_inspector")
