"""points: quarters and years follow their months — each month sheet keeps its deductions (the year's
tie-break, no longer re-scored per year), a quarter counts its locked months and a year its confirmed
quarters (confirmable when all are)

Revision ID: 0022
Revises: 0020
"""
from collections import Counter
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

sheet = sa.table("points_monthly", sa.column("id", sa.Integer), sa.column("officer_id", sa.Integer),
                 sa.column("month", sa.Date), sa.column("state", sa.String), sa.column("deductions", sa.Numeric(8, 2)),
                 sa.column("lines_digest", sa.String))
line = sa.table(
    "points_monthly_line", sa.column("monthly_points_id", sa.Integer), sa.column("points", sa.Numeric(8, 2))
)
quarterly = sa.table(
    "points_quarterly",
    sa.column("id", sa.Integer),
    sa.column("officer_id", sa.Integer),
    sa.column("quarter", sa.Date),
    sa.column("state", sa.String),
    sa.column("months_final", sa.Integer),
)
yearly = sa.table("points_yearly", sa.column("id", sa.Integer), sa.column("officer_id", sa.Integer),
                  sa.column("year", sa.Integer), sa.column("quarters_final", sa.Integer))


def _quarter(month: date) -> date:
    return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def upgrade() -> None:
    for table, column in (("points_monthly", sa.Column("deductions", sa.Numeric(8, 2), nullable=False,
                                                       server_default="0")),
                          ("points_quarterly", sa.Column("months_final", sa.Integer(), nullable=False,
                                                         server_default="0")),
                          ("points_yearly", sa.Column("quarters_final", sa.Integer(), nullable=False,
                                                      server_default="0"))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(column)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column.name, server_default=None)
    connection = op.get_bind()
    # Reviewed, published and locked sheets: from their stored lines. Drafts store none: their digest is
    # cleared, so the next refresh of their month scores them again (deductions included).
    deductions = sa.select(sa.func.coalesce(sa.func.sum(line.c.points), 0)).where(
        line.c.monthly_points_id == sheet.c.id, line.c.points < 0).scalar_subquery()
    connection.execute(sheet.update().where(sheet.c.state != "draft").values(deductions=deductions))
    connection.execute(sheet.update().where(sheet.c.state == "draft").values(lines_digest=None))
    locked = Counter((officer_id, _quarter(month)) for officer_id, month in connection.execute(
        sa.select(sheet.c.officer_id, sheet.c.month).where(sheet.c.state == "locked")))
    confirmed = Counter()
    for row in connection.execute(sa.select(quarterly.c.id, quarterly.c.officer_id, quarterly.c.quarter,
                                            quarterly.c.state)).all():
        connection.execute(quarterly.update().where(quarterly.c.id == row.id)
                           .values(months_final=locked[row.officer_id, row.quarter]))
        confirmed[row.officer_id, row.quarter.year] += row.state == "confirmed"
    for row in connection.execute(sa.select(yearly.c.id, yearly.c.officer_id, yearly.c.year)).all():
        connection.execute(yearly.update().where(yearly.c.id == row.id)
                           .values(quarters_final=confirmed[row.officer_id, row.year]))


def downgrade() -> None:
    for table, column in (("points_yearly", "quarters_final"), ("points_quarterly", "months_final"),
                          ("points_monthly", "deductions")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
