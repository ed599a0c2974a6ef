"""Ending a case without a penalty, always proposed by the squad with its reason and approved (or sent back) by a
legal reviewer (法制审核员) who is not the proposer:

- 不予立案 (before 立案: the visit did not verify the alert) or 撤案 (after 立案), both before the notice: the case
  waits in the state `ending`, and goes back to 立案 if sent back;
- 告知后不予处罚 (`drop`): after the notice and before the decision — the party's statement or new facts show no
  penalty is due; the case keeps its step while the proposal waits (a delivery or a statement still lands), but
  no decision is made meanwhile;
- 撤销处罚决定 (`revoke`): after the decision (issued, served or paid; a paid fine is then owed back) — the case
  keeps its step while the proposal waits, but takes no payment and does not close meanwhile.

One proposal at a time (409 `ending_pending`). Approved, the case is over: it goes on the supervision domain's
两超期两随意 clock as a withdrawal with its reason and approver (not 随意撤案), and its case file is frozen."""
from __future__ import annotations

from backend.db import utcnow
from backend.errors import Conflict
from backend.nonsite import timeliness
from backend.nonsite.legal import case_in, ending_pending, record_step
from backend.nonsite.models import (
    CASE_STATE_NAMES,
    ENDING_NAMES,
    CaseState,
    Ending,
    NonsiteCase,
    StepKind,
    Verification,
)
from backend.org.models import Officer
from backend.org.roles import LEGAL_REVIEWERS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible

ENDED = (CaseState.not_registered, CaseState.withdrawn, CaseState.dropped, CaseState.revoked)
# 告知后不予处罚 from the notice until the decision; 撤销处罚决定 from the decision until 结案
DROPPABLE = (CaseState.notice_sent, CaseState.statement)
REVOCABLE = (CaseState.decided, CaseState.served, CaseState.paid)
ENDED_AS = {Ending.not_registered: CaseState.not_registered, Ending.withdrawn: CaseState.withdrawn,
            Ending.dropped: CaseState.dropped, Ending.revoked: CaseState.revoked}


def propose(actor: Officer, case_id: int, *, reason: str) -> NonsiteCase:
    """Ask for 不予立案 (the case is not 立案) or 撤案 (it is), with the reason, for a legal reviewer to approve."""
    require(actor, SQUAD_MANAGERS)
    case = case_in(actor, case_id, CaseState.registered)
    if case.verification == Verification.pending:
        raise Conflict(f"待现场核实（工单 {case.verification_order_id}），核实后方可决定是否立案",
                       code="awaiting_verification")
    _proposed(actor, case, Ending.not_registered if case.registered_at is None else Ending.withdrawn, reason)
    case.state = CaseState.ending
    return case


def drop(actor: Officer, case_id: int, *, reason: str) -> NonsiteCase:
    """告知后不予处罚: after the notice, before the decision; for a legal reviewer to approve."""
    return _propose_after_notice(actor, case_id, Ending.dropped, DROPPABLE, "告知书发出后、作出处罚决定前", reason)


def revoke(actor: Officer, case_id: int, *, reason: str) -> NonsiteCase:
    """撤销处罚决定: after the decision, before 结案; for a legal reviewer to approve."""
    return _propose_after_notice(actor, case_id, Ending.revoked, REVOCABLE, "处罚决定作出后、结案前", reason)


def _propose_after_notice(actor: Officer, case_id: int, kind: Ending, states: tuple, when: str,
                          reason: str) -> NonsiteCase:
    require(actor, SQUAD_MANAGERS)
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if ending_pending(case):
        raise Conflict(f"该案件已提出{ENDING_NAMES[case.ending]}，待法制审核员审批", code="ending_pending")
    if case.state not in states:
        raise Conflict(f"案件当前为“{CASE_STATE_NAMES[case.state]}”，{ENDING_NAMES[kind]}只能在{when}提出",
                       code="wrong_state")
    _proposed(actor, case, kind, reason)
    return case


def _proposed(actor: Officer, case: NonsiteCase, kind: Ending, reason: str) -> None:
    case.ending = kind
    case.ending_reason, case.ending_proposed_by, case.ending_proposed_at = reason, actor.id, utcnow()
    case.ending_reviewed_by = case.ending_reviewed_at = case.ending_comment = None
    record_step(case, StepKind.ending_proposed, actor, case.ending_proposed_at, note=reason)


def review(actor: Officer, case_id: int, *, approve: bool, comment: str) -> NonsiteCase:
    """Approve the proposed ending (the case ends; the clock records the withdrawal with reason and approver) or
    send it back (不予立案/撤案: to 立案; 告知后不予处罚/撤销: the case goes on from its step). A legal reviewer, not
    the officer who proposed it."""
    require(actor, LEGAL_REVIEWERS, "不予立案、撤案、告知后不予处罚与撤销处罚决定须经区局法制审核员审批",
            code="not_legal_reviewer")
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if not ending_pending(case):
        case_in(actor, case_id, CaseState.ending)  # refused with the case's step: nothing to approve
    if case.ending_proposed_by == actor.id:
        raise Conflict(f"{ENDING_NAMES[case.ending]}的审批人不能是提出人", code="approver_is_proposer")
    now = utcnow()
    case.ending_reviewed_by, case.ending_reviewed_at, case.ending_comment = actor.id, now, comment
    record_step(case, StepKind.ending_reviewed, actor, now, note=comment, approved=approve)
    if not approve:
        if case.state == CaseState.ending:
            case.state = CaseState.registered
        return case
    case.ended_at = now
    case.state = ENDED_AS[case.ending]
    timeliness.on_clock(case, now)
    return case
