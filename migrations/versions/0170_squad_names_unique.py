"""org: squad names unique per district; the directory's name of a synced squad kept beside it.

Existing duplicates (a district with two squads of one name) are renamed "<name>（重名 #<id>）" — every one
but the oldest, so the name people know stays with the squad that had it first — before the constraint.
A synced squad's directory name starts as its name (they were in step: the sync wrote the name until now).
A downgrade drops the constraint and the column; the renamed squads keep their new names.

Revision ID: 0170
Revises: 0150
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0170"
down_revision: str | Sequence[str] | None = "0150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_MAX = 64


def duplicate_name(name: str, squad_id: int) -> str:
    suffix = f"（重名 #{squad_id}）"
    return name[:NAME_MAX - len(suffix)] + suffix


def upgrade() -> None:
    squad = sa.table("squad", sa.column("id", sa.Integer), sa.column("district_id", sa.Integer),
                     sa.column("name", sa.String), sa.column("wechat_department_id", sa.Integer),
                     sa.column("wechat_name", sa.String))
    connection = op.get_bind()
    seen: set[tuple[int, str]] = set()
    for id_, district_id, name in connection.execute(
            sa.select(squad.c.id, squad.c.district_id, squad.c.name).order_by(squad.c.id)).all():
        if (district_id, name) in seen:
            connection.execute(squad.update().where(squad.c.id == id_).values(name=duplicate_name(name, id_)))
        else:
            seen.add((district_id, name))
    with op.batch_alter_table("squad", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wechat_name", sa.String(length=NAME_MAX), nullable=True))
        batch_op.create_unique_constraint("uq_squad_district_name", ["district_id", "name"])
    connection.execute(squad.update().where(squad.c.wechat_department_id.is_not(None))
                       .values(wechat_name=squad.c.name))


def downgrade() -> None:
    with op.batch_alter_table("squad", schema=None) as batch_op:
        batch_op.drop_constraint("uq_squad_district_name", type_="unique")
        batch_op.drop_column("wechat_name")
