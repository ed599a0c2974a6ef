"""现场核实: a confirmed alert whose kind needs a visit goes to the officer on duty nearby as a work order of
the district's internal source "nonsite" (`backend.orders.internal`), and the officer's result comes back
to the case (`order_finished`, declared as `Domain.internal_orders`). The case waits for it before 法制审核.

Nearby: the squad's officers on duty, nearest to the camera first (their latest patrol position, else their
post), as complaints and orders are suggested; nobody on duty: the order waits in the squad's queue for the
leader to assign. 办结 means the violation was found on the spot (the officer's reply and evidence on the
order are the record); 退单 or 移送 means it was not. The case is 立案 when the visit verified it (the 两超期
clock's registration deadline runs from the alert until then); one not verified is ended by 不予立案
(`ending.py`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.community.dispatch import suggest_near
from backend.community.models import Category
from backend.db import session
from backend.geo import LatLng
from backend.nonsite import timeliness
from backend.nonsite.models import NonsiteCase, Verification, ViolationKind
from backend.orders import internal
from backend.orders.models import Status, WorkOrder, WorkOrderEvent
from backend.org.models import Officer

DOMAIN_NAME = "nonsite"


def officer_nearby(case: NonsiteCase, now: datetime) -> Officer | None:
    """The squad's officer on duty nearest the camera (least work in hand breaking ties), or None."""
    camera = case.alert.camera
    suggested = suggest_near(case.squad_id, LatLng(camera.lat, camera.lng), now, limit=1)
    if not suggested or suggested[0]["basis"] == "squad":  # nobody on duty
        return None
    return session.get(Officer, suggested[0]["officer_id"])


def dispatch_if_needed(case: NonsiteCase, actor: Officer, now: datetime) -> WorkOrder | None:
    """Open the on-site verification order for a newly opened case whose kind needs a visit."""
    alert = case.alert
    kind = session.get(ViolationKind, alert.kind)
    if not kind.needs_visit:
        return None
    what = alert.plate or alert.shop or ""
    order = internal.open_order(
        DOMAIN_NAME, title="非现场执法现场核实", ref=f"case-{case.id}", squad=alert.camera.squad,
        category=Category(kind.order_category),
        description=f"请现场核实非现场执法案件 {case.id}：{kind.name} {what}（告警 {alert.id}，{alert.place}）"[:1000],
        place=alert.place, lat=alert.camera.lat, lng=alert.camera.lng, assignee=officer_nearby(case, now),
        actor=actor, now=now)
    case.verification, case.verification_order_id = Verification.pending, order.id
    return order


def order_finished(order: WorkOrder, event: WorkOrderEvent) -> None:
    """The officer's result, told by the orders domain: the case is verified (办结) or not (退单, 移送)."""
    case = session.scalars(select(NonsiteCase).where(NonsiteCase.verification_order_id == order.id)).one_or_none()
    if case is None or case.verification != Verification.pending:
        return  # closing a resolved order tells again: the first result stands
    found = order.status in (Status.resolved, Status.closed)
    case.verification = Verification.verified if found else Verification.not_verified
    case.verification_note = (order.reply if found else event.note) or event.note
    case.verified_at = event.at
    if found:
        case.registered_at = event.at  # 立案 on the visit's result; not found: the case may end as 不予立案
        timeliness.on_clock(case, event.at)
