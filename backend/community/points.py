"""Complaints' daily facts for points (考核)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.community.queries import daily_complaint_facts
from backend.supervision.points.sources import Fact, counts, source


@source("complaints")
def complaint_facts(day: date) -> Iterable[Fact]:
    """Residents' complaints resolved on time or late, and their ratings (net stars above 3)."""
    for row in daily_complaint_facts(day):
        ref = (f"{day.isoformat()} 诉件：按时 {row.resolved_on_time}，超时 {row.resolved_late}"
               f"，评价 {row.ratings_received} 次")
        yield from counts(row.officer_id, {
            "complaint_on_time": row.resolved_on_time, "complaint_late": row.resolved_late,
            "resident_rating": (row.rating_points or 0) - 3 * (row.ratings_received or 0),
        }, ref)
