"""A non-site case's legal steps: 立案 → 法制审核 → 告知 → 陈述申辩期 → 决定 → 送达 → 缴款 → 结案.

Each step checks the state it starts from; the notice and the decision go to the party on 随申办 through
the outbox, and 随申办's signed callbacks report delivery and payment."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from backend import outbox
from backend.config import settings
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.evidence import chain
from backend.evidence.models import Subject
from backend.evidence.operations import submit_evidence
from backend.files import store
from backend.nonsite import calendar, operations, pdf, timeliness
from backend.nonsite.models import (
    CASE_STATE_NAMES,
    CHANNEL_NAMES,
    DOCUMENT_NAMES,
    ENDING_NAMES,
    Alert,
    CaseDocument,
    CaseState,
    CaseStep,
    Channel,
    DocumentCounter,
    DocumentKind,
    NonsiteCase,
    PostMethod,
    StepKind,
    Verification,
    ViolationKind,
)
from backend.org.models import Officer, Squad
from backend.org.roles import LEGAL_REVIEWERS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible

# Cases ended before their notice (不予立案, 撤案, or awaiting its approval): the party was never told.
NOT_NOTIFIED = (CaseState.ending, CaseState.not_registered, CaseState.withdrawn)
NUMBER_MARKS = {DocumentKind.notice: "告", DocumentKind.decision: "罚"}


def case_in(actor: Officer, case_id: int, *states: CaseState) -> NonsiteCase:
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if case.state not in states:
        raise Conflict(f"案件当前为“{CASE_STATE_NAMES[case.state]}”，不能进行此步骤", code="wrong_state")
    return case


def ending_pending(case: NonsiteCase) -> bool:
    """A proposal to end the case (不予立案, 撤案, 告知后不予处罚, 撤销处罚决定) waits for its legal reviewer."""
    return case.ending_proposed_at is not None and case.ending_reviewed_at is None


def not_pending(case: NonsiteCase) -> NonsiteCase:
    if ending_pending(case):
        raise Conflict(f"该案件已提出{ENDING_NAMES[case.ending]}，待法制审核员审批，审批前不能进行此步骤",
                       code="ending_pending")
    return case


def record_step(case: NonsiteCase, step: StepKind, actor: Officer, at: datetime, *, note: str | None,
                approved: bool | None = None) -> None:
    """Keep this submission or review in the case's history (the timeline lists every one)."""
    ending = case.ending if step in (StepKind.ending_proposed, StepKind.ending_reviewed) else None
    case.steps.append(CaseStep(step=step, at=at, officer_id=actor.id, approved=approved, ending=ending,
                               note=note and note[:1000]))


# Administrative Penalty Law art. 64 and 85: a hearing is asked for within five days of the notice, working days.
HEARING_WORKING_DAYS = 5


def _first_offence(case: NonsiteCase, now: datetime) -> bool:
    """首违不罚: the kind forgives a first violation, and the party (or, unregistered, the plate or shop) has
    no other case of the kind opened within the kind's period that went as far as a notice."""
    alert = case.alert
    days = session.get(ViolationKind, alert.kind).first_offence_days
    if days is None:
        return False
    same_party = (NonsiteCase.party_id == case.party_id if case.party_id is not None else
                  Alert.plate == alert.plate if alert.plate is not None else Alert.shop == alert.shop)
    earlier = session.scalar(select(func.count()).select_from(NonsiteCase).join(Alert).where(
        same_party, Alert.kind == alert.kind, NonsiteCase.id != case.id,
        NonsiteCase.opened_at >= now - timedelta(days=days),
        NonsiteCase.state.not_in([CaseState.registered, CaseState.in_review, *NOT_NOTIFIED])))
    return earlier == 0


def submit_for_review(actor: Officer, case_id: int, *, facts: str, legal_basis: str, fine: int) -> NonsiteCase:
    """The handler sets out the facts, the legal basis and the proposed fine, and asks for 法制审核. A first
    violation the kind forgives (首违不罚) is proposed as a warning, no fine; a fine at or above
    NONSITE_HEARING_FINE gives the party the right to a hearing (听证)."""
    require(actor, SQUAD_MANAGERS)
    case = case_in(actor, case_id, CaseState.registered)
    if _recipient(case) is None:
        raise Conflict("告警未识别出车牌或商户，无法确定当事人", code="no_party")
    if case.verification == Verification.pending:
        raise Conflict(f"待现场核实（工单 {case.verification_order_id}），核实后方可提交法制审核",
                       code="awaiting_verification")
    if case.verification == Verification.not_verified:
        raise Conflict(f"现场未能核实：{case.verification_note or ''}", code="not_verified")
    case.first_offence = _first_offence(case, utcnow())
    case.facts, case.legal_basis, case.fine = facts, legal_basis, 0 if case.first_offence else fine
    case.hearing_offered = case.fine >= settings().NONSITE_HEARING_FINE
    case.submitted_by, case.submitted_at, case.state = actor.id, utcnow(), CaseState.in_review
    record_step(case, StepKind.submitted, actor, case.submitted_at, note=f"{_penalty(case)}；{facts}")
    return case


def review(actor: Officer, case_id: int, *, approve: bool, comment: str) -> NonsiteCase:
    """法制审核: approve (the notice goes to the party) or return with the reasons. Only a legal reviewer, who
    can never have submitted the case (submitting is the squad's)."""
    require(actor, LEGAL_REVIEWERS, "法制审核由区局法制审核员进行", code="not_legal_reviewer")
    case = case_in(actor, case_id, CaseState.in_review)
    case.reviewed_by, case.reviewed_at, case.review_comment = actor.id, utcnow(), comment
    record_step(case, StepKind.reviewed, actor, case.reviewed_at, note=comment, approved=approve)
    if not approve:
        case.state = CaseState.registered
        return case
    terms = {"proposed_penalty": _penalty(case), "proposed_fine": case.fine,
             "statement_working_days": settings().NONSITE_STATEMENT_WORKING_DAYS,
             "hearing_working_days": HEARING_WORKING_DAYS if case.hearing_offered else None}
    _send(case, DocumentKind.notice, terms)
    case.state = CaseState.notice_sent
    return case


def _penalty(case: NonsiteCase) -> str:
    return "警告（首次违法，不予罚款）" if case.first_offence else f"罚款人民币 {case.fine} 元"


def decide(actor: Officer, case_id: int, now: datetime | None = None) -> NonsiteCase:
    """The decision (行政处罚决定书), once the statement period has ended."""
    require(actor, SQUAD_MANAGERS)
    case = not_pending(case_in(actor, case_id, CaseState.statement))
    if (now or utcnow()) < case.statement_due_at:
        raise Conflict(f"陈述申辩期至 {case.statement_due_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 止，期满后方可决定",
                       code="statement_period_open")
    _send(case, DocumentKind.decision, {"penalty": _penalty(case), "fine": case.fine},
          payable=not case.first_offence)
    case.state = CaseState.decided
    return case


def close(actor: Officer, case_id: int) -> NonsiteCase:
    """结案: once the fine is paid, or once a warning (首违不罚) has been served."""
    require(actor, SQUAD_MANAGERS)
    case = not_pending(get_visible(NonsiteCase, case_id, actor, what="案件"))
    if not (case.state == CaseState.paid or case.state == CaseState.served and case.first_offence):
        raise Conflict(f"案件当前为“{CASE_STATE_NAMES[case.state]}”，尚不能结案", code="wrong_state")
    case.state, case.closed_at = CaseState.closed, utcnow()
    timeliness.on_clock(case, case.closed_at)
    return case


def _number(case: NonsiteCase, kind: DocumentKind, squad: Squad) -> str:
    """文号, numbered per district, kind and year: 静安城管非现告〔2026〕第 12 号."""
    year = local_day().year
    return f"{squad.district.name}城管非现{NUMBER_MARKS[kind]}〔{year}〕第{_next(squad.district_id, kind, year)}号"


def _next(district_id: int, kind: DocumentKind, year: int) -> int:
    """The next number of the district's counter for the kind and year, in one statement (INSERT … ON CONFLICT
    DO UPDATE … RETURNING). PostgreSQL keeps the counter's row locked until this transaction ends, so a second
    document issued at once waits and takes the number after; SQLite's writers hold the database's write lock
    from their first statement (BEGIN IMMEDIATE). A rolled-back issue rolls its number back with it."""
    counter = DocumentCounter.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    return session.scalar(insert(counter).values(district_id=district_id, kind=kind, year=year, last=1)
                          .on_conflict_do_update(index_elements=[counter.c.district_id, counter.c.kind, counter.c.year],
                                                 set_={"last": counter.c.last + 1})
                          .returning(counter.c.last))


def _party(case: NonsiteCase) -> dict:
    """The party as the documents name it: from the registry, else the plate or shop seen."""
    party, alert = case.party, case.alert
    if party is None and case.object is not None:  # the shop's business in the registry of regulated objects
        return {"name": case.object.name, "credit_code": case.object.credit_code, "plate": None}
    if party is None:
        return {"name": alert.plate or alert.shop, "plate": alert.plate}
    return {"name": party.name, "credit_code": party.credit_code, "plate": alert.plate}


def _recipient(case: NonsiteCase) -> str:
    """Whom 随申办 delivers to: the credit code of a registered company or of the shop's regulated object, else
    the plate or shop."""
    return ((case.party and case.party.credit_code) or (case.object and case.object.credit_code) or case.alert.plate
            or case.alert.shop)


def _send(case: NonsiteCase, kind: DocumentKind, terms: dict, payable: bool = False) -> CaseDocument:
    """Write the document (content hashed) and queue it to the party in the same transaction: on 随申办, or
    by SMS where the registered party has no 随申办 account."""
    squad = session.get(Squad, case.squad_id)
    alert = case.alert
    number = _number(case, kind, squad)
    if payable:  # 缴款编号: 18 digits from the decision's number, one per decision
        terms = {**terms, "payment_reference": f"{int(hashlib.sha256(number.encode()).hexdigest(), 16) % 10**18:018d}"}
    content = {"kind": kind.value, "title": DOCUMENT_NAMES[kind], "number": number,
               "party": _party(case), "facts": case.facts, "legal_basis": case.legal_basis,
               "place": alert.place, "occurred_at": alert.occurred_at.isoformat(), **terms}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    issued = pdf.render(content, squad.district.name)
    issued_sha256 = pdf.sha256(issued)
    document = CaseDocument(case=case, kind=kind, number=content["number"], content=content, sha256=digest,
                            pdf_key=pdf.storage_key(issued_sha256), pdf_sha256=issued_sha256,
                            seal=pdf.sign(issued_sha256))
    store([(document.pdf_key, issued, "application/pdf")])
    session.add(document)
    if case.party is not None and not case.party.suishenban_account:
        _text(document, squad.district_id)
    else:
        outbox.enqueue("suishenban.document", district_id=squad.district_id, recipients=[_recipient(case)],
                       title=f"{DOCUMENT_NAMES[kind]} {content['number']}",
                       payload={**content, "sha256": digest, "pdf_sha256": document.pdf_sha256, "seal": document.seal,
                                "pdf_key": document.pdf_key})  # the PDF is read from storage when sent
    return document


def _text(document: CaseDocument, district_id: int) -> None:
    """Queue the SMS fallback: the document's title and number, where to read it; no personal data."""
    document.channel = Channel.sms
    title = f"{DOCUMENT_NAMES[document.kind]} {document.number}"
    outbox.enqueue("nonsite.sms", district_id=district_id, recipients=[document.number], title=title, payload={
        "text": f"【城管执法】您有一份{title}，请携身份证件至执法机关或登录一网通办查阅。"})


DELIVERY_EVENTS = ("delivered", "signed", "refused")
# The case's state while a document of each kind waits for its delivery.
AWAITING_DELIVERY = {DocumentKind.notice: CaseState.notice_sent, DocumentKind.decision: CaseState.decided}


def callback(*, event: str, number: str, at: datetime, amount: int | None = None, text: str | None = None,
             attachments: list[dict] | None = None, channel: Channel = Channel.suishenban) -> CaseDocument:
    """A channel reports on a document: delivered (送达), signed for (签收, which is delivery too), refused
    (拒绝签收: the document reached the party on 随申办, so it is delivered all the same, the refusal noted),
    undeliverable (the SMS fallback is queued), the party's statement (陈述申辩), or the fine paid (缴款)."""
    document = session.scalars(select(CaseDocument).where(CaseDocument.number == number)).first()
    if document is None:
        raise NotFound(f"未发出过文号为 {number} 的文书", code="unknown_document")
    case = document.case
    if event in DELIVERY_EVENTS:
        _delivered(case, document, at, channel)
        if event == "signed" and document.refused_at is None:
            document.signed_at = document.signed_at or at
        if event == "refused" and document.signed_at is None:
            document.refused_at = document.refused_at or at
        return document
    if event == "undeliverable":
        if document.delivered_at is not None or document.channel != Channel.suishenban:
            raise Conflict("该文书已送达或已改用短信送达", code="fallback_not_needed")
        _text(document, _district(case))
        return document
    if event == "statement":
        _statement(case, document, at, text, attachments or [])
        return document
    if document.kind != DocumentKind.decision or case.state != CaseState.served:
        raise Conflict("该案件不在待缴款状态（未送达决定书、已缴款或已结案）", code="not_payable")
    not_pending(case)  # a revocation waits: 随申办 retries the payment once it is decided
    due = amount_due(case, at)
    if amount != due:
        raise Invalid(f"应缴金额 {due} 元（罚款 {case.fine} 元，加处罚款 {due - case.fine} 元），实缴 {amount} 元",
                      code="wrong_amount")
    case.paid_amount, case.paid_at, case.state = amount, at, CaseState.paid
    return document


def _delivered(case: NonsiteCase, document: CaseDocument, at: datetime, channel: Channel) -> None:
    if document.delivered_at is not None:
        return  # a repeated receipt
    if case.state != AWAITING_DELIVERY[document.kind]:
        raise Conflict("案件状态与该送达回执不符", code="wrong_state")
    if channel != document.channel:
        raise Conflict(f"该文书未经{CHANNEL_NAMES[channel]}发出", code="wrong_channel")
    document.delivered_at = at
    if document.kind == DocumentKind.notice:
        case.state = CaseState.statement
        days = settings().NONSITE_STATEMENT_WORKING_DAYS
        case.statement_due_at = calendar.working_days_after(
            _district(case), at, max(days, HEARING_WORKING_DAYS) if case.hearing_offered else days)
    else:
        case.state = CaseState.served


def _statement(case: NonsiteCase, document: CaseDocument, at: datetime, text: str | None,
               attachments: list[dict]) -> None:
    """陈述申辩 within the period, once: its text kept, its images locked in the camera's evidence chain."""
    if document.kind != DocumentKind.notice or case.state != CaseState.statement or at >= case.statement_due_at:
        raise Conflict("不在陈述申辩期内（告知书未送达或期限已满）", code="not_in_statement_period")
    if case.statement_at is not None:
        raise Conflict("当事人已提交陈述申辩", code="statement_given")
    if not text:
        raise Invalid("陈述申辩须有文字内容", code="statement_empty")
    images = operations.gather_media("suishenban", attachments)
    camera = case.alert.camera
    chain.lock_chains(camera.officer_id)
    for index, image in enumerate(images, start=1):
        submit_evidence(camera.officer, client_id=f"nonsite-statement-{case.id}-{index}", data=image.data,
                        content_type=image.content_type, captured_at=at, lat=camera.lat, lng=camera.lng,
                        place=case.alert.place, subject_type=Subject.statement, subject_ref=str(case.id),
                        checked=image.checked)
    case.statement_text, case.statement_at = text, at


def post(actor: Officer, document_id: int, *, method: PostMethod, tracking_number: str) -> CaseDocument:
    """邮寄: the squad posts a document not delivered electronically (随申办 and SMS failed, or the party has
    neither), recording the method and tracking number; it is delivered when its 送达回证 is confirmed."""
    require(actor, SQUAD_MANAGERS)
    found = document(actor, document_id)
    if found.delivered_at is not None:
        raise Conflict("该文书已送达，无需邮寄", code="already_delivered")
    if found.post_method is not None:
        raise Conflict(f"该文书已于 {local_day(found.posted_at)} 邮寄（{found.tracking_number}）",
                       code="already_posted")
    if found.case.state != AWAITING_DELIVERY[found.kind]:
        raise Conflict("案件状态与该文书不符", code="wrong_state")
    found.channel, found.post_method, found.tracking_number = Channel.post, method, tracking_number
    found.posted_at, found.posted_by = utcnow(), actor.id
    return found


def confirm_receipt(actor: Officer, document_id: int, *, received_on: date) -> CaseDocument:
    """The 送达回证 came back: the date the party signed it is the document's delivery, which starts the
    statement period (a notice) or the payment period (a decision) as an electronic delivery does."""
    require(actor, SQUAD_MANAGERS)
    found = document(actor, document_id)
    if found.post_method is None:
        raise Conflict("该文书未邮寄，不能确认邮寄送达", code="not_posted")
    if found.delivered_at is not None:
        raise Conflict(f"该文书已于 {local_day(found.delivered_at)} 送达", code="already_delivered")
    if received_on < local_day(found.posted_at):
        raise Invalid("送达回证日期早于邮寄日期", code="receipt_before_posting")
    if received_on > local_day(utcnow()):
        raise Invalid("送达回证日期晚于今天", code="receipt_in_future")
    _delivered(found.case, found, datetime.combine(received_on, time.min, LOCAL_TZ), Channel.post)
    found.receipt_on, found.receipt_confirmed_by = received_on, actor.id
    return found


# Administrative Penalty Law art. 67: paid within fifteen days of receiving the decision; art. 72: after that,
# 3% of the fine a day (加处罚款), never more than the fine. Law, not settings.
PAYMENT_DAYS, SURCHARGE_PERCENT_A_DAY = 15, 3


def payment_due_on(case: NonsiteCase) -> date | None:
    """The last day to pay without surcharge: fifteen days after the day the decision was delivered."""
    decision = next((d for d in case.documents if d.kind == DocumentKind.decision and d.delivered_at), None)
    if decision is None or case.first_offence:
        return None
    return decision.delivered_at.astimezone(LOCAL_TZ).date() + timedelta(days=PAYMENT_DAYS)


def surcharge(case: NonsiteCase, at: datetime) -> int:
    """加处罚款 at `at`: 3% of the fine for each day past the due day, whole yuan rounded down, at most the fine."""
    due_on = payment_due_on(case)
    if due_on is None:
        return 0
    late_days = max(0, (at.astimezone(LOCAL_TZ).date() - due_on).days)
    return min(case.fine, case.fine * SURCHARGE_PERCENT_A_DAY * late_days // 100)


def payment_overdue(case: NonsiteCase, at: datetime) -> bool:
    """Unpaid past the due day (加处罚款 running): flagged on the case."""
    due_on = payment_due_on(case)
    return due_on is not None and case.paid_at is None and at.astimezone(LOCAL_TZ).date() > due_on


def amount_due(case: NonsiteCase, at: datetime) -> int:
    return case.fine + surcharge(case, at)


MAX_PDF_BYTES = 2_000_000  # far above any document we issue


def document(actor: Officer, document_id: int) -> CaseDocument:
    found = session.get(CaseDocument, document_id)
    if found is None:
        raise NotFound("文书不存在或不在您的管辖范围内", code="not_found")
    get_visible(NonsiteCase, found.case_id, actor, what="文书")
    return found


def verify_pdf(data: bytes) -> dict:
    """Whether `data` is a PDF we issued, unchanged: its hash is a document's and the seal signs it."""
    if len(data) > MAX_PDF_BYTES:
        raise Invalid("文件过大，不是本局签发的文书", code="file_too_large")
    digest = pdf.sha256(data)
    found = session.scalars(select(CaseDocument).where(CaseDocument.pdf_sha256 == digest)).first()
    valid = found is not None and pdf.verify(digest, found.seal)
    return {"valid": valid, "number": found.number if valid else None, "pdf_sha256": digest}


def _district(case: NonsiteCase) -> int:
    return session.get(Squad, case.squad_id).district_id
