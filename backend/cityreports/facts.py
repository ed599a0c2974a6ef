"""The month's figures of every squad from each domain, summed per district (or per 街镇) in one statement.

Each domain contributes one arm of a UNION ALL: its aggregate per squad for the month, in the same columns
(NULL where the arm has nothing to say); the outer SELECT joins the squads and sums them per group. So the
report over sixteen districts is one statement whatever their number, not a loop per district.

A month is the Asia/Shanghai calendar month:
- duty: the shifts of its days (Shift.day), their check-ins (late, out of area), absences and minutes;
- orders and complaints: those received (submitted) in it, due and on time as the squads' monthly report counts
  them (backend/orders/reports.py), their 回访 and ratings;
- cases (两超期两随意): cases registered and closed in it, the closed ones without any flag, the flags dated in it;
- training: each active officer of a squad, the credit hours earned from 1 January to the month's end per
  category, capped at the category's requirement; on track when every category reaches the requirement
  pro-rated to the month's end (backend/training/credits.py);
- points: the month sheets (月计分) of the month, their totals and how many reach each grade floor
  (POINTS_QUARTER_GRADES, the district's grade floors).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from backend import periods
from backend.community.models import Complaint, ComplaintReport
from backend.community.models import Status as ComplaintStatus
from backend.config import settings
from backend.db import utcnow
from backend.duty.models import CheckKind, DutyCheck, Shift, Timing
from backend.orders.models import SATISFIED_FOLLOWUPS, Status, WorkOrder
from backend.orders.reports import handling_counts, month_bounds
from backend.org.models import District, Officer, Squad
from backend.org.roles import TRAINEES
from backend.supervision.cases.models import Case, CaseFlag, FlagKind
from backend.supervision.points import parameters
from backend.supervision.points.models import MonthlyPoints, SheetState
from backend.training.common import default_categories
from backend.training.credits import earned_hours, expected_share
from backend.training.models import CreditRequirement

DUTY = ("shifts", "shifts_absent", "check_ins", "late", "out_of_area", "scheduled_minutes", "attended_minutes")
HANDLING = ("received", "due", "on_time", "rated", "satisfied")
ORDERS = tuple(f"orders_{name}" for name in HANDLING)
COMPLAINTS = tuple(f"complaints_{name}" for name in HANDLING)
CASES = ("cases_registered", "cases_closed", "cases_closed_clean", *(kind.value for kind in FlagKind))
TRAINING = ("trainees", "trainees_on_track", "credit_required", "credit_earned")
POINTS = ("sheets", "sheets_final", "points_total")
EXTREMES = ("points_min", "points_max")  # min and max, not sums
# how many sheets reach each grade floor, highest first (the floors are POINTS_QUARTER_GRADES, as many as it has)
GRADE_BANDS = 6
BANDS = tuple(f"band_{n}" for n in range(GRADE_BANDS))
SUMS = (*DUTY, *ORDERS, *COMPLAINTS, *CASES, *TRAINING, *POINTS, *BANDS)
COLUMNS = (*SUMS, *EXTREMES)
DECIMALS = {"credit_required", "credit_earned", "points_total", "points_min", "points_max"}


# typed, so that PostgreSQL matches an arm's NULL with another arm's count or sum
_NULLS = {name: cast(null(), Numeric if name in DECIMALS else Integer) for name in COLUMNS}


def _count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _arm(squad_id, **values) -> list:
    """The select list of one arm: the squad, then every column of the report (NULL where the arm gives none)."""
    unknown = set(values) - set(COLUMNS)
    assert not unknown, unknown
    return [squad_id.label("squad_id"), *(values.get(name, _NULLS[name]).label(name) for name in COLUMNS)]


def _duty(squads, first: date, following: date) -> Select:
    check_in = aliased(DutyCheck)
    return (select(*_arm(Shift.squad_id, shifts=func.count(), shifts_absent=_count_if(Shift.absent),
                         check_ins=func.count(check_in.id), late=_count_if(check_in.timing == Timing.late),
                         out_of_area=_count_if(check_in.out_of_area),
                         scheduled_minutes=func.sum(Shift.scheduled_minutes),
                         attended_minutes=func.sum(Shift.attended_minutes)))
            .outerjoin(check_in, and_(check_in.shift_id == Shift.id, check_in.kind == CheckKind.check_in))
            .where(Shift.squad_id.in_(squads), Shift.day >= first, Shift.day < following)
            .group_by(Shift.squad_id))


def _handling(squads, first: date) -> list[Select]:
    start, end = month_bounds(first)
    now, minimum = utcnow(), settings().ORDERS_SATISFIED_MIN_RATING
    orders = handling_counts(WorkOrder, (Status.returned, Status.referred), WorkOrder.followup_result,
                             WorkOrder.followup_result.in_(SATISFIED_FOLLOWUPS), now)
    complaints = handling_counts(Complaint, (ComplaintStatus.rejected, ComplaintStatus.transferred),
                                 Complaint.rating, Complaint.rating >= minimum, now)
    return [
        select(*_arm(WorkOrder.squad_id, **{f"orders_{name}": value for name, value in orders.items()}))
        .where(WorkOrder.squad_id.in_(squads), WorkOrder.received_at >= start, WorkOrder.received_at < end)
        .group_by(WorkOrder.squad_id),
        select(*_arm(Complaint.squad_id, **{f"complaints_{name}": value for name, value in complaints.items()}))
        .where(Complaint.squad_id.in_(squads), Complaint.submitted_at >= start, Complaint.submitted_at < end)
        .group_by(Complaint.squad_id),
        # the residents who reported the same complaint again rate it too (as the squads' report counts them)
        select(*_arm(Complaint.squad_id, complaints_rated=func.count(ComplaintReport.rating),
                     complaints_satisfied=_count_if(ComplaintReport.rating >= minimum)))
        .join(ComplaintReport, ComplaintReport.complaint_id == Complaint.id)
        .where(Complaint.squad_id.in_(squads), Complaint.submitted_at >= start, Complaint.submitted_at < end)
        .group_by(Complaint.squad_id),
    ]


def _cases(squads, first: date, following: date) -> list[Select]:
    registered = and_(Case.registered_on >= first, Case.registered_on < following)
    closed = and_(Case.closed_on >= first, Case.closed_on < following)
    flagged = exists().where(CaseFlag.case_id == Case.id)
    return [
        select(*_arm(Case.squad_id, cases_registered=_count_if(registered), cases_closed=_count_if(closed),
                     cases_closed_clean=_count_if(and_(closed, ~flagged))))
        .where(Case.squad_id.in_(squads), or_(registered, closed)).group_by(Case.squad_id),
        select(*_arm(CaseFlag.squad_id, **{kind.value: _count_if(CaseFlag.kind == kind) for kind in FlagKind}))
        .where(CaseFlag.squad_id.in_(squads), CaseFlag.day >= first, CaseFlag.day < following)
        .group_by(CaseFlag.squad_id),
    ]


def _requirements(year: int) -> Select:
    """(district_id, category, hours) of every district's credit requirement for `year`, as
    backend/training/credits.requirements has it: the city's rows and its own (the higher hours in a category both
    set), or the configured default categories ("60+24") for a district of neither."""
    own = select(CreditRequirement.district_id, CreditRequirement.category, CreditRequirement.hours).where(
        CreditRequirement.year == year, CreditRequirement.district_id.is_not(None))
    city = (select(District.id, CreditRequirement.category, CreditRequirement.hours)
            .join(CreditRequirement, and_(CreditRequirement.district_id.is_(None), CreditRequirement.year == year)))
    rows = union_all(own, city).subquery()
    merged = (select(rows.c.district_id, rows.c.category, func.max(rows.c.hours).label("hours"))
              .group_by(rows.c.district_id, rows.c.category))
    has_any = exists().where(or_(CreditRequirement.district_id == District.id, CreditRequirement.district_id.is_(None)),
                             CreditRequirement.year == year)
    defaults = [select(District.id, literal(category.code), cast(literal(str(category.hours)), Numeric(8, 1)))
                .where(~has_any) for category in default_categories()]
    return union_all(merged, *defaults)


def _training(squads, first: date) -> Select:
    year, last = first.year, periods.month_after(first) - timedelta(days=1)
    share = expected_share(year, last)
    required = _requirements(year).subquery()
    earned = earned_hours(date(year, 1, 1), last)
    hours = func.coalesce(earned.c.hours, 0)
    # one row per trainee and category of their district's requirement
    per_category = (
        select(Officer.id.label("officer_id"), Officer.squad_id, required.c.hours.label("required"),
               case((hours < required.c.hours, hours), else_=required.c.hours).label("earned"),
               case((hours < required.c.hours * cast(literal(str(share)), Numeric(12, 6)), 1), else_=0)
               .label("behind"))
        .join(required, required.c.district_id == Officer.district_id)
        .outerjoin(earned, and_(earned.c.officer_id == Officer.id, earned.c.category == required.c.category))
        .where(Officer.squad_id.in_(squads), Officer.active.is_(True), Officer.role.in_(TRAINEES))
    ).subquery()
    per_officer = (select(per_category.c.officer_id, per_category.c.squad_id,
                          func.sum(per_category.c.required).label("required"),
                          func.sum(per_category.c.earned).label("earned"),
                          func.max(per_category.c.behind).label("behind"))
                   .group_by(per_category.c.officer_id, per_category.c.squad_id)).subquery()
    return (select(*_arm(per_officer.c.squad_id, trainees=func.count(),
                         trainees_on_track=_count_if(per_officer.c.behind == 0),
                         credit_required=func.sum(per_officer.c.required),
                         credit_earned=func.sum(per_officer.c.earned)))
            .group_by(per_officer.c.squad_id))


def grade_floors() -> list[tuple[Decimal, str]]:
    """The grade floors the bands count against, highest first (at most GRADE_BANDS): the deployment's
    POINTS_QUARTER_GRADES, one scale for every district of the city-wide report (a district's own grades are not
    applied here)."""
    return list(parameters.default_value("POINTS_QUARTER_GRADES"))[:GRADE_BANDS]


def _points(squads, first: date) -> Select:
    total = MonthlyPoints.total
    floors = [floor for floor, _ in grade_floors()]
    bands = {}
    for n in range(GRADE_BANDS):  # band n: from floor n (inclusive) up to the floor above; the last: below all
        if n > len(floors):
            continue
        above = total < floors[n - 1] if n else None
        here = total >= floors[n] if n < len(floors) else None
        condition = and_(*(c for c in (above, here) if c is not None))
        bands[f"band_{n}"] = _count_if(condition)
    return (select(*_arm(MonthlyPoints.squad_id, sheets=func.count(),
                         sheets_final=_count_if(MonthlyPoints.state.in_((SheetState.published, SheetState.locked))),
                         points_total=func.sum(total), points_min=func.min(total), points_max=func.max(total),
                         **bands))
            .where(MonthlyPoints.squad_id.in_(squads), MonthlyPoints.month == first)
            .group_by(MonthlyPoints.squad_id))


def squad_month(squads, first: date) -> Select:
    """Every arm's figures per squad of `squads` (a SELECT of squad ids) for the month starting `first`."""
    following = periods.month_after(first)
    return union_all(_duty(squads, first, following), *_handling(squads, first), *_cases(squads, first, following),
                     _training(squads, first), _points(squads, first))


def grouped(group, squads, first: date) -> Select:
    """The month's figures summed per `group` (a column of Squad, e.g. its district), one row per group that has
    any; in one statement."""
    arms = squad_month(squads, first).subquery()
    totals = [func.coalesce(func.sum(arms.c[name]), literal_column("0")).label(name) for name in SUMS]
    extremes = [func.min(arms.c.points_min).label("points_min"), func.max(arms.c.points_max).label("points_max")]
    return (select(group.label("group_id"), *totals, *extremes)
            .join(Squad, Squad.id == arms.c.squad_id).group_by(group))

