"""inspections: each inspection's due day (the n-th of an object's k inspections in a plan of m months is due at
the end of month ceil(n·m/k); a re-inspection on its rectification deadline), and the default scoring rules of
inspections done on time, done late and overdue (example defaults the district sets).

Inspections drawn before keep the plan's last day as their due day (re-inspections: the deadline).

Revision ID: 0085
Revises: 0073
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0085"
down_revision: str | Sequence[str] | None = "0080"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

rules = sa.table(
    "points_scoring_rule",
    sa.column("district_id", sa.Integer), sa.column("item", sa.String), sa.column("category", sa.String),
    sa.column("points_per_unit", sa.Numeric), sa.column("monthly_cap", sa.Numeric),
    sa.column("effective_from", sa.Date), sa.column("created_at", backend.db.UTCDateTime),
)
ITEMS = (("inspection_on_time", "勤务实绩", "0.30", "6"), ("inspection_late", "勤务实绩", "0.10", "3"),
         ("inspection_overdue", "执法规范", "-0.20", "6"))


def _plan_end(first_month: date, months: int) -> date:
    index = first_month.year * 12 + first_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def upgrade() -> None:
    with op.batch_alter_table("inspection") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch.create_index(op.f("ix_inspection_due_on"), ["due_on"])
    bind = op.get_bind()
    inspection = sa.table("inspection", sa.column("id", sa.Integer), sa.column("draw_id", sa.Integer),
                          sa.column("reinspection_of_id", sa.Integer), sa.column("rectify_by", sa.Date),
                          sa.column("due_on", sa.Date))
    draw = sa.table("inspection_draw", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer))
    plan = sa.table("inspection_plan", sa.column("id", sa.Integer), sa.column("first_month", sa.Date),
                    sa.column("months", sa.Integer))
    original = inspection.alias("original")
    rows = bind.execute(
        sa.select(inspection.c.id, inspection.c.reinspection_of_id, original.c.rectify_by, plan.c.first_month,
                  plan.c.months)
        .join(draw, inspection.c.draw_id == draw.c.id).join(plan, draw.c.plan_id == plan.c.id)
        .outerjoin(original, inspection.c.reinspection_of_id == original.c.id)).all()
    for row in rows:
        due = row.rectify_by if row.reinspection_of_id is not None else _plan_end(row.first_month, row.months)
        bind.execute(inspection.update().where(inspection.c.id == row.id).values(due_on=due))
    with op.batch_alter_table("inspection") as batch:
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=False)
    op.bulk_insert(rules, [dict(district_id=None, item=item, category=category, points_per_unit=Decimal(per_unit),
                                monthly_cap=Decimal(cap), effective_from=date(2020, 1, 1), created_at=datetime.now(UTC))
                           for item, category, per_unit, cap in ITEMS])


def downgrade() -> None:
    op.execute(rules.delete().where(rules.c.item.in_([item for item, *_ in ITEMS]), rules.c.district_id.is_(None)))
    with op.batch_alter_table("inspection") as batch:
        batch.drop_index(op.f("ix_inspection_due_on"))
        batch.drop_column("due_on")
