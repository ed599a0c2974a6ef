"""What reads complaints: the squad's queue, what each viewer may see, the public timeline, daily facts."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, or_, select

from backend.community import privacy
from backend.community.models import Complaint, ComplaintEvent, ComplaintReport, Status
from backend.db import LOCAL_TZ, session
from backend.org.models import Officer
from backend.org.scope import scoped

OPEN_STATUSES = (Status.submitted, Status.accepted, Status.assigned, Status.in_progress, Status.transferred)
AWAITING_ACCEPT = (Status.submitted, Status.transferred)


def overdue_stage(complaint: Complaint, now: datetime) -> str | None:
    """"accept" or "resolve" when the complaint is past that deadline and still waits on it, else None."""
    if complaint.status in AWAITING_ACCEPT and complaint.accept_due_at < now:
        return "accept"
    if complaint.status in OPEN_STATUSES and complaint.resolve_due_at < now:
        return "resolve"
    return None


def queue(actor: Officer, *, status: Status | None = None, office_id: int | None = None,
          assignee_id: int | None = None, overdue: bool | None = None, now: datetime | None = None) -> Select:
    """Complaints in the actor's scope, oldest first (the squad's queue)."""
    stmt = scoped(Complaint, actor).order_by(Complaint.submitted_at, Complaint.id)
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    if office_id is not None:
        stmt = stmt.where(Complaint.office_id == office_id)
    if assignee_id is not None:
        stmt = stmt.where(Complaint.assignee_id == assignee_id)
    if overdue:
        stmt = stmt.where(Complaint.status.in_(OPEN_STATUSES), Complaint.resolve_due_at < now)
    return stmt


def handled(record: Complaint | ComplaintReport) -> Complaint:
    """The complaint whose handling a tracking code follows: a linked report follows its complaint's."""
    return record.complaint if isinstance(record, ComplaintReport) else record


def phone_for(record: Complaint | ComplaintReport, actor: Officer | None) -> str | None:
    """The full phone for the handling officer only; the masked one for everyone else."""
    if record.phone_encrypted is None:
        return None
    if actor is not None and handled(record).assignee_id == actor.id:
        return privacy.decrypt_phone(record.phone_encrypted)
    return record.phone_masked


def own_photo_count(record: Complaint | ComplaintReport) -> int:
    """The photos this resident sent (a complaint also holds those of its linked reports)."""
    return sum(1 for photo in record.photos if isinstance(record, ComplaintReport) or photo.report_id is None)


def public_timeline(record: Complaint | ComplaintReport) -> list[ComplaintEvent]:
    """The steps of the handling a resident may see: status changes and replies, never who handled them."""
    return list(session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == handled(record).id, ComplaintEvent.public.is_(True))
        .order_by(ComplaintEvent.id)))


def full_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    return list(session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)))


def daily_complaint_facts(day: date) -> list:
    """Per officer for one local day: complaints resolved on time, resolved late, ratings received.

    One set-based query; rows have officer_id, resolved_on_time, resolved_late, ratings_received and
    rating_points (the sum of the 1–5 ratings, so an average is rating_points / ratings_received).
    The ratings of a complaint's linked reports count for its resolving officer, each once.
    """
    start = datetime.combine(day, time(), LOCAL_TZ)
    end = start + timedelta(days=1)
    resolved_today = and_(Complaint.resolved_at >= start, Complaint.resolved_at < end)
    rated_today = and_(Complaint.rated_at >= start, Complaint.rated_at < end)
    linked = (select(ComplaintReport.complaint_id, func.count().label("ratings"),
                     func.sum(ComplaintReport.rating).label("points"))
              .where(ComplaintReport.rated_at >= start, ComplaintReport.rated_at < end)
              .group_by(ComplaintReport.complaint_id).subquery())
    total = lambda value: func.coalesce(func.sum(value), 0)  # noqa: E731
    count_if = lambda condition: total(case((condition, 1), else_=0))  # noqa: E731
    stmt = (
        select(
            Complaint.resolved_by_id.label("officer_id"),
            count_if(and_(resolved_today, Complaint.resolved_at <= Complaint.resolve_due_at)).label("resolved_on_time"),
            count_if(and_(resolved_today, Complaint.resolved_at > Complaint.resolve_due_at)).label("resolved_late"),
            (count_if(rated_today) + total(linked.c.ratings)).label("ratings_received"),
            (total(case((rated_today, Complaint.rating), else_=0)) + total(linked.c.points)).label("rating_points"),
        )
        .outerjoin(linked, linked.c.complaint_id == Complaint.id)
        .where(Complaint.resolved_by_id.is_not(None), or_(resolved_today, rated_today, linked.c.ratings.is_not(None)))
        .group_by(Complaint.resolved_by_id)
        .order_by(Complaint.resolved_by_id)
    )
    return list(session.execute(stmt))
