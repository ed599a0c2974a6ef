"""nonsite: delivery by post (邮寄) — the method, tracking number and who posted a document, and the 送达回证
date confirmed at the desk.

Revision ID: 0091
Revises: 0090
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0091"
down_revision: str | Sequence[str] | None = "0090"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_method', sa.Enum('ems', 'registered', name='postmethod',
                                                             native_enum=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('posted_at', backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('posted_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('receipt_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('receipt_confirmed_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_document_posted_by_officer'), 'officer',
                                    ['posted_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_document_receipt_confirmed_by_officer'), 'officer',
                                    ['receipt_confirmed_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_document_receipt_confirmed_by_officer'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_nonsite_document_posted_by_officer'), type_='foreignkey')
        for column in ('receipt_confirmed_by', 'receipt_on', 'posted_by', 'posted_at', 'tracking_number',
                       'post_method'):
            batch_op.drop_column(column)
