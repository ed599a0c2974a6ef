"""nonsite: on-site verification through the work-order queue — which kinds need a visit (example defaults)
and their queue category; a case's verification order and result.

Revision ID: 0090
Revises: 0073
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0090"
down_revision: str | Sequence[str] | None = "0086"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which kinds an officer verifies on the spot (a shop front or a site stays where it is; a truck has driven
# on) and their queue category: example defaults the district sets.
KINDS = {"muck_uncovered": (False, "muck_dumping"), "muck_route": (False, "muck_dumping"),
         "out_of_store": (True, "shop_overflow"), "road_piling": (True, "road_obstruction"),
         "site_violation": (True, "other")}


def upgrade() -> None:
    with op.batch_alter_table('nonsite_kind', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_visit', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('order_category', sa.String(length=32), nullable=False,
                                      server_default='other'))
    kind = sa.table('nonsite_kind', sa.column('code', sa.String), sa.column('needs_visit', sa.Boolean),
                    sa.column('order_category', sa.String))
    for code, (visit, category) in KINDS.items():
        op.execute(kind.update().where(kind.c.code == code).values(needs_visit=visit, order_category=category))
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification', sa.Enum('pending', 'verified', 'not_verified',
                                                              name='verification', native_enum=False, length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('verification_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_note', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('verified_at', backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_case_verification_order_id'), ['verification_order_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_verification_order_id_work_order'), 'work_order',
                                    ['verification_order_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_verification_order_id_work_order'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_verification_order_id'))
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verification_note')
        batch_op.drop_column('verification_order_id')
        batch_op.drop_column('verification')
    with op.batch_alter_table('nonsite_kind', schema=None) as batch_op:
        batch_op.drop_column('order_category')
        batch_op.drop_column('needs_visit')
