"""training: city-wide courses, live classes, their quizzes and the city's question bank have no district.

The city trainer (市局培训管理员) writes training for the whole city: such a record's district is empty, and
every district sees the courses, live classes and quizzes (backend/org/scope.py). A downgrade refuses while
city-wide rows exist rather than hand them to a district.

Revision ID: 0180
Revises: 0170
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0180"
down_revision: str | Sequence[str] | None = "0170"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("training_course", "training_live_class", "training_live_quiz", "training_question_bank",
          "training_question")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    for table in TABLES:
        if op.get_bind().execute(sa.text(f"SELECT 1 FROM {table} WHERE district_id IS NULL LIMIT 1")).first():
            raise RuntimeError(f"{table} holds city-wide rows (district_id NULL): delete them before downgrading")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("district_id", existing_type=sa.Integer(), nullable=False)
