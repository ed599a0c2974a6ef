"""Ending a case without a decision: 不予立案 (before 立案: the visit did not verify the alert) or 撤案 (after
立案: the facts do not hold, the party cannot be found …).

The squad proposes it with its reason; a legal reviewer (法制审核员), never the proposer, approves it or sends
it back. Approved, the case is over and goes on the supervision domain's 两超期两随意 clock as a withdrawal
with its reason and approver, which is what tells an ordinary withdrawal from 随意撤案. Only a case still at
立案 (no notice sent) can end this way: after the notice the party has been told, and a penalty not imposed
ends by the decision's own steps."""
from __future__ import annotations

from backend.db import utcnow
from backend.errors import Conflict
from backend.nonsite import timeliness
from backend.nonsite.legal import case_in, record_step
from backend.nonsite.models import ENDING_NAMES, CaseState, Ending, NonsiteCase, StepKind, Verification
from backend.org.models import Officer
from backend.org.roles import LEGAL_REVIEWERS, SQUAD_MANAGERS, require

ENDED = (CaseState.not_registered, CaseState.withdrawn)


def propose(actor: Officer, case_id: int, *, reason: str) -> NonsiteCase:
    """Ask for 不予立案 (the case is not 立案) or 撤案 (it is), with the reason, for a legal reviewer to approve."""
    require(actor, SQUAD_MANAGERS)
    case = case_in(actor, case_id, CaseState.registered)
    if case.verification == Verification.pending:
        raise Conflict(f"待现场核实（工单 {case.verification_order_id}），核实后方可决定是否立案",
                       code="awaiting_verification")
    case.ending = Ending.not_registered if case.registered_at is None else Ending.withdrawn
    case.ending_reason, case.ending_proposed_by, case.ending_proposed_at = reason, actor.id, utcnow()
    case.ending_reviewed_by = case.ending_reviewed_at = case.ending_comment = None
    case.state = CaseState.ending
    record_step(case, StepKind.ending_proposed, actor, case.ending_proposed_at, note=reason)
    return case


def review(actor: Officer, case_id: int, *, approve: bool, comment: str) -> NonsiteCase:
    """Approve the 不予立案 or 撤案 (the case ends; the clock records the withdrawal with reason and approver) or
    send it back to 立案 with the comment. A legal reviewer, not the officer who proposed it."""
    require(actor, LEGAL_REVIEWERS, "不予立案、撤案须经区局法制审核员审批", code="not_legal_reviewer")
    case = case_in(actor, case_id, CaseState.ending)
    if case.ending_proposed_by == actor.id:
        raise Conflict(f"{ENDING_NAMES[case.ending]}的审批人不能是提出人", code="approver_is_proposer")
    now = utcnow()
    case.ending_reviewed_by, case.ending_reviewed_at, case.ending_comment = actor.id, now, comment
    record_step(case, StepKind.ending_reviewed, actor, now, note=comment, approved=approve)
    if not approve:
        case.state = CaseState.registered
        return case
    case.ended_at = now
    case.state = CaseState.not_registered if case.ending == Ending.not_registered else CaseState.withdrawn
    timeliness.on_clock(case, now)
    return case
