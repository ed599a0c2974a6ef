"""cityreports: the weights of the 街镇依法行政指数, the city's seeded as example defaults (the seeds give none).

Revision ID: 0110
Revises: 0101
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0110"
# org's 0101 is merged in (both branched from 0100); the integrator re-chains by number
down_revision: str | Sequence[str] | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Example defaults the city replaces (README, "Where the numbers come from"); as backend/cityreports/weights.py.
EXAMPLE_DEFAULTS = {"attendance": 20, "punctuality": 10, "on_time": 20, "satisfaction": 20, "case_compliance": 15,
                    "credit": 10, "points": 5}


def upgrade() -> None:
    weights = op.create_table(
        "town_index_weight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("component", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weight between 0 and 100", name=op.f("ck_town_index_weight_weight_range")),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"],
                                name=op.f("fk_town_index_weight_district_id_district")),
        sa.ForeignKeyConstraint(["set_by_id"], ["officer.id"], name=op.f("fk_town_index_weight_set_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_town_index_weight")),
        sa.UniqueConstraint("district_id", "component", name=op.f("uq_town_index_weight_district_id_component")),
    )
    with op.batch_alter_table("town_index_weight", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_town_index_weight_district_id"), ["district_id"], unique=False)
    now = datetime.now(UTC)
    op.bulk_insert(weights, [{"district_id": None, "component": component, "weight": weight, "set_by_id": None,
                              "set_at": now} for component, weight in EXAMPLE_DEFAULTS.items()])


def downgrade() -> None:
    with op.batch_alter_table("town_index_weight", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_town_index_weight_district_id"))
    op.drop_table("town_index_weight")
