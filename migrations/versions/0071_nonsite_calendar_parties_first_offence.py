"""nonsite: the district's working-day calendar, the party registry (parties and their vehicles), 首违不罚
per kind (example defaults), and a case's party, first-offence and hearing flags.

Revision ID: 0071
Revises: 0070
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0071"
down_revision: str | Sequence[str] | None = "0070"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 首违不罚 for the shop-front kinds, a first violation within a year: example defaults the district sets.
FIRST_OFFENCE_DAYS = {"out_of_store": 365, "road_piling": 365}


def upgrade() -> None:
    with op.batch_alter_table('nonsite_kind', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_offence_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_offence_example_default', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    kind = sa.table('nonsite_kind', sa.column('code', sa.String), sa.column('first_offence_days', sa.Integer))
    for code, days in FIRST_OFFENCE_DAYS.items():
        op.execute(kind.update().where(kind.c.code == code).values(first_offence_days=days))

    op.create_table(
        'nonsite_calendar_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_nonsite_calendar_day_district_id_district')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_calendar_day')),
        sa.UniqueConstraint('district_id', 'day', name=op.f('uq_nonsite_calendar_day_district_id_day')),
    )
    with op.batch_alter_table('nonsite_calendar_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_calendar_day_district_id'), ['district_id'], unique=False)

    op.create_table(
        'nonsite_party',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('company', 'person', name='partykind', native_enum=False, length=8),
                  nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('credit_code', sa.String(length=18), nullable=True),
        sa.Column('disposal_permit', sa.String(length=40), nullable=True),
        sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
        sa.Column('phone_masked', sa.String(length=16), nullable=True),
        sa.Column('suishenban_account', sa.Boolean(), nullable=False),
        sa.Column('created_at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_nonsite_party_district_id_district')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_party')),
    )
    with op.batch_alter_table('nonsite_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_party_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_party_district_id'), ['district_id'], unique=False)

    op.create_table(
        'nonsite_vehicle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plate', sa.String(length=16), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['party_id'], ['nonsite_party.id'],
                                name=op.f('fk_nonsite_vehicle_party_id_nonsite_party')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_vehicle')),
        sa.UniqueConstraint('plate', name=op.f('uq_nonsite_vehicle_plate')),
    )
    with op.batch_alter_table('nonsite_vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_vehicle_party_id'), ['party_id'], unique=False)

    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_offence', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hearing_offered', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_nonsite_case_party_id'), ['party_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_party_id_nonsite_party'), 'nonsite_party',
                                    ['party_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_party_id_nonsite_party'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_party_id'))
        batch_op.drop_column('hearing_offered')
        batch_op.drop_column('first_offence')
        batch_op.drop_column('party_id')
    op.drop_table('nonsite_vehicle')
    op.drop_table('nonsite_party')
    op.drop_table('nonsite_calendar_day')
    with op.batch_alter_table('nonsite_kind', schema=None) as batch_op:
        batch_op.drop_column('first_offence_example_default')
        batch_op.drop_column('first_offence_days')
