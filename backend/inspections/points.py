"""Inspections' daily facts for points (考核): done by the due day, done late, and overdue (each day open past it)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.inspections.queries import daily_inspection_facts
from backend.supervision.points.sources import Fact, counts, source


@source("inspections")
def inspection_facts(day: date) -> Iterable[Fact]:
    """Each drawn inspector's inspections done on time or late that day, and those past their due day still open."""
    for row in daily_inspection_facts(day):
        ref = f"{day.isoformat()} 检查任务：按期完成 {row.on_time}，逾期完成 {row.late}，超期未完成 {row.overdue}"
        yield from counts(row.officer_id, {"inspection_on_time": row.on_time, "inspection_late": row.late,
                                           "inspection_overdue": row.overdue}, ref)
