"""nonsite: a shop alert's credit code and the regulated object its case is about (inspections' registry);
every submission and review of a case kept (nonsite_case_step), not only the latest; the case file (案卷)
frozen once when the case closes or ends, its stored key and SHA-256 on the case (cases ended before are frozen
on their first download).

Existing cases keep no object (None): their alerts were matched by name only at grading time; a case whose
alert's shop is the unique name of an object of its district gets that object, as the name rule would find it.
Existing cases' history starts from what their columns kept: the latest submission, review, ending proposal and
ending review (a review approved where a notice was issued; an ending review approved where the case ended).

Revision ID: 0150
Revises: 0140
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0150"
down_revision: str | Sequence[str] | None = "0140"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_APPROVAL, NO_ENDING = "CAST(NULL AS BOOLEAN)", "CAST(NULL AS VARCHAR(16))"


def upgrade() -> None:
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_credit_code', sa.String(length=18), nullable=True))
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('object_match', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('archive_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('archive_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('archived_at', backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_case_archive_key'), ['archive_key'], unique=False)
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
    op.create_table(
        'nonsite_case_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.Enum('submitted', 'reviewed', 'ending_proposed', 'ending_reviewed', name='stepkind',
                                  native_enum=False, length=16), nullable=False),
        sa.Column('at', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('approved', sa.Boolean(), nullable=True),
        sa.Column('ending', sa.Enum('not_registered', 'withdrawn', 'dropped', 'revoked', name='ending',
                                    native_enum=False, length=16), nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['nonsite_case.id'],
                                name=op.f('fk_nonsite_case_step_case_id_nonsite_case')),
        sa.ForeignKeyConstraint(['officer_id'], ['officer.id'],
                                name=op.f('fk_nonsite_case_step_officer_id_officer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsite_case_step')),
    )
    with op.batch_alter_table('nonsite_case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonsite_case_step_case_id'), ['case_id'], unique=False)
    notice = "EXISTS (SELECT 1 FROM nonsite_document d WHERE d.case_id = c.id AND d.kind = 'notice')"
    for step, at, by, approved, ending, note in (
            ("submitted", "submitted_at", "submitted_by", NO_APPROVAL, NO_ENDING, "CAST(NULL AS VARCHAR(1000))"),
            ("reviewed", "reviewed_at", "reviewed_by", notice, NO_ENDING, "review_comment"),
            ("ending_proposed", "ending_proposed_at", "ending_proposed_by", NO_APPROVAL, "ending", "ending_reason"),
            ("ending_reviewed", "ending_reviewed_at", "ending_reviewed_by", "ended_at IS NOT NULL", "ending",
             "ending_comment")):
        op.execute(f"INSERT INTO nonsite_case_step (case_id, step, at, officer_id, approved, ending, note) "
                   f"SELECT c.id, '{step}', c.{at}, c.{by}, {approved}, {ending}, {note} FROM nonsite_case c "
                   f"WHERE c.{at} IS NOT NULL ORDER BY c.{at}")


def downgrade() -> None:
    with op.batch_alter_table('nonsite_case_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonsite_case_step_case_id'))
    op.drop_table('nonsite_case_step')
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_object_id_inspection_object'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_object_id'))
        batch_op.drop_column('object_match')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_archive_key'))
        for name in ('archived_at', 'archive_sha256', 'archive_key'):
            batch_op.drop_column(name)
        batch_op.drop_column('object_id')
    with op.batch_alter_table('nonsite_alert', schema=None) as batch_op:
        batch_op.drop_column('shop_credit_code')
