"""community: a duplicate report is a linked report with its own tracking code, phone, photos and rating;
a complaint reported again after it was finished links to the earlier one; residents' rate-limit counters
live in the database so every process shares them

Revision ID: 0019
Revises: 0018
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = '0019'
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('community_rate_counter',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('window_start', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_community_rate_counter'))
    )
    op.create_table(
        'complaint_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('tracking_code', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('place', sa.String(length=128), nullable=True),
        sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
        sa.Column('phone_masked', sa.String(length=16), nullable=True),
        sa.Column('submitted_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('rating_comment', sa.String(length=500), nullable=True),
        sa.Column('rated_at', backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('rating is null or (rating between 1 and 5)', name=op.f('ck_complaint_report_rating_range')),
        sa.ForeignKeyConstraint(
            ['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_report_complaint_id_complaint')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_report')),
        sa.UniqueConstraint('tracking_code', name=op.f('uq_complaint_report_tracking_code')),
    )
    with op.batch_alter_table('complaint_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_report_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_report_rated_at'), ['rated_at'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurrence_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_recurrence_of_id'), ['recurrence_of_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_complaint_recurrence_of_id_complaint'), 'complaint', ['recurrence_of_id'], ['id']
        )

    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_photo_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_complaint_photo_report_id_complaint_report'), 'complaint_report', ['report_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_photo_report_id_complaint_report'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_photo_report_id'))
        batch_op.drop_column('report_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_recurrence_of_id_complaint'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_recurrence_of_id'))
        batch_op.drop_column('recurrence_of_id')

    with op.batch_alter_table('complaint_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_report_rated_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_report_complaint_id'))

    op.drop_table('complaint_report')
    op.drop_table('community_rate_counter')
