"""nonsite: a case's record on the 两超期 clock (case_record) and when it was paid.

Revision ID: 0092
Revises: 0091
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0092"
down_revision: str | Sequence[str] | None = "0091"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_at', backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('timeliness_case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_case_paid_at'), ['paid_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_case_timeliness_case_id'), ['timeliness_case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_timeliness_case_id_case_record'), 'case_record',
                                    ['timeliness_case_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_timeliness_case_id_case_record'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_timeliness_case_id'))
        batch_op.drop_index(batch_op.f('ix_nonsite_case_paid_at'))
        batch_op.drop_column('timeliness_case_id')
        batch_op.drop_column('paid_at')
