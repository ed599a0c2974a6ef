"""training: an in-class quiz answer no longer stores whether it is correct; the distribution grades each
distinct response against the question (which never changes once asked), so the answer is one INSERT

Revision ID: 0016
Revises: 0015
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_live_quiz_answer", schema=None) as batch_op:
        batch_op.drop_column("correct")


def downgrade() -> None:
    with op.batch_alter_table("training_live_quiz_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correct", sa.Boolean(), nullable=False, server_default=sa.false()))
