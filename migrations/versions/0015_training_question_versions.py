"""training: a question's fingerprint is unique among the bank's active questions only, so an edited
question (a new version) and a re-added deactivated one are no duplicates of what they replace

Revision ID: 0015
Revises: 0014
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_question", schema=None) as batch_op:
        batch_op.drop_constraint("uq_training_question_bank_id_fingerprint", type_="unique")
        batch_op.create_index("uq_training_question_active_fingerprint", ["bank_id", "fingerprint"], unique=True,
                              postgresql_where=sa.text("active"), sqlite_where=sa.text("active"))


def downgrade() -> None:
    with op.batch_alter_table("training_question", schema=None) as batch_op:
        batch_op.drop_index("uq_training_question_active_fingerprint")
        batch_op.create_unique_constraint("uq_training_question_bank_id_fingerprint", ["bank_id", "fingerprint"])
