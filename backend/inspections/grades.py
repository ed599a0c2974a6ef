"""Risk grades (风险等级) of regulated objects, their history with the reason for each change, and how often
each grade is inspected: versioned rules a district sets, over the example default of the settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from backend.config import settings
from backend.db import local_day, session
from backend.errors import Conflict, Invalid
from backend.inspections.models import (
    GRADE_NAMES,
    Grade,
    GradeChange,
    GradeRule,
    RegulatedObject,
)
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible, scoped

EXAMPLE_DEFAULT = "example_default"  # the settings' interval: an example default the district sets
DISTRICT_RULE = "district"


@dataclass(frozen=True)
class Interval:
    grade: Grade
    interval_months: int
    source: str  # EXAMPLE_DEFAULT or DISTRICT_RULE
    effective_from: date | None  # of the district's version

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]


def initial_grade() -> Grade:
    return Grade(settings().INSPECTIONS_INITIAL_GRADE)


FIRST_GRADE_REASON = "登记时的初始等级"


def record_first_grade(actor: Officer, item: RegulatedObject) -> None:
    """The history's first row: the grade the object was registered with."""
    session.add(GradeChange(object_id=item.id, squad_id=item.squad_id, grade_from=None, grade_to=item.grade,
                            reason=FIRST_GRADE_REASON, changed_by_id=actor.id))


ORDER = (Grade.low, Grade.medium, Grade.high)


def stepped(grade: Grade, steps: int) -> Grade:
    """The grade `steps` higher (negative: lower), kept within low…high."""
    return ORDER[max(0, min(len(ORDER) - 1, ORDER.index(grade) + steps))]


def record_change(item: RegulatedObject, grade: Grade, reason: str, actor_id: int | None) -> GradeChange:
    """Move the object to `grade` (or keep it, where the reason says why) with a row in its history."""
    change = GradeChange(object_id=item.id, squad_id=item.squad_id, grade_from=item.grade, grade_to=grade,
                         reason=reason, changed_by_id=actor_id)
    item.grade = grade
    session.add(change)
    session.flush()
    return change


def change_grade(actor: Officer, object_id: int, *, grade: Grade, reason: str) -> GradeChange:
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以调整风险等级")
    reason = reason.strip()
    if not reason:
        raise Invalid("调整风险等级须写明理由", code="reason_required")
    if grade == item.grade:
        raise Conflict(f"该对象已是{GRADE_NAMES[grade]}", code="grade_unchanged")
    return record_change(item, grade, reason, actor.id)


def history(actor: Officer, object_id: int) -> list[GradeChange]:
    get_visible(RegulatedObject, object_id, actor, what="检查对象")
    return list(session.scalars(scoped(GradeChange, actor).where(GradeChange.object_id == object_id)
                                .order_by(GradeChange.changed_at, GradeChange.id)))


def _example_defaults() -> dict[Grade, int]:
    """INSPECTIONS_GRADE_INTERVAL_MONTHS, e.g. "high:1,medium:3,low:12"."""
    pairs = (part.split(":") for part in settings().INSPECTIONS_GRADE_INTERVAL_MONTHS.split(","))
    return {Grade(grade.strip()): int(months) for grade, months in pairs}


def intervals(district_id: int, on: date) -> dict[Grade, Interval]:
    """How often each grade is inspected on `on`: the district's latest version from then, or the example default."""
    found = {grade: Interval(grade, months, EXAMPLE_DEFAULT, None) for grade, months in _example_defaults().items()}
    rules = session.scalars(select(GradeRule).where(GradeRule.district_id == district_id,
                                                    GradeRule.effective_from <= on)
                            .order_by(GradeRule.effective_from, GradeRule.id))
    for rule in rules:
        found[rule.grade] = Interval(rule.grade, rule.interval_months, DISTRICT_RULE, rule.effective_from)
    return found


def add_rule(actor: Officer, *, grade: Grade, interval_months: int, effective_from: date) -> Interval:
    """A new version of a grade's interval; versions in force are never rewritten, so the past stays as it was."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设置检查频次")
    if effective_from < local_day():
        raise Invalid("新的检查频次只能从今天或以后生效", code="rule_in_past")
    if session.scalar(select(GradeRule.id).where(GradeRule.district_id == actor.district_id,
                                                 GradeRule.grade == grade, GradeRule.effective_from == effective_from)):
        raise Conflict(f"{GRADE_NAMES[grade]}在 {effective_from} 已有一个版本", code="rule_exists")
    session.add(GradeRule(district_id=actor.district_id, grade=grade, interval_months=interval_months,
                          effective_from=effective_from, created_by_id=actor.id))
    session.flush()
    return intervals(actor.district_id, effective_from)[grade]
