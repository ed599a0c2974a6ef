"""Supervision findings' daily facts for points (考核)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.supervision.findings.queries import daily_finding_facts
from backend.supervision.points.sources import Fact, counts, source


@source("findings")
def finding_facts(day: date) -> Iterable[Fact]:
    """Supervision findings against an officer, weighted by severity."""
    for row in daily_finding_facts(day):
        yield from counts(row.officer_id, {"finding_severity": row.deduction_severity_sum},
                          f"{day.isoformat()} 督察发现问题 {row.findings} 项")
