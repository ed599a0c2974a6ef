"""org: the city bureau's roles and the street and town governments (街镇) squads work under.

- `town` (街镇): a district's street or town government; `squad.town_id` says which one a squad works under
  (null until the district attaches it), `officer.town_id` which one a town leader (街镇领导) reads.
- The city bureau's staff (city_admin, city_supervisor, city_trainer) belong to no district: `officer.district_id`
  becomes nullable and a check keeps it null exactly for them, so nothing of a district can be stamped with a
  city account's district by mistake (the insert fails instead of landing in a made-up district).
- The town leader and the city roles belong to no squad: the squad check names them.

Revision ID: 0101
Revises: 0100
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | Sequence[str] | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQUAD_CHECK = "ck_officer_squad_member_has_squad"
OLD_STAFF = "'district_admin', 'supervisor', 'trainer', 'legal_reviewer'"
CITY = "'city_admin', 'city_supervisor', 'city_trainer'"
NEW_STAFF = f"{OLD_STAFF}, 'town_leader', {CITY}"


def upgrade() -> None:
    op.create_table('town',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_town_district_id_district')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_town')),
        sa.UniqueConstraint('code', name=op.f('uq_town_code')),
    )
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_town_district_id'), ['district_id'], unique=False)

    with op.batch_alter_table('squad', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_squad_town_id'), ['town_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_squad_town_id_town'), 'town', ['town_id'], ['id'])

    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_officer_town_id'), ['town_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_officer_town_id_town'), 'town', ['town_id'], ['id'])
        batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f(SQUAD_CHECK), type_='check')
        batch_op.create_check_constraint(op.f(SQUAD_CHECK), f"role in ({NEW_STAFF}) or squad_id is not null")
        batch_op.create_check_constraint(op.f('ck_officer_city_staff_have_no_district'),
                                         f"(role in ({CITY})) = (district_id is null)")
        batch_op.create_check_constraint(op.f('ck_officer_town_leader_has_town'),
                                         "(role = 'town_leader') = (town_id is not null)")


def downgrade() -> None:
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_officer_town_leader_has_town'), type_='check')
        batch_op.drop_constraint(op.f('ck_officer_city_staff_have_no_district'), type_='check')
        batch_op.drop_constraint(op.f(SQUAD_CHECK), type_='check')
        batch_op.create_check_constraint(op.f(SQUAD_CHECK), f"role in ({OLD_STAFF}) or squad_id is not null")
        batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_officer_town_id_town'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_officer_town_id'))
        batch_op.drop_column('town_id')

    with op.batch_alter_table('squad', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_squad_town_id_town'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_squad_town_id'))
        batch_op.drop_column('town_id')

    op.drop_table('town')
