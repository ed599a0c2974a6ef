"""nonsite: a document's PDF lives in file storage (`nonsite/documents/<sha256>.pdf`, FILES_DIR or S3) as every
other file does, not in a database column. Every PDF kept in the column is written to the storage the
environment configures (STORAGE_S3_BUCKET, else FILES_DIR) and its key recorded before the column is dropped:
no document is lost. Downgrading reads them back into the column.

Revision ID: 0093
Revises: 0092
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0093"
down_revision: str | Sequence[str] | None = "0092"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _storage():
    from backend.config import load, parse
    from backend.storage import storage_for

    return storage_for(parse(load()))


def _documents(*columns):
    return sa.table('nonsite_document', sa.column('id', sa.Integer), *columns)


def upgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_key', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_document_pdf_key'), ['pdf_key'], unique=False)
    document = _documents(sa.column('pdf', sa.LargeBinary), sa.column('pdf_sha256', sa.String),
                          sa.column('pdf_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(document.c.id, document.c.pdf_sha256).where(document.c.pdf.is_not(None)))
    storage = None
    for row_id, digest in rows.all():
        storage = storage or _storage()
        data = connection.execute(sa.select(document.c.pdf).where(document.c.id == row_id)).scalar_one()
        key = f"nonsite/documents/{digest}.pdf"
        storage.put(key, bytes(data), "application/pdf")  # write-once: an equal file already there is fine
        connection.execute(document.update().where(document.c.id == row_id).values(pdf_key=key))
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_column('pdf')


def downgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
    document = _documents(sa.column('pdf', sa.LargeBinary), sa.column('pdf_key', sa.String))
    connection = op.get_bind()
    storage = None
    for row_id, key in connection.execute(sa.select(document.c.id, document.c.pdf_key)
                                          .where(document.c.pdf_key.is_not(None))).all():
        storage = storage or _storage()
        connection.execute(document.update().where(document.c.id == row_id).values(pdf=storage.get(key)))
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_document_pdf_key'))
        batch_op.drop_column('pdf_key')
