"""The monthly report per squad: 及时处置率, 满意率 and repeat rate over its orders and residents' complaints.

A month is the Asia/Shanghai calendar month an order was received or a complaint submitted in.
- 及时处置率 (on time): of the items the squad handles (not 退单/移送, not rejected/transferred) that are
  resolved or past their resolve deadline, the share resolved by the deadline.
- 满意率 (satisfied): of the 回访 results and residents' ratings (a complaint's and its linked reports'),
  the share 满意 or 基本满意, or a rating of at least ORDERS_SATISFIED_MIN_RATING.
- repeat rate: the share of the month's items that repeat an earlier one (backend/orders/repeats.py); of those,
  the ones whose 督办 the squad leader has closed with a finding.
Each is None when nothing counts towards it. One statement: an aggregate per table, grouped by squad.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Select, and_, case, func, literal_column, or_, select, union_all

from backend import periods
from backend.community.models import Complaint, ComplaintReport
from backend.community.models import Status as ComplaintStatus
from backend.config import settings
from backend.db import LOCAL_TZ, session, utcnow
from backend.exports import workbook
from backend.orders.models import SATISFIED_FOLLOWUPS, Status, WorkOrder
from backend.orders.repeat_links import RepeatLink
from backend.org.models import Officer, Squad
from backend.org.scope import get_visible, scoped

COUNTS = ("received", "due", "on_time", "rated", "satisfied", "repeats", "repeats_closed")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's, Asia/Shanghai."""
    return (datetime.combine(month, time(), LOCAL_TZ), datetime.combine(periods.month_after(month), time(), LOCAL_TZ))


def squads_in_scope(actor: Officer, squad_id: int | None = None) -> list[Squad]:
    """The squads `actor` may read (or the one asked for: NotFound outside their scope)."""
    query = scoped(Squad, actor).order_by(Squad.id)
    if squad_id is None:
        return list(session.scalars(query))
    return [get_visible(Squad, squad_id, actor, what="中队")]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


ZERO = literal_column("0")


def handling_counts(model, not_ours, rated, satisfied, now) -> dict:
    """The aggregates received, due, on_time, rated and satisfied of `model`'s rows (orders or complaints), as the
    report defines them (also what the city report sums per district: backend/cityreports)."""
    handled = model.status.not_in(not_ours)
    due = and_(handled, or_(model.resolved_at.is_not(None), model.resolve_due_at < now))
    on_time = and_(handled, model.resolved_at.is_not(None), model.resolved_at <= model.resolve_due_at)
    return {"received": func.count(), "due": _count_if(due), "on_time": _count_if(on_time),
            "rated": func.count(rated), "satisfied": _count_if(satisfied)}


def _items(model, at, not_ours, rated, satisfied, squad_ids, start, end, now) -> Select:
    """received, due, on_time, rated and satisfied per squad of `model` (orders or complaints) in [start, end)."""
    counts = handling_counts(model, not_ours, rated, satisfied, now)
    return (select(model.squad_id, *(value.label(name) for name, value in counts.items()),
                   ZERO.label("repeats"), ZERO.label("repeats_closed"))
            .where(model.squad_id.in_(squad_ids), at >= start, at < end).group_by(model.squad_id))


def _counts(squad_ids: list[int], start: datetime, end: datetime, now: datetime) -> Select:
    """Every count of the report per squad, one row per squad and table, in one statement: orders with their
    回访, complaints with their ratings, the linked reports' ratings, the repeats."""
    minimum = settings().ORDERS_SATISFIED_MIN_RATING
    orders = _items(WorkOrder, WorkOrder.received_at, (Status.returned, Status.referred), WorkOrder.followup_result,
                    WorkOrder.followup_result.in_(SATISFIED_FOLLOWUPS), squad_ids, start, end, now)
    complaints = _items(Complaint, Complaint.submitted_at, (ComplaintStatus.rejected, ComplaintStatus.transferred),
                        Complaint.rating, Complaint.rating >= minimum, squad_ids, start, end, now)
    reports = (select(Complaint.squad_id, ZERO, ZERO, ZERO, func.count(ComplaintReport.rating),
                      _count_if(ComplaintReport.rating >= minimum), ZERO, ZERO)
               .join(ComplaintReport, ComplaintReport.complaint_id == Complaint.id)
               .where(Complaint.squad_id.in_(squad_ids), Complaint.submitted_at >= start, Complaint.submitted_at < end)
               .group_by(Complaint.squad_id))
    repeats = (select(RepeatLink.squad_id, ZERO, ZERO, ZERO, ZERO, ZERO, func.count(),
                      func.count(RepeatLink.closed_at))
               .where(RepeatLink.squad_id.in_(squad_ids), RepeatLink.later_at >= start, RepeatLink.later_at < end)
               .group_by(RepeatLink.squad_id))
    return union_all(orders, complaints, reports, repeats)


def monthly(actor: Officer, month: date, squad_id: int | None = None) -> list[dict]:
    """One row per squad in `actor`'s scope (or the one asked for): its counts and rates for `month`."""
    squads = squads_in_scope(actor, squad_id)
    ids = [squad.id for squad in squads]
    start, end = month_bounds(month)
    totals = {squad_id: dict.fromkeys(COUNTS, 0) for squad_id in ids}
    for squad_id, *counts in session.execute(_counts(ids, start, end, utcnow())):
        for name, value in zip(COUNTS, counts, strict=True):
            totals[squad_id][name] += value
    return [{"squad_id": squad.id, "squad": squad.name, "month": month, **totals[squad.id],
             "on_time_rate": _rate(totals[squad.id]["on_time"], totals[squad.id]["due"]),
             "satisfaction_rate": _rate(totals[squad.id]["satisfied"], totals[squad.id]["rated"]),
             "repeat_rate": _rate(totals[squad.id]["repeats"], totals[squad.id]["received"])} for squad in squads]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


HEADER = ["中队", "月份", "收到（工单+诉件）", "应办结", "按时办结", "及时处置率", "回访与评价", "满意", "满意率",
          "重复投诉", "重复率", "督办已办结"]


def monthly_workbook(rows: list[dict]) -> bytes:
    """The report as an Excel workbook: one row per squad, rates as percentages, text neutralised."""
    return workbook("月度报表", HEADER, ([
        row["squad"], f"{row['month']:%Y-%m}", row["received"], row["due"], row["on_time"], row["on_time_rate"],
        row["rated"], row["satisfied"], row["satisfaction_rate"], row["repeats"], row["repeat_rate"],
        row["repeats_closed"]] for row in rows), percent_columns=("F", "I", "K"))
