"""Credit standing (信用): credit penalties (信用惩戒) raise an object's risk one grade; credit repair (信用修复) is
applied for, approved by someone else (CREDIT_REPAIR_APPROVERS, never the applicant) and then lowers it again.
Every step is a row of the grade history with its reason, even where the grade stays (already high, or moved
since by other causes)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.inspections.grades import record_change, stepped
from backend.inspections.models import GRADE_NAMES, CreditPenalty, CreditRepair, RegulatedObject, RepairStatus
from backend.org.models import Officer
from backend.org.roles import CREDIT_REPAIR_APPROVERS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible


def _reason(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid(f"{what}须写明理由", code="reason_required")
    return text


def record_penalty(actor: Officer, object_id: int, *, reason: str, decided_on: date) -> CreditPenalty:
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以登记信用惩戒")
    reason = _reason(reason, "信用惩戒")
    if decided_on > local_day():
        raise Invalid("惩戒决定日期不能晚于今天", code="date_in_future")
    raised = stepped(item.grade, 1)
    penalty = CreditPenalty(object_id=item.id, squad_id=item.squad_id, reason=reason, decided_on=decided_on,
                            raised_to=raised if raised != item.grade else None, recorded_by_id=actor.id)
    session.add(penalty)
    kept = "" if penalty.raised_to else f"（已为{GRADE_NAMES[item.grade]}，等级不变）"
    record_change(item, raised, f"信用惩戒：{reason}{kept}", actor.id)
    return penalty


def penalties(actor: Officer, object_id: int) -> list[CreditPenalty]:
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    return list(session.scalars(select(CreditPenalty).where(CreditPenalty.object_id == item.id)
                                .order_by(CreditPenalty.id)))


def apply_for_repair(actor: Officer, penalty_id: int, *, reason: str) -> CreditRepair:
    """Record the business's application for credit repair of a penalty (one open application at a time)."""
    penalty = get_visible(CreditPenalty, penalty_id, actor, what="信用惩戒")
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以提交信用修复申请")
    reason = _reason(reason, "信用修复申请")
    if penalty.repaired_at is not None:
        raise Conflict("该信用惩戒已修复", code="already_repaired")
    if any(repair.status == RepairStatus.pending for repair in penalty.repairs):
        raise Conflict("该信用惩戒已有待审批的修复申请", code="repair_pending")
    repair = CreditRepair(penalty=penalty, squad_id=penalty.squad_id, reason=reason, applied_by_id=actor.id)
    session.add(repair)
    session.flush()
    return repair


def decide_repair(actor: Officer, repair_id: int, *, approve: bool, note: str) -> CreditRepair:
    """Approve (the penalty is repaired and the grade it raised comes down one) or reject an application."""
    repair = get_visible(CreditRepair, repair_id, actor, what="信用修复申请")
    require(actor, CREDIT_REPAIR_APPROVERS, "只有区局管理员可以审批信用修复")
    if repair.applied_by_id == actor.id:
        raise Forbidden("申请人不能审批自己提交的信用修复申请", code="own_application")
    if repair.status != RepairStatus.pending:
        raise Conflict("该信用修复申请已审批", code="already_decided")
    note = note.strip()
    if not approve and not note:
        raise Invalid("不予修复须写明理由", code="reason_required")
    repair.status = RepairStatus.approved if approve else RepairStatus.rejected
    repair.decided_by_id, repair.decided_at, repair.decision_note = actor.id, utcnow(), note or None
    if approve:
        penalty = repair.penalty
        penalty.repaired_at = repair.decided_at
        item = session.get(RegulatedObject, penalty.object_id)
        lowered = stepped(item.grade, -1) if penalty.raised_to == item.grade else item.grade
        kept = "" if lowered != item.grade else "（该惩戒未提高等级或等级已另行调整，等级不变）"
        record_change(item, lowered, f"信用修复（{actor.name}批准）：{repair.reason}{kept}", actor.id)
    session.flush()
    return repair
