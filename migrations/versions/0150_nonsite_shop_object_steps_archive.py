"""nonsite: a shop alert's credit code and the regulated object its case is about (inspections' registry).

Existing cases keep no object (None): their alerts were matched by name only at grading time; a case whose
alert's shop is the unique name of an object of its district gets that object, as the name rule would find it.

Revision ID: 0150
Revises: 0130
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0150"
down_revision: str | Sequence[str] | None = "0130"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_credit_code', sa.String(length=18), nullable=True))
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('object_match', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_case_object_id'), ['object_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_object_id_inspection_object'), 'inspection_object',
                                    ['object_id'], ['id'])
    op.execute("""
        UPDATE nonsite_case SET object_match = 'name', object_id = (
            SELECT min(o.id) FROM inspection_object o JOIN squad s ON s.district_id = o.district_id
            JOIN nonsite_alert a ON a.shop = o.name
            WHERE a.id = nonsite_case.alert_id AND s.id = nonsite_case.squad_id
            GROUP BY a.id HAVING count(*) = 1)
        WHERE party_id IS NULL""")
    op.execute("UPDATE nonsite_case SET object_match = NULL WHERE object_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_object_id_inspection_object'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_object_id'))
        batch_op.drop_column('object_match')
        batch_op.drop_column('object_id')
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.drop_column('shop_credit_code')
