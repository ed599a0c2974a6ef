"""nonsite: the camera registry, the kinds of violation (seeded), alerts and their triage, non-site cases
and their documents.

Evidence gains the source "camera" and the subject "alert": both columns are plain strings (no native
enum, no CHECK), so no change to the evidence table.

Revision ID: 0032
Revises: 0031
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = '0032'
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The kinds the video analysis platforms report today (seed 002); more are added as data.
KINDS = [("muck_uncovered", "渣土车未密闭"), ("muck_route", "渣土车违规行驶"), ("out_of_store", "跨门营业"),
         ("road_piling", "占道堆物"), ("site_violation", "工地违规")]


def upgrade() -> None:
    op.create_table('nonsite_kind',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_nonsite_kind'))
    )
    op.create_table('nonsite_camera',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=32), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('squad_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_nonsite_camera_officer_id_officer')),
    sa.ForeignKeyConstraint(['squad_id'], ['squad.id'], name=op.f('fk_nonsite_camera_squad_id_squad')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_camera')),
    sa.UniqueConstraint('code', name=op.f('uq_nonsite_camera_code')),
    sa.UniqueConstraint('officer_id', name=op.f('uq_nonsite_camera_officer_id'))
    )
    with op.batch_alter_table('nonsite_camera', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_camera_squad_id'), ['squad_id'], unique=False)

    op.create_table(
        'nonsite_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=32), nullable=False),
        sa.Column('alert_id', sa.String(length=40), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('camera_id', sa.Integer(), nullable=False),
        sa.Column('squad_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('occurred_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('plate', sa.String(length=16), nullable=True),
        sa.Column('shop', sa.String(length=100), nullable=True),
        sa.Column('burst_of', sa.Integer(), nullable=True),
        sa.Column('received_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            'decision', sa.Enum('confirmed', 'dismissed', name='decision', native_enum=False, length=16), nullable=True
        ),
        sa.Column(
            'false_positive',
            sa.Enum(
                'no_violation',
                'wrong_object',
                'wrong_kind',
                'unclear_image',
                name='falsepositive',
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['burst_of'], ['nonsite_alert.id'], name=op.f('fk_nonsite_alert_burst_of_nonsite_alert')
        ),
        sa.ForeignKeyConstraint(
            ['camera_id'], ['nonsite_camera.id'], name=op.f('fk_nonsite_alert_camera_id_nonsite_camera')
        ),
        sa.ForeignKeyConstraint(['decided_by'], ['officer.id'], name=op.f('fk_nonsite_alert_decided_by_officer')),
        sa.ForeignKeyConstraint(['kind'], ['nonsite_kind.code'], name=op.f('fk_nonsite_alert_kind_nonsite_kind')),
        sa.ForeignKeyConstraint(['squad_id'], ['squad.id'], name=op.f('fk_nonsite_alert_squad_id_squad')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_alert')),
        sa.UniqueConstraint('sender', 'alert_id', name=op.f('uq_nonsite_alert_sender_alert_id')),
    )
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_alert_burst_of'), ['burst_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_camera_id'), ['camera_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_decision'), ['decision'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_plate'), ['plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_alert_squad_id'), ['squad_id'], unique=False)

    op.create_table(
        'nonsite_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('squad_id', sa.Integer(), nullable=False),
        sa.Column(
            'state',
            sa.Enum(
                'registered',
                'in_review',
                'notice_sent',
                'statement',
                'decided',
                'served',
                'paid',
                'closed',
                name='casestate',
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column('opened_by', sa.Integer(), nullable=False),
        sa.Column('opened_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('facts', sa.String(length=1000), nullable=True),
        sa.Column('legal_basis', sa.String(length=500), nullable=True),
        sa.Column('fine', sa.Integer(), nullable=True),
        sa.Column('submitted_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('review_comment', sa.String(length=500), nullable=True),
        sa.Column('statement_due_at', backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('paid_amount', sa.Integer(), nullable=True),
        sa.Column('closed_at', backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['reviewed_by'], ['officer.id'], name=op.f('fk_nonsite_case_reviewed_by_officer')),
        sa.ForeignKeyConstraint(['submitted_by'], ['officer.id'], name=op.f('fk_nonsite_case_submitted_by_officer')),
        sa.ForeignKeyConstraint(
            ['alert_id'], ['nonsite_alert.id'], name=op.f('fk_nonsite_case_alert_id_nonsite_alert')
        ),
        sa.ForeignKeyConstraint(['opened_by'], ['officer.id'], name=op.f('fk_nonsite_case_opened_by_officer')),
        sa.ForeignKeyConstraint(['squad_id'], ['squad.id'], name=op.f('fk_nonsite_case_squad_id_squad')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_case')),
        sa.UniqueConstraint('alert_id', name=op.f('uq_nonsite_case_alert_id')),
    )
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_case_squad_id'), ['squad_id'], unique=False)

    op.create_table('nonsite_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('notice', 'decision', name='documentkind', native_enum=False, length=16), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', backend.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['nonsite_case.id'], name=op.f('fk_nonsite_document_case_id_nonsite_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_document')),
    sa.UniqueConstraint('number', name=op.f('uq_nonsite_document_number'))
    )
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_document_case_id'), ['case_id'], unique=False)

    op.bulk_insert(sa.table("nonsite_kind", sa.column("code", sa.String), sa.column("name", sa.String)), [
        {"code": code, "name": name} for code, name in KINDS])


def downgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_document_case_id'))

    op.drop_table('nonsite_document')
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_case_squad_id'))

    op.drop_table('nonsite_case')
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_squad_id'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_plate'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_kind'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_decision'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_camera_id'))
        batch_op.drop_index(batch_op.f('ix_nonsite_alert_burst_of'))

    op.drop_table('nonsite_alert')
    with op.batch_alter_table('nonsite_camera', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_camera_squad_id'))

    op.drop_table('nonsite_camera')
    op.drop_table('nonsite_kind')
