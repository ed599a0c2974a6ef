"""orders: repeats (重复投诉) linking an order or complaint to the earlier one it repeats, and the indexes
on (category, lat, lng) of orders and complaints their bounding-box lookup reads.

Revision ID: 0060
Revises: 0055
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0060"
down_revision: str | Sequence[str] | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORY = sa.Enum("street_vending", "shop_overflow", "road_obstruction", "illegal_building", "group_renting",
                   "waste_sorting", "noise", "muck_dumping", "illegal_advertising", "other", name="category",
                   native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "order_repeat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("earlier_order_id", sa.Integer(), nullable=True),
        sa.Column("earlier_complaint_id", sa.Integer(), nullable=True),
        sa.Column("later_order_id", sa.Integer(), nullable=True),
        sa.Column("later_complaint_id", sa.Integer(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("later_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flagged_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(earlier_order_id IS NULL) <> (earlier_complaint_id IS NULL)",
                           name=op.f("ck_order_repeat_one_earlier")),
        sa.CheckConstraint("(later_order_id IS NULL) <> (later_complaint_id IS NULL)",
                           name=op.f("ck_order_repeat_one_later")),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name=op.f("fk_order_repeat_squad_id_squad")),
        sa.ForeignKeyConstraint(["earlier_order_id"], ["work_order.id"],
                                name=op.f("fk_order_repeat_earlier_order_id_work_order")),
        sa.ForeignKeyConstraint(["earlier_complaint_id"], ["complaint.id"],
                                name=op.f("fk_order_repeat_earlier_complaint_id_complaint")),
        sa.ForeignKeyConstraint(["later_order_id"], ["work_order.id"],
                                name=op.f("fk_order_repeat_later_order_id_work_order")),
        sa.ForeignKeyConstraint(["later_complaint_id"], ["complaint.id"],
                                name=op.f("fk_order_repeat_later_complaint_id_complaint")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_repeat")),
        sa.UniqueConstraint("later_order_id", name=op.f("uq_order_repeat_later_order_id")),
        sa.UniqueConstraint("later_complaint_id", name=op.f("uq_order_repeat_later_complaint_id")),
    )
    with op.batch_alter_table("order_repeat") as batch_op:
        batch_op.create_index(batch_op.f("ix_order_repeat_squad_id"), ["squad_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_repeat_earlier_order_id"), ["earlier_order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_repeat_earlier_complaint_id"), ["earlier_complaint_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_order_repeat_later_at"), ["later_at"], unique=False)
    op.create_index("ix_work_order_category_lat_lng", "work_order", ["category", "lat", "lng"])
    op.create_index("ix_complaint_category_lat_lng", "complaint", ["category", "lat", "lng"])


def downgrade() -> None:
    op.drop_index("ix_complaint_category_lat_lng", table_name="complaint")
    op.drop_index("ix_work_order_category_lat_lng", table_name="work_order")
    op.drop_table("order_repeat")
