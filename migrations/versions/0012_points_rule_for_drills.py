"""points: the default scoring rule for completed drills (实战模拟)

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

rules = sa.table(
    "points_scoring_rule",
    sa.column("district_id", sa.Integer), sa.column("item", sa.String), sa.column("category", sa.String),
    sa.column("points_per_unit", sa.Numeric), sa.column("monthly_cap", sa.Numeric),
    sa.column("effective_from", sa.Date), sa.column("created_at", backend.db.UTCDateTime),
)


def upgrade() -> None:
    op.bulk_insert(rules, [dict(district_id=None, item="drill_completed", category="教育培训",
                                points_per_unit=Decimal("0.20"), monthly_cap=Decimal("2"),
                                effective_from=date(2020, 1, 1), created_at=datetime.now(UTC))])


def downgrade() -> None:
    op.execute(rules.delete().where(rules.c.item == "drill_completed", rules.c.district_id.is_(None)))
