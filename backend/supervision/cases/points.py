"""Cases' daily facts for points (考核)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.supervision.cases.queries import daily_case_facts
from backend.supervision.points.sources import Fact, counts, source


@source("cases")
def case_facts(day: date) -> Iterable[Fact]:
    """Cases closed, overdue and arbitrarily withdrawn or revoked, from the imported case records."""
    for row in daily_case_facts(day):
        yield from counts(row.officer_id, {
            "case_handled": row.cases_closed, "case_overdue": row.cases_overdue,
            "case_arbitrary": (row.arbitrary_withdrawals or 0) + (row.arbitrary_revocations or 0),
        }, f"{day.isoformat()} 案件记录")
