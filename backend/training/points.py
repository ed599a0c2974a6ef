"""Training's daily facts for points (考核): credit hours and exams."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from backend.supervision.points.sources import Fact, counts, source
from backend.training.queries import daily_training_facts


@source("training")
def training_facts(day: date) -> Iterable[Fact]:
    """Credit hours in live classes and exams passed or failed."""
    for row in daily_training_facts(day):
        ref = (f"{day.isoformat()} 培训 {row.training_minutes} 分钟"
               f"，考试通过 {row.exams_passed}、未通过 {row.exams_failed}")
        if row.training_minutes:
            hours = (Decimal(row.training_minutes) / 60).quantize(Decimal("0.001"))
            yield Fact(row.officer_id, "training_hours", hours, ref)
        yield from counts(row.officer_id, {"exam_passed": row.exams_passed, "exam_failed": row.exams_failed}, ref)
