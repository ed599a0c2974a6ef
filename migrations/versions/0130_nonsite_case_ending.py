"""nonsite: 不予立案 / 撤案 with its reason and approval; when a case was 立案, submitted and reviewed; a
document's refusal to sign (拒签) on 随申办.

A case of a kind that needs no visit was 立案 when its alert was confirmed, one that needs a visit when the
visit verified it: existing cases get that moment. A downgrade turns ended cases back to 立案.

Revision ID: 0130
Revises: 0120
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db  # noqa: F401  (shared column types)

revision: str = "0130"
down_revision: str | Sequence[str] | None = "0120"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENTS = ("registered_at", "submitted_at", "reviewed_at", "ending_proposed_at", "ending_reviewed_at", "ended_at")


def upgrade() -> None:
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        for name in MOMENTS:
            batch_op.add_column(sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ending', sa.Enum('not_registered', 'withdrawn', name='ending',
                                                        native_enum=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('ending_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('ending_proposed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ending_reviewed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ending_comment', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_nonsite_case_registered_at'), ['registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonsite_case_ended_at'), ['ended_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_ending_proposed_by_officer'), 'officer',
                                    ['ending_proposed_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_nonsite_case_ending_reviewed_by_officer'), 'officer',
                                    ['ending_reviewed_by'], ['id'])
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_at', backend.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE nonsite_case SET registered_at = opened_at WHERE verification IS NULL")
    op.execute("UPDATE nonsite_case SET registered_at = verified_at WHERE verification = 'verified'")


def downgrade() -> None:
    with op.batch_alter_table('nonsite_document', schema=None) as batch_op:
        batch_op.drop_column('refused_at')
    # the older code knows no ended case: those go back to 立案 (their reasons and approvals are dropped)
    op.execute("UPDATE nonsite_case SET state = 'registered' WHERE state IN ('ending', 'not_registered', 'withdrawn')")
    with op.batch_alter_table('nonsite_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_ending_reviewed_by_officer'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_nonsite_case_ending_proposed_by_officer'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_nonsite_case_ended_at'))
        batch_op.drop_index(batch_op.f('ix_nonsite_case_registered_at'))
        for name in ('ending_comment', 'ending_reviewed_by', 'ending_proposed_by', 'ending_reason', 'ending',
                     *MOMENTS):
            batch_op.drop_column(name)
