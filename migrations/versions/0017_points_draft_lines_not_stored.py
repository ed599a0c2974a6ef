"""points: a draft month sheet no longer stores its lines (computed when read, stored when reviewed);
each sheet keeps a digest of the lines last scored, so that a refresh sees whether they changed

Revision ID: 0017
Revises: 0016
"""
import hashlib
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

sheet = sa.table("points_monthly", sa.column("id", sa.Integer), sa.column("state", sa.String),
                 sa.column("lines_digest", sa.String))
line = sa.table("points_monthly_line", sa.column("monthly_points_id", sa.Integer), sa.column("item", sa.String),
                sa.column("rule_id", sa.Integer), sa.column("quantity", sa.Numeric(12, 3)),
                sa.column("points", sa.Numeric(8, 2)))


def upgrade() -> None:
    with op.batch_alter_table("points_monthly", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines_digest", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    lines = defaultdict(list)  # the open sheets' stored lines, written as scoring.lines_digest takes them
    for sheet_id, item, rule_id, quantity, points in connection.execute(
            sa.select(line.c.monthly_points_id, line.c.item, line.c.rule_id, line.c.quantity, line.c.points)
            .join(sheet, sheet.c.id == line.c.monthly_points_id).where(sheet.c.state != "locked")):
        lines[sheet_id].append(
            f"{item}:{'' if rule_id is None else rule_id}:{int(quantity * 1000)}:{int(points * 100)}"
        )
    for sheet_id, in connection.execute(sa.select(sheet.c.id).where(sheet.c.state != "locked")):
        joined = ";".join(sorted(lines[sheet_id]))
        connection.execute(sheet.update().where(sheet.c.id == sheet_id)
                           .values(lines_digest=hashlib.md5(joined.encode()).hexdigest()))
    connection.execute(line.delete().where(line.c.monthly_points_id.in_(
        sa.select(sheet.c.id).where(sheet.c.state == "draft"))))


def downgrade() -> None:
    """Drafts have no stored lines then: the next refresh of their month writes them again."""
    with op.batch_alter_table("points_monthly", schema=None) as batch_op:
        batch_op.drop_column("lines_digest")
