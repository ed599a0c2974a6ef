"""A non-site case's legal steps: 立案 → 法制审核 → 告知 → 陈述申辩期 → 决定 → 送达 → 缴款 → 结案.

Each step checks the state it starts from; the notice and the decision go to the party on 随申办 through
the outbox, and 随申办's signed callbacks report delivery and payment."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from backend import outbox
from backend.config import settings
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.nonsite.models import CASE_STATE_NAMES, DOCUMENT_NAMES, CaseDocument, CaseState, DocumentKind, NonsiteCase
from backend.org.models import Officer, Squad
from backend.org.roles import LEGAL_REVIEWERS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible

NUMBER_MARKS = {DocumentKind.notice: "告", DocumentKind.decision: "罚"}


def _case(actor: Officer, case_id: int, *states: CaseState) -> NonsiteCase:
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if case.state not in states:
        raise Conflict(f"案件当前为“{CASE_STATE_NAMES[case.state]}”，不能进行此步骤", code="wrong_state")
    return case


def submit_for_review(actor: Officer, case_id: int, *, facts: str, legal_basis: str, fine: int) -> NonsiteCase:
    """The handler sets out the facts, the legal basis and the proposed fine, and asks for 法制审核."""
    require(actor, SQUAD_MANAGERS)
    case = _case(actor, case_id, CaseState.registered)
    case.facts, case.legal_basis, case.fine = facts, legal_basis, fine
    case.submitted_by, case.state = actor.id, CaseState.in_review
    return case


def review(actor: Officer, case_id: int, *, approve: bool, comment: str) -> NonsiteCase:
    """法制审核: approve (the notice goes to the party) or return with the reasons. Only a legal reviewer, who
    can never have submitted the case (submitting is the squad's)."""
    require(actor, LEGAL_REVIEWERS, "法制审核由区局法制审核员进行", code="not_legal_reviewer")
    case = _case(actor, case_id, CaseState.in_review)
    case.reviewed_by, case.review_comment = actor.id, comment
    if not approve:
        case.state = CaseState.registered
        return case
    _send(case, DocumentKind.notice, {"proposed_fine": case.fine,
                                      "statement_working_days": settings().NONSITE_STATEMENT_WORKING_DAYS})
    case.state = CaseState.notice_sent
    return case


def decide(actor: Officer, case_id: int, now: datetime | None = None) -> NonsiteCase:
    """The decision (行政处罚决定书), once the statement period has ended."""
    require(actor, SQUAD_MANAGERS)
    case = _case(actor, case_id, CaseState.statement)
    if (now or utcnow()) < case.statement_due_at:
        raise Conflict(f"陈述申辩期至 {case.statement_due_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 止，期满后方可决定",
                       code="statement_period_open")
    _send(case, DocumentKind.decision, {"fine": case.fine})
    case.state = CaseState.decided
    return case


def close(actor: Officer, case_id: int) -> NonsiteCase:
    require(actor, SQUAD_MANAGERS)
    case = _case(actor, case_id, CaseState.paid)
    case.state, case.closed_at = CaseState.closed, utcnow()
    return case


def _number(case: NonsiteCase, kind: DocumentKind, squad: Squad) -> str:
    """文号, numbered per district, kind and year: 静安城管非现告〔2026〕第 12 号."""
    year = local_day().year
    stem = f"{squad.district.name}城管非现{NUMBER_MARKS[kind]}〔{year}〕"
    taken = session.scalar(select(func.count()).where(CaseDocument.kind == kind,
                                                      CaseDocument.number.like(f"{stem}%")))
    return f"{stem}第{taken + 1}号"


def _send(case: NonsiteCase, kind: DocumentKind, terms: dict) -> CaseDocument:
    """Write the document (content hashed) and queue it to the party on 随申办 in the same transaction."""
    squad = session.get(Squad, case.squad_id)
    alert = case.alert
    content = {"kind": kind.value, "title": DOCUMENT_NAMES[kind], "number": _number(case, kind, squad),
               "party": alert.plate or alert.shop, "facts": case.facts, "legal_basis": case.legal_basis,
               "place": alert.place, "occurred_at": alert.occurred_at.isoformat(), **terms}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    document = CaseDocument(case=case, kind=kind, number=content["number"], content=content, sha256=digest)
    session.add(document)
    outbox.enqueue("suishenban.document", district_id=squad.district_id, recipients=[content["party"]],
                   title=f"{DOCUMENT_NAMES[kind]} {content['number']}", payload={**content, "sha256": digest})
    return document


def _working_days_after(moment: datetime, days: int) -> datetime:
    """The end of the `days`-th working day (Monday to Friday) after the day of `moment`, Shanghai time."""
    day = moment.astimezone(LOCAL_TZ).date()
    while days:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return datetime.combine(day + timedelta(days=1), time.min, LOCAL_TZ)


def callback(*, event: str, number: str, at: datetime, amount: int | None = None) -> CaseDocument:
    """随申办 reports a document delivered (送达) or the fine paid (缴款)."""
    document = session.scalars(select(CaseDocument).where(CaseDocument.number == number)).first()
    if document is None:
        raise NotFound(f"未发出过文号为 {number} 的文书", code="unknown_document")
    case = document.case
    if event == "delivered":
        if document.delivered_at is not None:
            return document  # a repeated callback
        expected = {DocumentKind.notice: CaseState.notice_sent, DocumentKind.decision: CaseState.decided}[document.kind]
        if case.state != expected:
            raise Conflict("案件状态与该送达回执不符", code="wrong_state")
        document.delivered_at = at
        if document.kind == DocumentKind.notice:
            case.state = CaseState.statement
            case.statement_due_at = _working_days_after(at, settings().NONSITE_STATEMENT_WORKING_DAYS)
        else:
            case.state = CaseState.served
        return document
    if document.kind != DocumentKind.decision or case.state != CaseState.served:
        raise Conflict("该案件不在待缴款状态（未送达决定书、已缴款或已结案）", code="not_payable")
    if amount != case.fine:
        raise Invalid(f"缴款金额 {amount} 元与决定的罚款 {case.fine} 元不符", code="wrong_amount")
    case.paid_amount, case.state = amount, CaseState.paid
    return document
