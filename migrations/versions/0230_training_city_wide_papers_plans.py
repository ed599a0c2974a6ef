"""training: city-wide papers, mandatory plans, yearly credit requirements, drills and teachers have no district.

As 0180 did for courses and live classes: the city trainer (市局培训管理员) writes them for the whole city, every
district reads and uses them (backend/org/scope.py). A city-wide requirement is one per year and category (a partial
unique index: the table's unique key takes no two NULL districts as equal). A downgrade refuses while city-wide rows
exist rather than hand them to a district.

Revision ID: 0230
Revises: 0190
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0230"
down_revision: str | Sequence[str] | None = "0190"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("training_teacher", "training_plan", "training_credit_requirement", "training_paper", "training_drill")
CITY_REQUIREMENT = "uq_training_credit_requirement_city_year_category"
CITY_ROWS = sa.text("district_id IS NULL")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(CITY_REQUIREMENT, "training_credit_requirement", ["year", "category"], unique=True,
                    postgresql_where=CITY_ROWS, sqlite_where=CITY_ROWS)


def downgrade() -> None:
    for table in TABLES:
        if op.get_bind().execute(sa.text(f"SELECT 1 FROM {table} WHERE district_id IS NULL LIMIT 1")).first():
            raise RuntimeError(f"{table} holds city-wide rows (district_id NULL): delete them before downgrading")
    op.drop_index(CITY_REQUIREMENT, table_name="training_credit_requirement")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=False)
