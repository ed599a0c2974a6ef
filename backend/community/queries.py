"""What reads complaints: the squad's queue, what each viewer may see, the public timeline, daily facts."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, or_, select

from backend.community import privacy
from backend.community.models import Complaint, ComplaintEvent, Status
from backend.db import LOCAL_TZ, session
from backend.org.models import Officer
from backend.org.scope import scoped

OPEN_STATUSES = (Status.submitted, Status.accepted, Status.assigned, Status.in_progress, Status.transferred)


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


def phone_for(complaint: Complaint, actor: Officer | None) -> str | None:
    """The full phone for the handling officer only; the masked one for everyone else."""
    if complaint.phone_encrypted is None:
        return None
    if actor is not None and complaint.assignee_id == actor.id:
        return privacy.decrypt_phone(complaint.phone_encrypted)
    return complaint.phone_masked


def public_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    """The steps a resident may see: status changes and replies, never who handled them."""
    return list(session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.public.is_(True)).order_by(ComplaintEvent.id)))


def full_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    return list(session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)))


def daily_complaint_facts(day: date) -> list:
    """Per officer for one local day: complaints resolved on time, resolved late, ratings received.

    One set-based query; rows have officer_id, resolved_on_time, resolved_late, ratings_received and
    rating_points (the sum of the 1–5 ratings, so an average is rating_points / ratings_received).
    """
    start = datetime.combine(day, time(), LOCAL_TZ)
    end = start + timedelta(days=1)
    resolved_today = and_(Complaint.resolved_at >= start, Complaint.resolved_at < end)
    rated_today = and_(Complaint.rated_at >= start, Complaint.rated_at < end)
    count_if = lambda condition: func.coalesce(func.sum(case((condition, 1), else_=0)), 0)  # noqa: E731
    stmt = (
        select(
            Complaint.resolved_by_id.label("officer_id"),
            count_if(and_(resolved_today, Complaint.resolved_at <= Complaint.resolve_due_at)).label("resolved_on_time"),
            count_if(and_(resolved_today, Complaint.resolved_at > Complaint.resolve_due_at)).label("resolved_late"),
            count_if(rated_today).label("ratings_received"),
            func.coalesce(func.sum(case((rated_today, Complaint.rating), else_=0)), 0).label("rating_points"),
        )
        .where(Complaint.resolved_by_id.is_not(None), or_(resolved_today, rated_today))
        .group_by(Complaint.resolved_by_id)
        .order_by(Complaint.resolved_by_id)
    )
    return list(session.execute(stmt))
