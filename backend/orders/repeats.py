"""Finding repeats: a new order or complaint is linked to the latest earlier order or complaint of the same
category within ORDERS_REPEAT_DISTANCE_M metres and ORDERS_REPEAT_DAYS days (both example defaults).

The earlier ones are read through a bounding box on the indexed (category, lat, lng) of both tables, then
measured exactly (great-circle distance); an item without a place repeats nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, or_, select, union_all

from backend.community.models import Complaint
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict, Invalid
from backend.geo import EARTH_RADIUS_M, LatLng, distance_m
from backend.orders.models import WorkOrder
from backend.orders.repeat_links import FINDINGS, RepeatLink
from backend.org.models import Officer
from backend.org.roles import SQUAD_MANAGERS, require
from backend.org.scope import get_visible, scoped


@dataclass(frozen=True)
class Item:
    """An order or a complaint, as a repeat's end."""

    kind: str  # order | complaint
    id: int
    at: datetime
    point: LatLng


def _box(point: LatLng, metres: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lng_min, lng_max) around `point` that holds every point within `metres`."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlng = math.degrees(metres / (EARTH_RADIUS_M * max(math.cos(math.radians(abs(point.lat) + dlat)), 1e-6)))
    return point.lat - dlat, point.lat + dlat, point.lng - dlng, point.lng + dlng


def _candidates(model, at_column, category, point: LatLng, since: datetime, until: datetime, kind: str,
                exclude: int | None):
    """The items of `model` (orders or complaints) in the bounding box and window: (kind, id, at, lat, lng)."""
    lat_min, lat_max, lng_min, lng_max = _box(point, settings().ORDERS_REPEAT_DISTANCE_M)
    query = select(literal(kind).label("kind"), model.id, at_column.label("at"), model.lat, model.lng).where(
        model.category == category, model.lat.between(lat_min, lat_max), model.lng.between(lng_min, lng_max),
        at_column >= since, at_column <= until)
    return query if exclude is None else query.where(model.id != exclude)


def earlier_item(category, point: LatLng, at: datetime, *, order_id: int | None = None,
                 complaint_id: int | None = None) -> tuple[Item, float] | None:
    """The latest order or complaint of `category` near `point` in the window before `at`, and its distance
    (both tables read in one statement: every new order and complaint asks)."""
    config = settings()
    since = at - timedelta(days=config.ORDERS_REPEAT_DAYS)
    found = union_all(
        _candidates(WorkOrder, WorkOrder.received_at, category, point, since, at, "order", order_id),
        _candidates(Complaint, Complaint.submitted_at, category, point, since, at, "complaint", complaint_id))
    items = [Item(row.kind, row.id, row.at, LatLng(row.lat, row.lng)) for row in session.execute(found)]
    near = [(item, distance_m(point, item.point)) for item in items]
    near = [(item, metres) for item, metres in near if metres <= config.ORDERS_REPEAT_DISTANCE_M]
    return max(near, key=lambda pair: (pair[0].at, -pair[1], pair[0].kind, pair[0].id), default=None)


def _link(squad_id: int, category, point: LatLng | None, at: datetime, **later) -> RepeatLink | None:
    if point is None:
        return None
    own = {"order_id": later.get("later_order_id"), "complaint_id": later.get("later_complaint_id")}
    found = earlier_item(category, point, at, **own)
    if found is None:
        return None
    earlier, metres = found
    link = RepeatLink(squad_id=squad_id, category=category, distance_m=round(metres, 1), later_at=at,
                      **{f"earlier_{earlier.kind}_id": earlier.id}, **later)
    session.add(link)
    return link


def link_order(order: WorkOrder) -> RepeatLink | None:
    """Link a newly received order to the item it repeats, if any (the order is flushed for its id)."""
    session.flush()
    point = LatLng(order.lat, order.lng) if order.lat is not None else None
    return _link(order.squad_id, order.category, point, order.received_at, later_order_id=order.id)


def link_complaint(complaint: Complaint) -> RepeatLink | None:
    """Link a newly submitted complaint to the item it repeats, if any."""
    session.flush()
    point = LatLng(complaint.lat, complaint.lng) if complaint.lat is not None else None
    return _link(complaint.squad_id, complaint.category, point, complaint.submitted_at,
                 later_complaint_id=complaint.id)


def flagged(actor: Officer, *, since: datetime | None = None, until: datetime | None = None,
            closed: bool | None = None):
    """The repeats flagged for 重复投诉核查督办 in `actor`'s scope (those still open or closed, or all), the newest
    first (a query for `listing`)."""
    query = scoped(RepeatLink, actor)
    if closed is not None:
        query = query.where(RepeatLink.closed_at.is_not(None) if closed else RepeatLink.closed_at.is_(None))
    if since is not None:
        query = query.where(RepeatLink.later_at >= since)
    if until is not None:
        query = query.where(RepeatLink.later_at < until)
    return query.order_by(RepeatLink.later_at.desc(), RepeatLink.id.desc())


def links_of(actor: Officer, *, order_id: int | None = None, complaint_id: int | None = None) -> dict:
    """An order's or a complaint's repeats both ways: what it repeats, and what repeated it since."""
    if order_id is not None:
        get_visible(WorkOrder, order_id, actor, what="工单")
        earlier_column, later_column, own = RepeatLink.earlier_order_id, RepeatLink.later_order_id, order_id
    else:
        get_visible(Complaint, complaint_id, actor, what="诉件")
        earlier_column, later_column, own = RepeatLink.earlier_complaint_id, RepeatLink.later_complaint_id, complaint_id
    links = session.scalars(select(RepeatLink).where(or_(earlier_column == own, later_column == own))
                            .order_by(RepeatLink.later_at, RepeatLink.id)).all()
    return {"repeats": next((link for link in links if getattr(link, later_column.key) == own), None),
            "repeated_by": [link for link in links if getattr(link, earlier_column.key) == own]}


MAX_NOTE = 500


def close_flag(actor: Officer, link_id: int, *, finding: str, note: str) -> RepeatLink:
    """Close a repeat's 督办 with what the check found (a key of FINDINGS) and a note, once; by the squad's leader
    (or the district's administrator). The request's audit row names the repeat."""
    require(actor, SQUAD_MANAGERS, "只有中队长可以办结重复投诉督办", code="not_squad_leader")
    link = get_visible(RepeatLink, link_id, actor, what="重复投诉")
    if finding not in FINDINGS:
        raise Invalid(f"未知的核查结论：{finding}（应为 {' / '.join(FINDINGS)}）", code="unknown_finding",
                      errors={"finding": ["无效"]})
    if not note or not note.strip() or len(note) > MAX_NOTE:
        raise Invalid(f"请填写核查情况（不超过 {MAX_NOTE} 字）", code="note_required", errors={"note": ["必填"]})
    if link.closed_at is not None:
        raise Conflict(f"该重复投诉督办已于 {link.closed_at:%Y-%m-%d} 办结", code="already_closed")
    link.closed_at, link.closed_by_id, link.finding, link.finding_note = utcnow(), actor.id, finding, note.strip()
    session.flush()
    return link
