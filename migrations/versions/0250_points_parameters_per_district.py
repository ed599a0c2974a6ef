"""points: a district's own values of the points parameters (基础分、锁定日 …), each from a month on.

Without a row a district computes with the deployment's setting, the example default (backend/supervision/points).

Revision ID: 0250
Revises: 0230
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0250"
down_revision: str | Sequence[str] | None = "0230"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_parameter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_points_parameter_district_id_district")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_points_parameter_created_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_parameter")),
        sa.UniqueConstraint("district_id", "name", "effective_from",
                            name=op.f("uq_points_parameter_district_id_name_effective_from")),
    )
    with op.batch_alter_table("points_parameter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_points_parameter_district_id"), ["district_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("points_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_parameter_district_id"))
    op.drop_table("points_parameter")
