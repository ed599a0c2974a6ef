"""Credit hours (学时): where they come from, each officer's progress, and who in a squad is behind.

Credit sources are SELECTs of (officer_id, category, hours, earned_on) between two days, combined with
UNION ALL and summed per officer and category in one query. Issue 9 appends its drill source to
`CREDIT_SOURCES`.

"Behind": in the current year an officer is behind in a category when the hours earned are below the
requirement pro-rated to today (requirement × days elapsed / days in the year); for a past year, below
the full requirement.

City-wide training (no district, the city trainer's) counts as a district's own does: the sources join the
course, class, paper or drill whatever its district; the requirements and mandatory plans an officer must meet
are the city's and their district's together.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, or_, select, union_all

from backend.db import local_day, session
from backend.org.models import Officer
from backend.training.common import Category, default_categories
from backend.training.exams.models import Attempt, Paper
from backend.training.models import (
    Attendance,
    Course,
    CourseCompletion,
    CreditRequirement,
    LiveClass,
    TrainingPlan,
)


def _completed_courses(start: date, end: date) -> Select:
    return (select(CourseCompletion.officer_id, Course.category, Course.credit_hours.label("hours"),
                   CourseCompletion.completed_on.label("earned_on"))
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.completed_on.between(start, end)))


def _attended_live_classes(start: date, end: date) -> Select:
    return (select(Attendance.officer_id, LiveClass.category, LiveClass.credit_hours.label("hours"),
                   LiveClass.held_on.label("earned_on"))
            .join(LiveClass, LiveClass.id == Attendance.live_class_id)
            .where(Attendance.credited.is_(True), LiveClass.held_on.between(start, end)))


def _passed_exams(start: date, end: date) -> Select:
    """A paper counts once per officer, on the day of the first passed attempt."""
    first_pass = (select(Attempt.officer_id, Attempt.paper_id, func.min(Attempt.closed_on).label("earned_on"))
                  .where(Attempt.passed.is_(True)).group_by(Attempt.officer_id, Attempt.paper_id).subquery())
    return (select(first_pass.c.officer_id, Paper.category, Paper.credit_hours.label("hours"),
                   first_pass.c.earned_on)
            .join(Paper, Paper.id == first_pass.c.paper_id)
            .where(first_pass.c.earned_on.between(start, end)))


CREDIT_SOURCES: list[Callable[[date, date], Select]] = [_completed_courses, _attended_live_classes, _passed_exams]


def earned_hours(start: date, end: date):
    """Subquery of (officer_id, category, hours) summed over every credit source between two days."""
    sources = union_all(*(source(start, end) for source in CREDIT_SOURCES)).subquery()
    return (select(sources.c.officer_id, sources.c.category, func.sum(sources.c.hours).label("hours"))
            .group_by(sources.c.officer_id, sources.c.category).subquery())


def requirements(district_id: int | None, year: int) -> list[Category]:
    """The categories a district's officers must meet in `year`: the city's (the city trainer's, for every district)
    and the district's own; in a category both set, the higher hours (a district may ask more than the city, not
    less). Neither set: the configured default ("60+24"). `district_id` None: the city's alone."""
    rows = session.scalars(select(CreditRequirement).where(
        or_(CreditRequirement.district_id == district_id, CreditRequirement.district_id.is_(None)),
        CreditRequirement.year == year).order_by(CreditRequirement.district_id.is_not(None), CreditRequirement.id))
    merged: dict[str, Category] = {}
    for row in rows:  # the city's first: their order and names lead
        city = merged.get(row.category)
        merged[row.category] = Category(row.category, city.name if city else row.name,
                                        max(row.hours, city.hours) if city else row.hours)
    return list(merged.values()) or default_categories()


def expected_share(year: int, today: date | None = None) -> Decimal:
    """How much of a year's requirement should be done by today (1 for past years, 0 for future ones)."""
    today = today or local_day()
    if year < today.year:
        return Decimal(1)
    if year > today.year:
        return Decimal(0)
    elapsed = (today - date(year, 1, 1)).days + 1
    return Decimal(elapsed) / Decimal((date(year + 1, 1, 1) - date(year, 1, 1)).days)


def _hours(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CategoryProgress:
    category: str
    name: str
    required: Decimal
    earned: Decimal
    expected: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.earned, Decimal(0))

    @property
    def behind(self) -> bool:
        return self.earned < self.expected


def _progress(categories: list[Category], earned: dict[str, Decimal], share: Decimal) -> list[CategoryProgress]:
    return [CategoryProgress(c.code, c.name, c.hours, _hours(earned.get(c.code)), _hours(c.hours * share))
            for c in categories]


def officer_progress(officer: Officer, year: int) -> dict:
    """One officer's progress per category and the mandatory courses still to do."""
    earned = earned_hours(date(year, 1, 1), date(year, 12, 31))
    rows = session.execute(select(earned.c.category, earned.c.hours).where(earned.c.officer_id == officer.id))
    categories = _progress(requirements(officer.district_id, year), dict(rows.all()), expected_share(year))
    return {"officer": officer, "year": year, "categories": categories,
            "behind": any(c.behind for c in categories), "outstanding_courses": outstanding_courses(officer, year)}


def outstanding_courses(officer: Officer, year: int) -> list[Course]:
    """Courses of the year's mandatory plans, the district's and the city's (for everyone or the officer's role),
    not completed yet."""
    completed = select(CourseCompletion.course_id).where(CourseCompletion.officer_id == officer.id)
    plan_courses = (select(Course).join(TrainingPlan.courses)
                    .where(or_(TrainingPlan.district_id == officer.district_id, TrainingPlan.district_id.is_(None)),
                           TrainingPlan.year == year,
                           (TrainingPlan.role.is_(None)) | (TrainingPlan.role == officer.role),
                           Course.id.not_in(completed))
                    .distinct().order_by(Course.id))
    return list(session.scalars(plan_courses))


def squad_progress(officers: Select, district_id: int, year: int, *, behind_only: bool = False) -> list[dict]:
    """Progress of every officer `officers` selects (already scoped), earned hours in one query."""
    earned = earned_hours(date(year, 1, 1), date(year, 12, 31))
    people = officers.subquery()
    rows = session.execute(
        select(people.c.id, earned.c.category, earned.c.hours)
        .join(earned, earned.c.officer_id == people.c.id, isouter=True)
    ).all()
    by_officer: dict[int, dict[str, Decimal]] = {}
    for officer_id, category, hours in rows:
        by_officer.setdefault(officer_id, {})
        if category is not None:
            by_officer[officer_id][category] = hours
    categories = requirements(district_id, year)
    share = expected_share(year)
    result = []
    for officer in session.scalars(officers):
        progress = _progress(categories, by_officer.get(officer.id, {}), share)
        entry = {"officer": officer, "categories": progress, "behind": any(c.behind for c in progress)}
        if entry["behind"] or not behind_only:
            result.append(entry)
    return result

