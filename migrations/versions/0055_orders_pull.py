"""orders: pull mode (a source's list URL and the cursor where its last page ended).

Work orders gain the status "withdrawn" and evidence the subject "order": plain strings (no native enum, no
CHECK), so no change to those tables.

Revision ID: 0055
Revises: 0032
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0055"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_source') as batch:
        batch.add_column(sa.Column('pull_url', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('pull_cursor', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('pulled_at', backend.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('pull_error', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_source') as batch:
        for column in ('pull_error', 'pulled_at', 'pull_cursor', 'pull_url'):
            batch.drop_column(column)
