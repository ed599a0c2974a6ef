"""Drills' daily facts for points (考核)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.supervision.points.sources import Fact, counts, source
from backend.training.drills.queries import daily_drill_facts


@source("drills")
def drill_facts(day: date) -> Iterable[Fact]:
    """Drills (实战模拟) completed and their scores."""
    for row in daily_drill_facts(day):
        yield from counts(row.officer_id, {"drill_completed": row.drills_completed},
                          f"{day.isoformat()} 实战模拟 {row.drills_completed} 次，总分 {row.drill_score_sum}")
