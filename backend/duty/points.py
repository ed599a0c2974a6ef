"""Duty's daily facts for points (考核): attendance, lateness, absence, out-of-area, patrol distance."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from backend.duty.queries import daily_duty_facts
from backend.supervision.points.sources import Fact, counts, source


@source("duty")
def duty_facts(day: date) -> Iterable[Fact]:
    """Attendance, lateness, absence, unapproved out-of-area and patrol distance from duty shifts."""
    for row in daily_duty_facts(day):
        ref = (
            f"{day.isoformat()} 勤务班次：排班 {row.scheduled_minutes or 0} 分钟，到岗 {row.attended_minutes or 0} 分钟"
        )
        yield from counts(row.officer_id, {
            "attendance": 1 if (row.attended_minutes or 0) > 0 else 0, "late": row.late,
            "early_leave": row.early_leave, "absence": row.absent, "out_of_area_rejected": row.out_of_area_rejected,
        }, ref)
        if row.patrol_metres:
            km = (Decimal(row.patrol_metres) / 1000).quantize(Decimal("0.001"))
            yield Fact(row.officer_id, "patrol_km", km, f"{day.isoformat()} 巡查轨迹 {row.patrol_metres} 米")
