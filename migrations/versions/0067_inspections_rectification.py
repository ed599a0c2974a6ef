"""inspections: photos of failed checklist items, rectification deadlines and re-inspections, cases opened from
failed inspections

Revision ID: 0067
Revises: 0066
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0067"
down_revision: str | Sequence[str] | None = "0066"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = backend.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inspection") as batch:
        batch.add_column(sa.Column("rectify_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reinspection_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_inspection_reinspection_of_id_inspection"), "inspection",
                                 ["reinspection_of_id"], ["id"])
        batch.create_index(op.f("ix_inspection_reinspection_of_id"), ["reinspection_of_id"])
    op.create_table(
        "inspection_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"],
                                name=op.f("fk_inspection_photo_inspection_id_inspection")),
        sa.ForeignKeyConstraint(["taken_by_id"], ["officer.id"], name=op.f("fk_inspection_photo_taken_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_photo")),
    )
    for column in ("inspection_id", "storage_key"):
        op.create_index(op.f(f"ix_inspection_photo_{column}"), "inspection_photo", [column])
    op.create_table(
        "inspection_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"],
                                name=op.f("fk_inspection_case_inspection_id_inspection")),
        sa.ForeignKeyConstraint(["object_id"], ["inspection_object.id"],
                                name=op.f("fk_inspection_case_object_id_inspection_object")),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_inspection_case_squad_id_squad")),
        sa.ForeignKeyConstraint(["opened_by_id"], ["officer.id"], name=op.f("fk_inspection_case_opened_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_case")),
        sa.UniqueConstraint("inspection_id", name=op.f("uq_inspection_case_inspection_id")),
    )
    for column in ("object_id", "squad_id"):
        op.create_index(op.f(f"ix_inspection_case_{column}"), "inspection_case", [column])


def downgrade() -> None:
    op.drop_table("inspection_case")
    op.drop_table("inspection_photo")
    with op.batch_alter_table("inspection") as batch:
        batch.drop_index(op.f("ix_inspection_reinspection_of_id"))
        batch.drop_constraint(op.f("fk_inspection_reinspection_of_id_inspection"), type_="foreignkey")
        batch.drop_column("reinspection_of_id")
        batch.drop_column("rectify_by")
