"""inspections: an object whose coordinates lie outside the district's boundary when the boundary is set is flagged
(outside_boundary), so that the district can find and correct it; DELETE of the boundary clears the flags

Revision ID: 0140
Revises: 0130
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0140"
down_revision: str | Sequence[str] | None = "0130"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspection_object", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outside_boundary", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f("ix_inspection_object_outside_boundary"), ["outside_boundary"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_object", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_object_outside_boundary"))
        batch_op.drop_column("outside_boundary")
