"""What reads orders: the squad's queue (its scope: an officer sees the orders assigned to them)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from backend.community.models import Complaint
from backend.db import LOCAL_TZ, session, utcnow
from backend.orders.models import FINISHED, RETURN_REJECTED, SATISFIED_FOLLOWUPS, Status, WorkOrder, WorkOrderEvent
from backend.orders.repeat_links import RepeatLink
from backend.org.models import Officer
from backend.org.scope import scoped


def queue(actor: Officer, *, status: str | None = None, overdue: bool | None = None,
          source_id: int | None = None) -> list[WorkOrder]:
    """The orders `actor` may see, the most urgent deadline first."""
    query = scoped(WorkOrder, actor)
    if status:
        query = query.where(WorkOrder.status == Status(status))
    if source_id:
        query = query.where(WorkOrder.source_id == source_id)
    if overdue is not None:
        late = WorkOrder.status.not_in(FINISHED) & (WorkOrder.resolve_due_at < utcnow())
        query = query.where(late if overdue else ~late)
    return list(session.scalars(query.order_by(WorkOrder.resolve_due_at, WorkOrder.id)))


def in_hand() -> Select:
    """One row (the officer's id) per order an officer is handling: their part of the in-hand count."""
    return (select(WorkOrder.assignee_id.label("officer_id"))
            .where(WorkOrder.status.in_((Status.assigned, Status.in_progress))))


def daily_order_facts(day: date) -> list:
    """Per officer and points item for one local day, (officer_id, item, count), in one set-based query:
    - order_on_time / order_late: orders resolved that day by the deadline or after, for their handling officer;
    - order_satisfied / order_dissatisfied: 回访 results received that day (满意 and 基本满意 are satisfied);
    - order_return_unjustified: 退单 the source refused that day (退单驳回), for the officer who returned it;
    - order_repeat: repeats flagged that day of an order or complaint already resolved before the repeat came
      (the problem came back), for the officer who had resolved it."""
    start = datetime.combine(day, time(), LOCAL_TZ)
    end = start + timedelta(days=1)
    resolved = select(WorkOrder.assignee_id.label("officer_id"),
                      case((WorkOrder.resolved_at <= WorkOrder.resolve_due_at, "order_on_time"),
                           else_="order_late").label("item")
                      ).where(WorkOrder.resolved_at >= start, WorkOrder.resolved_at < end)
    followups = select(WorkOrder.assignee_id, case((WorkOrder.followup_result.in_(SATISFIED_FOLLOWUPS),
                                                    "order_satisfied"), else_="order_dissatisfied")
                       ).where(WorkOrder.followup_at >= start, WorkOrder.followup_at < end,
                               WorkOrder.followup_result.is_not(None))
    returned = aliased(WorkOrderEvent)
    returned_by = (select(returned.actor_id).where(returned.order_id == WorkOrderEvent.order_id,
                                                   returned.kind == "return", returned.id < WorkOrderEvent.id)
                   .order_by(returned.id.desc()).limit(1).scalar_subquery())
    refused = select(returned_by, literal("order_return_unjustified")).where(
        WorkOrderEvent.kind == RETURN_REJECTED, WorkOrderEvent.at >= start, WorkOrderEvent.at < end)
    flagged = and_(RepeatLink.later_at >= start, RepeatLink.later_at < end)
    order_repeats = (select(WorkOrder.assignee_id, literal("order_repeat"))
                     .join(RepeatLink, RepeatLink.earlier_order_id == WorkOrder.id)
                     .where(flagged, WorkOrder.resolved_at < RepeatLink.later_at))
    complaint_repeats = (select(Complaint.resolved_by_id, literal("order_repeat"))
                         .join(RepeatLink, RepeatLink.earlier_complaint_id == Complaint.id)
                         .where(flagged, Complaint.resolved_at < RepeatLink.later_at))
    facts = union_all(resolved, followups, refused, order_repeats, complaint_repeats).subquery()
    return list(session.execute(
        select(facts.c.officer_id, facts.c.item, func.count().label("count"))
        .where(facts.c.officer_id.is_not(None)).group_by(facts.c.officer_id, facts.c.item)
        .order_by(facts.c.officer_id, facts.c.item)))
