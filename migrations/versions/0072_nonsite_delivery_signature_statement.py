"""nonsite: a document's delivery channel (随申办 or the SMS fallback) and the party's signature (签收); a
case's statement (陈述申辩; its attachments are evidence with the subject "statement", a plain string).

Revision ID: 0072
Revises: 0071
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0072"
down_revision: str | Sequence[str] | None = "0071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('suishenban', 'sms', name='channel', native_enum=False,
                                                         length=16), nullable=False, server_default='suishenban'))
        batch_op.add_column(sa.Column('signed_at', backend.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_text', sa.String(length=5000), nullable=True))
        batch_op.add_column(sa.Column('statement_at', backend.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_column('statement_at')
        batch_op.drop_column('statement_text')
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_column('signed_at')
        batch_op.drop_column('channel')
