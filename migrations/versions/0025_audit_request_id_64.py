"""audit: the request id holds up to 64 characters (a client's X-Request-Id of a checked shape, e.g. a UUID
with dashes, is kept whole instead of cut at 32)

Revision ID: 0025
Revises: 0023
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("request_id", existing_type=sa.String(32), type_=sa.String(64), existing_nullable=True)


def downgrade() -> None:
    op.execute("UPDATE audit_entry SET request_id = substr(request_id, 1, 32)")
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("request_id", existing_type=sa.String(64), type_=sa.String(32), existing_nullable=True)
