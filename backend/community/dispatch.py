"""Who should handle a complaint (勤务跟着投诉走): the squad's officers on duty, nearest first."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, union_all

from backend.community.models import Complaint, Status
from backend.db import session
from backend.domains import DOMAINS
from backend.duty.queries import OnDuty, on_duty
from backend.geo import GCJ02, LatLng, distance_m, to_gcj02
from backend.org.models import Officer, Role
from backend.registry import resolve

HANDLING = (Status.assigned, Status.in_progress)


def complaints_in_hand() -> Select:
    """One row (the officer's id) per complaint an officer is handling: their part of the in-hand count."""
    return select(Complaint.assignee_id.label("officer_id")).where(Complaint.status.in_(HANDLING))


def work_in_hand() -> Select:
    """A row per item any officer has in hand, of every kind a domain declares (`Domain.work_in_hand`)."""
    return union_all(*(resolve(name)() for domain in DOMAINS for name in domain.work_in_hand))


def _place(complaint: Complaint) -> LatLng | None:
    """Where the complaint is: the resident's location, else the office's."""
    if complaint.lat is not None:
        return LatLng(complaint.lat, complaint.lng)
    office = complaint.office
    if office.lat is not None and office.lng is not None:
        return to_gcj02(office.lat, office.lng, office.coord_system or GCJ02)
    return None


def _distance(place: LatLng | None, duty: OnDuty | None) -> tuple[int | None, str]:
    """Metres from the complaint to the officer's latest position, else to the post's area; and the basis."""
    if duty is None:
        return None, "squad"
    if place is not None and duty.position is not None:
        return round(distance_m(place, duty.position)), "position"
    if place is not None and duty.post is not None:
        return round(duty.post.fence.distance_outside_m(place)), "post"
    return None, "on_duty"


def suggest_officers(complaint: Complaint, now: datetime, limit: int = 5) -> list[dict]:
    """Active officers of the complaint's squad: on duty and nearest first, then fewest items in hand."""
    return suggest_near(complaint.squad_id, _place(complaint), now, limit)


def suggest_near(squad_id: int, place: LatLng | None, now: datetime, limit: int = 5) -> list[dict]:
    """Active officers of a squad for a problem at `place` (work orders ask this too), nearest on duty first.

    In hand: every item an officer handles, whichever domain's it is (complaints, work orders: `work_in_hand`)."""
    work = work_in_hand().subquery()
    in_hand = select(work.c[0].label("officer_id"), func.count().label("open")).group_by(work.c[0]).subquery()
    officers = session.execute(
        select(Officer, func.coalesce(in_hand.c.open, 0))
        .outerjoin(in_hand, in_hand.c.officer_id == Officer.id)
        .where(Officer.squad_id == squad_id, Officer.role == Role.officer, Officer.active.is_(True))
    ).all()
    duty = on_duty(squad_id, now)
    suggestions = []
    for officer, open_count in officers:
        distance, basis = _distance(place, duty.get(officer.id))
        suggestions.append({"officer_id": officer.id, "name": officer.name, "badge_no": officer.badge_no,
                            "distance_m": distance, "basis": basis, "in_hand": open_count})
    suggestions.sort(key=lambda s: (s["basis"] == "squad", s["distance_m"] is None, s["distance_m"] or 0,
                                    s["in_hand"], s["badge_no"]))
    return suggestions[:limit]
