"""training: city-wide reference gestures have no district.

As 0230 did for papers, plans and drills: the city trainer adds the city's reference gestures, which every
district reads and uses in its gesture drills. A city gesture's code is unique among the city's (a partial unique
index: the table's unique key (district_id, code) takes no two NULL districts as equal, on SQLite or PostgreSQL).
A downgrade refuses while city-wide gestures exist rather than hand them to a district.

Revision ID: 0260
Revises: 0250
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0260"
down_revision: str | Sequence[str] | None = "0250"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CITY_CODE = "uq_training_gesture_city_code"
CITY_ROWS = sa.text("district_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("training_gesture", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(CITY_CODE, "training_gesture", ["code"], unique=True,
                    postgresql_where=CITY_ROWS, sqlite_where=CITY_ROWS)


def downgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT 1 FROM training_gesture WHERE district_id IS NULL LIMIT 1")).first():
        raise RuntimeError("training_gesture holds city-wide rows (district_id NULL): delete them before downgrading")
    op.drop_index(CITY_CODE, table_name="training_gesture")
    with op.batch_alter_table("training_gesture", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=False)
