"""nonsite: a counter per district, document kind and year for the 文号, so two documents issued at the same
moment get the next two numbers instead of the same one (the second used to fail on the unique number: a 500).

Each counter starts at the highest number already given for its district, kind and year (read from the issued
documents' numbers, 静安城管非现告〔2026〕第 12 号), so numbering goes on where it stopped, without gaps.

Revision ID: 0094
Revises: 0093
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0094"
down_revision: str | Sequence[str] | None = "0093"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERED = re.compile(r"〔(\d{4})〕第(\d+)号$")


def upgrade() -> None:
    counter = op.create_table('nonsite_document_counter',
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('notice', 'decision', name='documentkind', native_enum=False, length=16),
                  nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_nonsite_document_counter_district_id_district')),
        sa.PrimaryKeyConstraint('district_id', 'kind', 'year', name=op.f('pk_nonsite_document_counter')),
    )
    document = sa.table('nonsite_document', sa.column('case_id', sa.Integer), sa.column('kind', sa.String),
                        sa.column('number', sa.String))
    case = sa.table('nonsite_case', sa.column('id', sa.Integer), sa.column('squad_id', sa.Integer))
    squad = sa.table('squad', sa.column('id', sa.Integer), sa.column('district_id', sa.Integer))
    last: dict[tuple[int, str, int], int] = {}
    issued = (sa.select(squad.c.district_id, document.c.kind, document.c.number)
              .select_from(document.join(case, case.c.id == document.c.case_id)
                           .join(squad, squad.c.id == case.c.squad_id)))
    for district_id, kind, number in op.get_bind().execute(issued):
        if found := NUMBERED.search(number):
            key = (district_id, kind, int(found[1]))
            last[key] = max(last.get(key, 0), int(found[2]))
    if last:
        op.bulk_insert(counter, [{"district_id": district_id, "kind": kind, "year": year, "last": value}
                                 for (district_id, kind, year), value in sorted(last.items())])


def downgrade() -> None:
    op.drop_table('nonsite_document_counter')
