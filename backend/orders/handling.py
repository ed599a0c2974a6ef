"""The squad's handling of an order: accept, assign, start, reply, resolve, close; and what outside orders
need besides: 退单 (return to the source as not ours), 移送 (refer to another department), an extension.

Each step is an event on the order's timeline; a step whose status the source maps (or a reply or an
extension request) is answered back to it through the outbox (backend/orders/answers.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.db import session, utcnow
from backend.errors import Conflict, Invalid
from backend.evidence import operations as evidence_operations
from backend.evidence.models import Evidence, EvidenceKind, Subject
from backend.orders import answers, internal
from backend.orders.models import FINISHED, STATUS_NAMES, Status, WorkOrder, WorkOrderEvent
from backend.org.models import Officer, Role
from backend.org.queries import people
from backend.org.roles import SQUAD_MANAGERS, require
from backend.org.scope import get_visible

MAX_TEXT = 1000
HANDLING = frozenset({Status.assigned, Status.in_progress})

# action: (statuses it may start from, status it leads to, its name in messages)
TRANSITIONS = {
    "accept": ({Status.received}, Status.accepted, "受理"),
    "assign": ({Status.received, Status.accepted, Status.assigned, Status.in_progress}, Status.assigned, "派单"),
    "start": ({Status.assigned}, Status.in_progress, "开始处置"),
    "resolve": (HANDLING, Status.resolved, "办结"),
    "close": ({Status.resolved}, Status.closed, "结案"),
    "return": ({Status.received, Status.accepted}, Status.returned, "退单"),
    "refer": ({Status.received, Status.accepted, Status.assigned}, Status.referred, "移送"),
}
# Who may take each action besides the squad's managers: the officer the order is assigned to.
BY_ASSIGNEE = frozenset({"start", "reply", "resolve", "extension", "evidence"})


def order_for(order_id: int, actor: Officer) -> WorkOrder:
    return get_visible(WorkOrder, order_id, actor, what="工单")


def _may(order: WorkOrder, action: str, actor: Officer) -> None:
    if action in BY_ASSIGNEE and actor.role == Role.officer and order.assignee_id == actor.id:
        return
    require(actor, SQUAD_MANAGERS, "只有中队长或本工单的承办队员可以执行此操作", code="not_handler")


def _text(value: str | None, what: str, code: str) -> str:
    if not value or not value.strip():
        raise Invalid(f"请填写{what}", code=code)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what}不能超过 {MAX_TEXT} 字", code=code)
    return value.strip()


def _move(order: WorkOrder, action: str, actor: Officer, note: str | None = None,
          department: str | None = None) -> WorkOrderEvent:
    _may(order, action, actor)
    allowed, target, name = TRANSITIONS[action]
    if order.status not in allowed:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，不能{name}", code="bad_transition")
    order.status = target
    return _event(order, action, actor, note, department)


def _event(order: WorkOrder, kind: str, actor: Officer, note: str | None = None,
           department: str | None = None) -> WorkOrderEvent:
    event = WorkOrderEvent(order=order, kind=kind, status=order.status, note=note, department=department,
                           actor_id=actor.id, at=utcnow())
    session.add(event)
    session.flush()
    answers.queue_answer(order, event)
    internal.tell(order, event)
    return event


def accept(order: WorkOrder, *, actor: Officer) -> WorkOrder:
    _move(order, "accept", actor)
    order.accepted_at = utcnow()
    return order


def assign(order: WorkOrder, officer_id: int, *, actor: Officer) -> WorkOrder:
    """派单 to an active officer of the order's squad (accepting it first if need be)."""
    officer = session.scalars(select(Officer).where(Officer.id == officer_id, Officer.squad_id == order.squad_id,
                                                    Officer.role == Role.officer,
                                                    Officer.active.is_(True), people())).one_or_none()
    if officer is None:
        raise Invalid("只能派给本中队在职的队员", code="bad_assignee")
    if order.status == Status.received:
        accept(order, actor=actor)
    order.assignee_id = officer.id
    _move(order, "assign", actor, note=f"派给{officer.name}")
    return order


def start(order: WorkOrder, *, actor: Officer) -> WorkOrder:
    _move(order, "start", actor)
    return order


def reply(order: WorkOrder, text: str, *, actor: Officer) -> WorkOrder:
    """A reply to the source (处置进展) while the order is handled; the latest is the order's reply."""
    _may(order, "reply", actor)
    if order.status in FINISHED:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，不能再回复", code="bad_transition")
    order.reply = _text(text, "回复内容", "reply_required")
    _event(order, "reply", actor, order.reply)
    return order


def attach_evidence(order: WorkOrder, *, actor: Officer, media_id: str | None = None,
                    **details) -> tuple[Evidence, bool]:
    """现场取证 while the order is handled, through the evidence pipeline (hashed, chained, watermarked); its
    photos go to the source with the next reply and with the 办结 (backend/orders/answers.py).

    `details` are those of `backend.evidence.operations.submit_evidence`; returns (evidence, whether new)."""
    _may(order, "evidence", actor)
    if order.status not in HANDLING:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，不能上传取证", code="bad_transition")
    evidence, new = evidence_operations.submit_about(actor, Subject.order, str(order.id), media_id=media_id,
                                                     **details)
    if new:
        _event(order, "evidence", actor, "上传了现场" + ("照片" if evidence.kind == EvidenceKind.photo else "视频"))
    return evidence, new


def resolve(order: WorkOrder, text: str, *, actor: Officer) -> WorkOrder:
    """办结 with the reply the source passes on to the reporter."""
    order.reply = _text(text, "办结回复", "reply_required")
    _move(order, "resolve", actor, order.reply)
    order.resolved_at = utcnow()
    return order


def close(order: WorkOrder, *, actor: Officer) -> WorkOrder:
    _move(order, "close", actor)
    order.closed_at = utcnow()
    return order


def return_to_source(order: WorkOrder, reason: str, *, actor: Officer) -> WorkOrder:
    """退单: not the squad's to handle, with the reason the source reads."""
    _move(order, "return", actor, _text(reason, "退单理由", "reason_required"))
    order.assignee_id = None
    return order


def refer(order: WorkOrder, department: str, reason: str | None, *, actor: Officer) -> WorkOrder:
    """移送 to the department whose it is (住建、规划、水务 …)."""
    department = _text(department, "移送部门", "department_required")[:64]
    _move(order, "refer", actor, reason.strip() if reason and reason.strip() else None, department)
    order.assignee_id = None
    return order


def request_extension(order: WorkOrder, until: datetime, reason: str, *, actor: Officer) -> WorkOrder:
    """延期申请 to the source, which decides; the order keeps its deadline until it does."""
    _may(order, "extension", actor)
    if order.status in FINISHED:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，无需延期", code="bad_transition")
    if until <= order.resolve_due_at:
        raise Invalid("申请的期限应晚于现在的办结时限", code="bad_extension")
    order.extension_until = until
    _event(order, "extension", actor, _text(reason, "延期理由", "reason_required"))
    return order
