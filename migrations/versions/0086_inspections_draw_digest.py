"""inspections: a draw records the SHA-256 of its canonical inputs and their counts (its detail shows these, the
inputs are a download); draws recorded before get both computed from their inputs, which stay as they are.

Revision ID: 0086
Revises: 0085
"""
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0086"
down_revision: str | Sequence[str] | None = "0085"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tally(inputs: dict, inspections: int) -> dict:
    grades: dict[str, int] = {}
    for _object_id, grade, _squad_id in inputs.get("objects", ()):
        grades[grade] = grades.get(grade, 0) + 1
    return {"objects": dict(sorted(grades.items())), "inspectors": len(inputs.get("inspectors", ())),
            "exclusions": len(inputs.get("exclusions", ())), "meetings": len(inputs.get("meetings", ())),
            "inspections": inspections}


def upgrade() -> None:
    with op.batch_alter_table("inspection_draw") as batch:
        batch.add_column(sa.Column("inputs_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("tally", sa.JSON(), nullable=True))
    draws = sa.table("inspection_draw", sa.column("id", sa.Integer), sa.column("inputs", sa.JSON),
                     sa.column("inputs_sha256", sa.String), sa.column("tally", sa.JSON))
    bind = op.get_bind()
    counts = dict(bind.execute(sa.text("select draw_id, count(*) from inspection where reinspection_of_id is null "
                                       "group by draw_id")).all())
    for draw_id, inputs in bind.execute(sa.select(draws.c.id, draws.c.inputs)).all():
        text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        bind.execute(draws.update().where(draws.c.id == draw_id).values(
            inputs_sha256=hashlib.sha256(text).hexdigest(), tally=_tally(inputs, counts.get(draw_id, 0))))


def downgrade() -> None:
    with op.batch_alter_table("inspection_draw") as batch:
        batch.drop_column("tally")
        batch.drop_column("inputs_sha256")
