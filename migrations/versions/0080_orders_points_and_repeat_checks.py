"""orders: the default scoring rules of work orders' points items, and the 督办 of a repeat closed by the squad
leader with a finding (when, by whom, what was found, a note).

Revision ID: 0080
Revises: 0073
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0080"
down_revision: str | Sequence[str] | None = "0073"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

rules = sa.table(
    "points_scoring_rule",
    sa.column("district_id", sa.Integer), sa.column("item", sa.String), sa.column("category", sa.String),
    sa.column("points_per_unit", sa.Numeric), sa.column("monthly_cap", sa.Numeric),
    sa.column("effective_from", sa.Date), sa.column("created_at", backend.db.UTCDateTime),
)
# As declared in backend/orders/__init__.py (DOMAIN.points_items), literal here: a migration is frozen history.
DEFAULTS = (("order_on_time", "0.50", "5"), ("order_late", "-1.00", "10"), ("order_satisfied", "0.20", "3"),
            ("order_dissatisfied", "-0.50", "5"), ("order_return_unjustified", "-1.00", "5"),
            ("order_repeat", "-0.50", "5"))


def upgrade() -> None:
    with op.batch_alter_table("order_repeat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("finding", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("finding_note", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_order_repeat_closed_by_id_officer"), "officer",
                                    ["closed_by_id"], ["id"])
    seeded_at = datetime.now(UTC)
    op.bulk_insert(rules, [dict(district_id=None, item=item, category="为民服务", points_per_unit=Decimal(per_unit),
                                monthly_cap=Decimal(cap), effective_from=date(2020, 1, 1), created_at=seeded_at)
                           for item, per_unit, cap in DEFAULTS])


def downgrade() -> None:
    op.execute(rules.delete().where(rules.c.item.in_([item for item, _, _ in DEFAULTS]),
                                    rules.c.district_id.is_(None)))
    with op.batch_alter_table("order_repeat", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_repeat_closed_by_id_officer"), type_="foreignkey")
        batch_op.drop_column("finding_note")
        batch_op.drop_column("finding")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("closed_at")
