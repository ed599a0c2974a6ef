"""Where daily records come from: a registry of each domain's set-based facts for a day.

Adding a source is one function: decorate it with `@source("name")`, take the day, and yield
`Fact(officer_id, item, quantity, source_ref)` rows from one aggregate query of that domain's
`queries` (imported inside the function, so points never break while a domain is being built).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, NamedTuple

from sqlalchemy import select

from backend.db import session
from backend.supervision.points.models import ManualItem


class Fact(NamedTuple):
    officer_id: int
    item: str  # a key of catalogue.ITEMS
    quantity: Decimal
    source_ref: str  # which source rows, in words a person can follow


SOURCES: dict[str, Callable[[date], Iterable[Fact]]] = {}


def source(name: str):
    """Register a function `day -> facts` as the daily-record source `name`."""
    def register(func):
        SOURCES[name] = func
        return func
    return register


def _counts(officer_id: int, counts: dict[str, int], ref: str) -> Iterable[Fact]:
    """One fact per non-zero count."""
    for item, count in counts.items():
        if count:
            yield Fact(officer_id, item, Decimal(count), ref)


@source("duty")
def duty_facts(day: date) -> Iterable[Fact]:
    """Attendance, lateness, absence, unapproved out-of-area and patrol distance from duty shifts."""
    from backend.duty.queries import daily_duty_facts

    for row in daily_duty_facts(day):
        ref = f"{day.isoformat()} 勤务班次：排班 {row.scheduled_minutes or 0} 分钟，到岗 {row.attended_minutes or 0} 分钟"
        yield from _counts(row.officer_id, {
            "attendance": 1 if (row.attended_minutes or 0) > 0 else 0, "late": row.late,
            "early_leave": row.early_leave, "absence": row.absent, "out_of_area_rejected": row.out_of_area_rejected,
        }, ref)
        if row.patrol_metres:
            km = (Decimal(row.patrol_metres) / 1000).quantize(Decimal("0.001"))
            yield Fact(row.officer_id, "patrol_km", km, f"{day.isoformat()} 巡查轨迹 {row.patrol_metres} 米")


@source("manual")
def manual_facts(day: date) -> Iterable[Fact]:
    """Items leaders recorded by hand for the day (commendations, cases handled)."""
    totals: dict[tuple[int, str], list[ManualItem]] = defaultdict(list)
    for entry in session.scalars(select(ManualItem).where(ManualItem.day == day).order_by(ManualItem.id)):
        totals[entry.officer_id, entry.item].append(entry)
    for (officer_id, item), entries in totals.items():
        ref = "；".join(f"手工登记 #{entry.id}：{entry.note}" for entry in entries)
        yield Fact(officer_id, item, sum((entry.quantity for entry in entries), Decimal(0)), ref[:256])


@source("cases")
def case_facts(day: date) -> Iterable[Fact]:
    """Cases closed, overdue and arbitrarily withdrawn or revoked, from the imported case records."""
    from backend.supervision.cases.queries import daily_case_facts

    for row in daily_case_facts(day):
        yield from _counts(row.officer_id, {
            "case_handled": row.cases_closed, "case_overdue": row.cases_overdue,
            "case_arbitrary": (row.arbitrary_withdrawals or 0) + (row.arbitrary_revocations or 0),
        }, f"{day.isoformat()} 案件记录")


@source("complaints")
def complaint_facts(day: date) -> Iterable[Fact]:
    """Residents' complaints resolved on time or late, and their ratings (net stars above 3)."""
    from backend.community.queries import daily_complaint_facts

    for row in daily_complaint_facts(day):
        ref = f"{day.isoformat()} 诉件：按时 {row.resolved_on_time}，超时 {row.resolved_late}，评价 {row.ratings_received} 次"
        yield from _counts(row.officer_id, {
            "complaint_on_time": row.resolved_on_time, "complaint_late": row.resolved_late,
            "resident_rating": (row.rating_points or 0) - 3 * (row.ratings_received or 0),
        }, ref)


@source("findings")
def finding_facts(day: date) -> Iterable[Fact]:
    """Supervision findings against an officer, weighted by severity."""
    from backend.supervision.findings.queries import daily_finding_facts

    for row in daily_finding_facts(day):
        yield from _counts(row.officer_id, {"finding_severity": row.deduction_severity_sum},
                           f"{day.isoformat()} 督察发现问题 {row.findings} 项")


@source("training")
def training_facts(day: date) -> Iterable[Fact]:
    """Credit hours in live classes and exams passed or failed."""
    from backend.training.queries import daily_training_facts

    for row in daily_training_facts(day):
        ref = f"{day.isoformat()} 培训 {row.training_minutes} 分钟，考试通过 {row.exams_passed}、未通过 {row.exams_failed}"
        if row.training_minutes:
            hours = (Decimal(row.training_minutes) / 60).quantize(Decimal("0.001"))
            yield Fact(row.officer_id, "training_hours", hours, ref)
        yield from _counts(row.officer_id, {"exam_passed": row.exams_passed, "exam_failed": row.exams_failed}, ref)


@source("drills")
def drill_facts(day: date) -> Iterable[Fact]:
    """Drills (实战模拟) completed and their scores."""
    from backend.training.drills.queries import daily_drill_facts

    for row in daily_drill_facts(day):
        yield from _counts(row.officer_id, {"drill_completed": row.drills_completed},
                           f"{day.isoformat()} 实战模拟 {row.drills_completed} 次，总分 {row.drill_score_sum}")
