"""nonsite: each document as the PDF issued, its SHA-256 and the electronic seal's signature over it
(documents issued before keep their rows, without a PDF).

Revision ID: 0073
Revises: 0072
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0073"
down_revision: str | Sequence[str] | None = "0072"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Documents issued before keep their rows without a PDF (the download answers no_pdf): a legal record is
    # never deleted to make room for a column.
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seal', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_document_pdf_sha256'), ['pdf_sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_document_pdf_sha256'))
        batch_op.drop_column('seal')
        batch_op.drop_column('pdf_sha256')
        batch_op.drop_column('pdf')
