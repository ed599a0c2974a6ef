"""Cameras, the kinds of violation they report, the alerts they send and how a reviewer judged each one."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Enum, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.inspections.models import RegulatedObject
from backend.org.models import DistrictRecord, Officer, Squad


class ViolationKind(Base):
    """A kind of violation a camera may report (渣土车未密闭, 跨门营业 …): data, added as the platform learns more."""

    __tablename__ = "nonsite_kind"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # 首违不罚: a party's first violation of this kind within so many days ends with a warning, not a fine
    # (None: every violation is fined). The seeds name the rule, not the kinds nor the period: example defaults.
    first_offence_days: Mapped[int | None] = mapped_column(Integer)
    first_offence_example_default: Mapped[bool] = mapped_column(Boolean, default=True)
    # 现场核实: a confirmed alert of this kind goes to the officer on duty nearby through the work-order queue
    # before the case may go to 法制审核; in the queue under this complaint category. Example defaults (0090).
    needs_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    order_category: Mapped[str] = mapped_column(String(32), default="other")


class CalendarDay(Base):
    """A day the district's calendar turns from the weekday rule: a holiday (working False) or a weekend
    worked in its place (调休, working True). Loaded by the district each year; periods count working days."""

    __tablename__ = "nonsite_calendar_day"
    __table_args__ = (UniqueConstraint("district_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(32))


class PartyKind(str, enum.Enum):
    company = "company"  # 单位（如渣土运输企业）
    person = "person"  # 个人


class Party(DistrictRecord, Base):
    """Who answers for a vehicle or a shop (当事人): its name, credit code, 处置证, and a contact phone kept
    encrypted as residents' phones are, shown in full only to the squad handling its cases."""

    __tablename__ = "nonsite_party"

    kind: Mapped[PartyKind] = mapped_column(Enum(PartyKind, native_enum=False, length=8, validate_strings=True))
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    disposal_permit: Mapped[str | None] = mapped_column(String(40))  # 建筑垃圾处置证
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    suishenban_account: Mapped[bool] = mapped_column(Boolean, default=True)  # reachable on 随申办
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="party", order_by="Vehicle.plate")


class Vehicle(Base):
    """A plate and the party it belongs to (渣土车 → 运输企业)."""

    __tablename__ = "nonsite_vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("nonsite_party.id"), index=True)

    party: Mapped[Party] = relationship(back_populates="vehicles")


class Camera(Base):
    """A camera in the registry: where it is, who reports for it, what it may report, which squad owns it.

    Its evidence forms a chain of its own under a system officer (`officer_id`, never able to sign in),
    so the hash chain, its checkpoints, `flask evidence verify` and the anchored tree heads cover it
    as they cover an officer's."""

    __tablename__ = "nonsite_camera"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)  # the platform's camera id
    name: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(32))  # the platform whose key signs its alerts
    place: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)  # GCJ-02
    lng: Mapped[float] = mapped_column(Float)
    kinds: Mapped[list[str]] = mapped_column(JSON)  # codes of ViolationKind it may report
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)  # the owner
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), unique=True)  # its evidence chain
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    squad: Mapped[Squad] = relationship()
    officer: Mapped[Officer] = relationship()


class Decision(str, enum.Enum):
    confirmed = "confirmed"  # 确认
    dismissed = "dismissed"  # 排除（误报）


class FalsePositive(str, enum.Enum):
    """Why an alert was not a violation: counted per camera and kind to judge the platform's precision."""

    no_violation = "no_violation"  # 无违法行为
    wrong_object = "wrong_object"  # 识别对象错误（如把普通货车当渣土车）
    wrong_kind = "wrong_kind"  # 违法类型识别错误
    unclear_image = "unclear_image"  # 图像不清，无法认定


FALSE_POSITIVE_NAMES = {
    FalsePositive.no_violation: "无违法行为",
    FalsePositive.wrong_object: "识别对象错误",
    FalsePositive.wrong_kind: "违法类型识别错误",
    FalsePositive.unclear_image: "图像不清，无法认定",
}


def _enum(kind: type[enum.Enum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True)


class Alert(Base):
    """One alert as a platform sent it. A burst of the same event from one camera is one alert (`burst_of`
    None) with the later ones pointing at it; each keeps its own alert id, so a resend is recognised."""

    __tablename__ = "nonsite_alert"
    __scope__ = ("squad", "squad_id")
    __table_args__ = (UniqueConstraint("sender", "alert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    alert_id: Mapped[str] = mapped_column(String(40))  # the sender's id: idempotency key
    body_sha256: Mapped[str] = mapped_column(String(64))  # a resend must be the same alert
    camera_id: Mapped[int] = mapped_column(ForeignKey("nonsite_camera.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("nonsite_kind.code"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest alert of its burst
    place: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    plate: Mapped[str | None] = mapped_column(String(16), index=True)
    shop: Mapped[str | None] = mapped_column(String(100))
    shop_credit_code: Mapped[str | None] = mapped_column(String(18))  # the shop's 统一社会信用代码, if recognised
    burst_of: Mapped[int | None] = mapped_column(ForeignKey("nonsite_alert.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[Decision | None] = mapped_column(_enum(Decision, 16), index=True)
    false_positive: Mapped[FalsePositive | None] = mapped_column(_enum(FalsePositive, 16))
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    camera: Mapped[Camera] = relationship()
    case: Mapped[NonsiteCase | None] = relationship(back_populates="alert")


class CaseState(str, enum.Enum):
    registered = "registered"  # 立案（或法制审核退回）
    in_review = "in_review"  # 法制审核中
    notice_sent = "notice_sent"  # 违法行为告知书已发往随申办
    statement = "statement"  # 告知书已送达：陈述申辩期
    decided = "decided"  # 行政处罚决定书已发往随申办
    served = "served"  # 决定书已送达，待缴款
    paid = "paid"  # 已缴款
    closed = "closed"  # 结案
    ending = "ending"  # 不予立案或撤案，待法制审核员审批
    not_registered = "not_registered"  # 不予立案（未立案即终结）
    withdrawn = "withdrawn"  # 撤案（立案后终结）
    dropped = "dropped"  # 告知后不予处罚
    revoked = "revoked"  # 处罚决定已撤销


CASE_STATE_NAMES = {
    CaseState.registered: "已立案", CaseState.in_review: "法制审核中", CaseState.notice_sent: "告知书已发出",
    CaseState.statement: "陈述申辩期", CaseState.decided: "决定书已发出", CaseState.served: "决定书已送达",
    CaseState.paid: "已缴款", CaseState.closed: "已结案", CaseState.ending: "不予立案/撤案审批中",
    CaseState.not_registered: "不予立案", CaseState.withdrawn: "已撤案",
    CaseState.dropped: "告知后不予处罚", CaseState.revoked: "处罚决定已撤销",
}


class Ending(str, enum.Enum):
    """How a case ends without a penalty: before 立案 (不予立案) or after it (撤案), both before the notice; after
    the notice and before the decision (告知后不予处罚); or after the decision, by revoking it (撤销处罚决定)."""

    not_registered = "not_registered"  # 不予立案
    withdrawn = "withdrawn"  # 撤案
    dropped = "dropped"  # 告知后不予处罚 (after the notice, before the decision)
    revoked = "revoked"  # 撤销处罚决定 (after the decision)


ENDING_NAMES = {Ending.not_registered: "不予立案", Ending.withdrawn: "撤案", Ending.dropped: "告知后不予处罚",
                Ending.revoked: "撤销处罚决定"}


class Verification(str, enum.Enum):
    pending = "pending"  # 待现场核实（工单在队员手中）
    verified = "verified"  # 现场核实属实（工单办结）
    not_verified = "not_verified"  # 现场未能核实（工单退单或移送）


VERIFICATION_NAMES = {Verification.pending: "待现场核实", Verification.verified: "现场核实属实",
                      Verification.not_verified: "现场未能核实"}


def state_name(case: NonsiteCase) -> str:
    """The case's step as people read it: a case waiting for, or failing, its visit is not 立案 yet."""
    if case.state == CaseState.registered and case.registered_at is None:
        return f"{VERIFICATION_NAMES.get(case.verification, '待立案')}（未立案）"
    return CASE_STATE_NAMES[case.state]


class NonsiteCase(Base):
    """A non-site case, opened when a reviewer confirms an alert, and where it stands in its legal steps."""

    __tablename__ = "nonsite_case"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("nonsite_alert.id"), unique=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    state: Mapped[CaseState] = mapped_column(_enum(CaseState, 16), default=CaseState.registered)
    opened_by: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 立案: when the alert is confirmed, or for a kind that needs a visit when the visit verified it; None: not
    # (yet) 立案, so ending it is 不予立案 rather than 撤案
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    facts: Mapped[str | None] = mapped_column(String(1000))
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    fine: Mapped[int | None] = mapped_column(Integer)  # yuan
    party_id: Mapped[int | None] = mapped_column(ForeignKey("nonsite_party.id"), index=True)
    # the business a shop alert is about, in the inspections' registry of regulated objects (`shops.match`): its
    # grade rules count the case, and the object cannot be deleted while it has cases
    object_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_object.id"), index=True)
    object_match: Mapped[str | None] = mapped_column(String(16))  # how: credit_code / name / nearest
    first_offence: Mapped[bool] = mapped_column(Boolean, default=False)  # 首违不罚: a warning, no fine
    hearing_offered: Mapped[bool] = mapped_column(Boolean, default=False)  # 听证: the notice offers a hearing
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    review_comment: Mapped[str | None] = mapped_column(String(500))
    statement_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # end of the statement period
    # 陈述申辩 as 随申办 passed it on; its attachments are evidence (subject statement) in the camera's chain
    statement_text: Mapped[str | None] = mapped_column(String(5000))
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_amount: Mapped[int | None] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # as the payment callback says
    # its record on the 两超期 clock of the supervision domain (case_record, number 非现场-<id>)
    timeliness_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    # 现场核实 through the work-order queue (kinds that need a visit): the order, and what the officer found
    verification: Mapped[Verification | None] = mapped_column(_enum(Verification, 16))
    verification_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    verification_note: Mapped[str | None] = mapped_column(String(1000))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 提交法制审核
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 法制审核（通过或退回）
    # 不予立案 / 撤案: proposed by the squad with its reason, approved (or refused) by a legal reviewer who is
    # not the proposer; fed to the 两超期两随意 clock as a withdrawal with its reason and approver
    ending: Mapped[Ending | None] = mapped_column(_enum(Ending, 16))
    ending_reason: Mapped[str | None] = mapped_column(String(500))
    ending_proposed_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    ending_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending_reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    ending_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending_comment: Mapped[str | None] = mapped_column(String(500))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # approved: the case ended
    # 案卷 frozen when the case closed or ended: the ZIP stored once (`nonsite/archives/…`), its SHA-256 kept here;
    # every download serves that file, checked against the hash (`archive.py`)
    archive_key: Mapped[str | None] = mapped_column(String(120), index=True)
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[Alert] = relationship(back_populates="case")
    party: Mapped[Party | None] = relationship()
    object: Mapped[RegulatedObject | None] = relationship()
    documents: Mapped[list[CaseDocument]] = relationship(back_populates="case", order_by="CaseDocument.id")
    steps: Mapped[list[CaseStep]] = relationship(order_by="CaseStep.id")


class StepKind(str, enum.Enum):
    """The steps a case may go through more than once: each submission and review is kept, not only the latest."""

    submitted = "submitted"  # 提交法制审核
    reviewed = "reviewed"  # 法制审核（通过或退回）
    ending_proposed = "ending_proposed"  # 提出不予立案或撤案
    ending_reviewed = "ending_reviewed"  # 审批不予立案或撤案（批准或退回）


class CaseStep(Base):
    """One submission or review of a case, in the order they happened (the case's columns keep the latest)."""

    __tablename__ = "nonsite_case_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("nonsite_case.id"), index=True)
    step: Mapped[StepKind] = mapped_column(_enum(StepKind, 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    approved: Mapped[bool | None] = mapped_column(Boolean)  # a review: approved (True) or returned (False)
    ending: Mapped[Ending | None] = mapped_column(_enum(Ending, 16))  # of an ending's proposal or review: which
    note: Mapped[str | None] = mapped_column(String(1000))  # the facts and fine, the comment, the reason


class DocumentKind(str, enum.Enum):
    notice = "notice"  # 违法行为告知书
    decision = "decision"  # 行政处罚决定书


DOCUMENT_NAMES = {DocumentKind.notice: "违法行为告知书", DocumentKind.decision: "行政处罚决定书"}


class Channel(str, enum.Enum):
    suishenban = "suishenban"  # 随申办
    sms = "sms"  # 短信（随申办送达不成或当事人无账号时）
    post = "post"  # 邮寄（EMS/挂号信；送达回证由窗口人员确认）


CHANNEL_NAMES = {Channel.suishenban: "随申办", Channel.sms: "短信", Channel.post: "邮寄"}


class PostMethod(str, enum.Enum):
    ems = "ems"  # EMS 特快专递（法院专递式，附送达回证）
    registered = "registered"  # 挂号信（附送达回证）


POST_METHOD_NAMES = {PostMethod.ems: "EMS 特快专递", PostMethod.registered: "挂号信"}


class DocumentCounter(Base):
    """The last 文号 given per district, kind and year (`legal._number`): taken and raised in one statement
    whose row stays locked until the issuing transaction ends, so two documents issued at once get the next
    two numbers, never the same one, and a rolled-back issue gives its number back (no gap)."""

    __tablename__ = "nonsite_document_counter"

    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, 16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # Asia/Shanghai calendar year
    last: Mapped[int] = mapped_column(Integer)


class CaseDocument(Base):
    """A document of a case as sent to 随申办: its number (文号), its content and that content's hash."""

    __tablename__ = "nonsite_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("nonsite_case.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, 16))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    # As issued, with the seal image, in file storage (`nonsite/documents/<pdf_sha256>.pdf`, FILES_DIR or S3, swept
    # as every stored file is); never regenerated. None only for a document issued before documents became PDFs
    # (migration 0073 keeps those rows: a legal record is not deleted to make room for a column). Migration 0093
    # moved the PDFs once kept in a column here into storage.
    pdf_key: Mapped[str | None] = mapped_column(String(100), index=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    seal: Mapped[str | None] = mapped_column(String(80))  # keys.seal over pdf_sha256: `<key id>.<mac>`
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 16), default=Channel.suishenban)  # the latest tried
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 送达, as the channel confirms it
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 签收 by the party on 随申办
    # the party refused to sign on 随申办: the document reached them all the same (delivered), the refusal noted
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 邮寄 (post), the fallback of last resort: how and under which tracking number it went, who sent it; the
    # 送达回证 (the signed return card) date, confirmed at the desk, is its delivery
    post_method: Mapped[PostMethod | None] = mapped_column(_enum(PostMethod, 16))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    receipt_on: Mapped[date | None] = mapped_column(Date)  # 送达回证上的签收日期
    receipt_confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    case: Mapped[NonsiteCase] = relationship(back_populates="documents")
