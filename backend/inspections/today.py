"""Inspections in an officer's day (GET /api/duty/today/items): those the officer is drawn for and still has to do."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.inspections.queries import due_for
from backend.org.models import Officer
from backend.registry import TodayItem


def due_inspections(officer: Officer, day: date) -> Iterable[TodayItem]:
    """Open inspections of begun plans (and re-inspections), soonest due first; past their due day: overdue."""
    for inspection, object_name, kind_name, plan_name in due_for(officer.id, day):
        what = "复查" if inspection.reinspection_of_id is not None else "检查"
        yield TodayItem("inspection", f"{what}：{object_name}（{kind_name}，{plan_name}）", inspection.due_on,
                        inspection.due_on < day, str(inspection.id), f"/api/inspections/inspections/{inspection.id}")
