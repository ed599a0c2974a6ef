"""Non-site cases and their legal steps; 随申办's signed callbacks."""
from flask import Response, request
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import AwareDateTime, Date, File, Int, Pattern, from_now
from backend.api.links import download
from backend.api.multipart import read_upload
from backend.api.nonsite.alerts import AlertEvidenceSchema, ImageInSchema
from backend.api.nonsite.common import blp, signed
from backend.api.schemas import Count, Flag, Rows, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import detail, method, visible
from backend.config import settings
from backend.db import utcnow
from backend.errors import NotFound
from backend.nonsite import archive, ending, legal, pdf, queries, sms, suishenban
from backend.nonsite.models import (
    ENDING_NAMES,
    VERIFICATION_NAMES,
    CaseDocument,
    CaseState,
    Channel,
    Ending,
    NonsiteCase,
    PostMethod,
    Verification,
)
from backend.nonsite.models import (
    state_name as case_state_name,
)
from backend.org.roles import LEGAL_REVIEWERS, NONSITE_CASE_READERS, SQUAD_MANAGERS
from backend.org.scope import get_visible


class CaseDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value", metadata={"description": "notice 告知书 / decision 决定书"})
    number = fields.String(metadata={"description": "文号"})
    sha256 = fields.String(metadata={"description": "文书内容的 SHA-256"})
    pdf_sha256 = fields.String(metadata={"description": "签发的 PDF 的 SHA-256（GET /api/nonsite/documents/{id}/pdf）"})
    seal = fields.String(metadata={"description": "电子印章：以密钥环对 PDF 哈希的签名（<密钥编号>.<签名>）"})
    content = fields.Dict()
    channel = fields.Enum(Channel, metadata={
        "description": "送达渠道（最近一次）：suishenban 随申办 / sms 短信（随申办不成时）/ post 邮寄"})
    delivered_at = fields.AwareDateTime(allow_none=True, metadata={"description": "送达时间；空：未送达（待渠道确认）"})
    signed_at = fields.AwareDateTime(allow_none=True, metadata={"description": "当事人在随申办签收的时间"})
    refused_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "当事人在随申办拒绝签收的时间（文书已送达，拒签记录在案）"})
    post_method = fields.Enum(PostMethod, allow_none=True,
                              metadata={"description": "邮寄方式：ems / registered 挂号信"})
    tracking_number = fields.String(allow_none=True, metadata={"description": "邮件单号"})
    posted_at = fields.AwareDateTime(allow_none=True)
    receipt_on = fields.Date(allow_none=True, metadata={"description": "送达回证上的签收日期（窗口确认）"})


class CaseStepSchema(Schema):
    step = fields.String(metadata={"description": "步骤代码，如 alert / registered / ending_reviewed / closed"})
    name = fields.String(metadata={"description": "步骤名称"})
    at = fields.AwareDateTime()
    officer_id = fields.Integer(allow_none=True, metadata={"description": "办理人；空：平台或当事人"})
    note = fields.String(allow_none=True, metadata={"description": "理由、意见或说明"})


class NonsiteCaseSchema(Schema):
    id = fields.Integer()
    alert_id = fields.Integer()
    state = fields.Enum(CaseState)
    state_name = Text(case_state_name, metadata={"description": "所处步骤；待现场核实或未能核实的案件尚未立案"})
    registered_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "立案时间（确认告警时；须现场核实的类型于核实属实时）；空：未立案"})
    facts = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    fine = fields.Integer(allow_none=True, metadata={"description": "罚款（元）"})
    party_id = fields.Integer(allow_none=True, metadata={"description": "登记的当事人（按车牌找到）"})
    party_name = Text(lambda c: c.party and c.party.name, allow_none=True)
    object_id = fields.Integer(allow_none=True, metadata={
        "description": "告警所指商户在检查对象名录中的对象（GET /api/inspections/objects/{id}）；"
                       "空：未找到或非商户告警"})
    object_name = Text(lambda c: c.object and c.object.name, allow_none=True)
    object_match = fields.String(allow_none=True, metadata={
        "description": "如何找到：credit_code 按信用代码 / name 按唯一的店招名称 / "
                       "nearest 按距离（NONSITE_SHOP_RADIUS_M 内最近的沿街商户）"})
    first_offence = fields.Boolean(metadata={"description": "首违不罚：予以警告，不罚款"})
    hearing_offered = fields.Boolean(metadata={"description": "拟罚款达到 NONSITE_HEARING_FINE：告知听证权利"})
    review_comment = fields.String(allow_none=True)
    statement_due_at = fields.AwareDateTime(allow_none=True, metadata={"description": "陈述申辩期届满时间"})
    statement_text = fields.String(allow_none=True, metadata={"description": "当事人的陈述申辩"})
    statement_at = fields.AwareDateTime(allow_none=True)
    statement_evidence = Rows(lambda c: AlertEvidenceSchema(many=True).dump(queries.statement_evidence(c)),
                              metadata={"description": "陈述申辩的附件（锁定在摄像头证据链中）"})
    paid_amount = fields.Integer(allow_none=True)
    payment_due_on = fields.Function(lambda c: (day := legal.payment_due_on(c)) and day.isoformat(), allow_none=True,
                                     metadata={
        "type": "string", "format": "date", "description": "免加处罚款的最后缴款日（决定书送达后 15 日）"})
    payment_overdue = Flag(lambda c: c.state == CaseState.served and legal.payment_overdue(c, utcnow()), metadata={
        "description": "决定书送达 15 日后仍未缴款：逾期（加处罚款累计中）"})
    surcharge = Count(lambda c: legal.surcharge(c, utcnow()) if c.state == CaseState.served else 0,
                      metadata={"description": "当前加处罚款（元）：逾期每日按罚款 3%，不超过罚款数额"})
    verification = fields.Enum(Verification, allow_none=True, metadata={
        "description": "现场核实：pending 待核实 / verified 属实 / not_verified 未能核实；空：该类型无需现场核实"})
    verification_name = Text(lambda c: VERIFICATION_NAMES.get(c.verification), allow_none=True)
    verification_order_id = fields.Integer(allow_none=True, metadata={
        "description": "现场核实工单（GET /api/orders/{id}：队员的回复与现场取证）"})
    verification_note = fields.String(allow_none=True, metadata={"description": "队员的核实结果（办结回复或退单理由）"})
    verified_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    ending = fields.Enum(Ending, allow_none=True, metadata={
        "description": "终结方式：not_registered 不予立案（未立案）/ withdrawn 撤案（已立案）/ "
                       "dropped 告知后不予处罚 / revoked 撤销处罚决定；空：未提出"})
    ending_pending = Flag(legal.ending_pending, metadata={"description": "终结提议待法制审核员审批"})
    ending_name = Text(lambda c: ENDING_NAMES.get(c.ending), allow_none=True)
    ending_reason = fields.String(allow_none=True, metadata={"description": "不予立案或撤案的理由"})
    ending_proposed_at = fields.AwareDateTime(allow_none=True)
    ending_reviewed_at = fields.AwareDateTime(allow_none=True)
    ending_comment = fields.String(allow_none=True, metadata={"description": "法制审核员的审批意见"})
    ended_at = fields.AwareDateTime(allow_none=True, metadata={"description": "不予立案或撤案获批准的时间"})
    archive_sha256 = fields.String(allow_none=True, metadata={
        "description": "案卷（GET …/archive）归档时的 SHA-256：结案或终结时生成一次；空：未归档"})
    archived_at = fields.AwareDateTime(allow_none=True)
    documents = Rows(lambda c: CaseDocumentSchema(many=True).dump(c.documents))
    timeline = Rows(lambda c: CaseStepSchema(many=True).dump(queries.timeline(c)), metadata={
        "description": "案件时间线（亦见 GET …/timeline）：告警、立案、核实、每一次提交与审核、文书签发与送达、"
                       "陈述申辩、缴款、不予立案或撤案的每一次提出与审批、结案"})


class CaseSubmitSchema(Schema):
    facts = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                          metadata={"example": "沪A12345 渣土车车厢未密闭，沿途泄漏"})
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                metadata={"example": "《上海市市容环境卫生管理条例》第二十四条"})
    fine = Int(required=True, min=0, max=10_000_000, metadata={"example": 2000})


class LegalReviewSchema(Schema):
    approve = fields.Boolean(required=True, metadata={"example": True})
    comment = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"example": "事实清楚，证据确凿，适用依据正确"})


class SuishenbanCallbackSchema(Schema):
    event = fields.String(required=True, validate=validate.OneOf(
        ["delivered", "signed", "refused", "undeliverable", "statement", "paid"]), metadata={
        "description": "delivered 送达 / signed 签收（亦即送达）/ refused 拒绝签收（已送达，记录拒签）/ "
                       "undeliverable 无法送达（改发短信）/ "
                       "statement 陈述申辩 / paid 缴款", "example": "delivered"})
    number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "文书文号", "example": "静安城管非现告〔2026〕第1号"})
    at = AwareDateTime(required=True, earliest=from_now(days=-366), latest=from_now(days=31),
                       metadata={"description": "随申办平台记录的送达或缴款时间",
                                 "example": "2026-12-02T10:00:00+08:00"})
    amount = Int(min=0, metadata={"description": "缴款金额（元）", "example": 2000})
    text = fields.String(validate=validate.Length(min=1, max=5000),
                         metadata={"description": "陈述申辩的内容", "example": "当时车厢已覆盖，篷布被风吹起"})
    attachments = fields.List(fields.Nested(ImageInSchema), metadata={"description": "陈述申辩的附件图片"})


class SmsReceiptSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "短信的 reference：文书文号", "example": "静安城管非现告〔2026〕第1号"})
    at = AwareDateTime(required=True, earliest=from_now(days=-366), latest=from_now(days=31),
                       metadata={"description": "短信送达手机的时间"})


def _suishenban_key() -> dict[str, str]:
    key = settings().NONSITE_SUISHENBAN_KEY
    return {suishenban.CALLER: key} if key else {}


def _sms_key() -> dict[str, str]:
    key = settings().NONSITE_SMS_KEY
    return {sms.CALLER: key} if key else {}


CASE = "/cases/<int:case_id>"


@blp.route(CASE, endpoint="case")
class CaseView(MethodView):
    get = detail(blp, NonsiteCaseSchema, "非现场案件：所处步骤、文书（文号、哈希、送达时间）",
                 visible(NonsiteCase, "案件"), *NONSITE_CASE_READERS, alt_responses=((404, "不存在或不在数据权限内"),))


@blp.route(f"{CASE}/timeline", endpoint="case_timeline")
class CaseTimeline(MethodView):
    get = detail(blp, CaseStepSchema(many=True),
                 "案件时间线：告警、立案、核实、每一次提交法制审核与审核（通过或退回）、文书签发与送达、陈述申辩、缴款、"
                 "不予立案或撤案的每一次提出与审批、结案，按时间先后",
                 lambda actor, case_id: queries.timeline(get_visible(NonsiteCase, case_id, actor, what="案件")),
                 *NONSITE_CASE_READERS, alt_responses=((404, "不存在或不在数据权限内"),))


@transition(blp, f"{CASE}/submit", "case_submit", NonsiteCaseSchema, *SQUAD_MANAGERS, arguments=CaseSubmitSchema,
            alt_responses=((409, "案件不在立案（或退回）状态"),), audit="nonsite_case")
def submit(body, case_id):
    """提交法制审核：事实、依据、拟处罚款"""
    return legal.submit_for_review(current_actor(), case_id, **body)


@transition(blp, f"{CASE}/review", "case_review", NonsiteCaseSchema, *LEGAL_REVIEWERS, arguments=LegalReviewSchema,
            alt_responses=((409, "案件不在法制审核中"),), audit="nonsite_case")
def review(body, case_id):
    """法制审核：通过（违法行为告知书经随申办送达当事人）或退回（附理由）"""
    return legal.review(current_actor(), case_id, **body)


@transition(blp, f"{CASE}/decide", "case_decide", NonsiteCaseSchema, *SQUAD_MANAGERS,
            alt_responses=((409, "告知书未送达，或陈述申辩期未满"),), audit="nonsite_case")
def decide(case_id):
    """作出行政处罚决定（陈述申辩期满后），决定书经随申办送达"""
    return legal.decide(current_actor(), case_id)


@transition(blp, f"{CASE}/close", "case_close", NonsiteCaseSchema, *SQUAD_MANAGERS,
            alt_responses=((409, "尚未缴款"),), audit="nonsite_case")
def close(case_id):
    """结案（已缴款）；案卷随即归档（生成一次并存储，记录其 SHA-256）"""
    return _archived(legal.close(current_actor(), case_id))


def _archived(case: NonsiteCase) -> NonsiteCase:
    """Freeze the case file of a case that has just closed or ended, in the same transaction."""
    if case.state in archive.ARCHIVED:
        archive.freeze(current_actor(), case, NonsiteCaseSchema().dump, address=request.remote_addr)
    return case


@blp.route(f"{CASE}/archive", endpoint="case_archive")
@download
class CaseArchive(MethodView):
    @auth_required(blp, *NONSITE_CASE_READERS)
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="application/zip")
    @blp.alt_response(404, description="不存在或不在数据权限内")
    @blp.alt_response(409, description="案件尚未结案、不予立案或撤案（not_ended），或存储的案卷文件与归档时的 "
                                        "SHA-256 不符（archive_file_altered）")
    def get(self, case_id):
        """案卷（ZIP）：结案或终结时归档一次的文件，下载时按记录的 SHA-256（archive_sha256）校验后提供；内含案件与
        时间线（case.json）、签发的文书 PDF、证据原件（经 SHA-256 校验）及其保管记录（custody.json）；归档时取出原件
        记入保管记录（案卷归档）"""
        audit_object("nonsite_case", case_id)
        case, data = archive.case_file(current_actor(), case_id, NonsiteCaseSchema().dump,
                                       address=request.remote_addr)
        return Response(data, mimetype="application/zip",
                        headers={"Content-Disposition": f"attachment; filename=nonsite-case-{case.id}.zip",
                                 "X-Archive-SHA256": case.archive_sha256})


class CaseEndSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata={
        "description": "不予立案或撤案的理由", "example": "现场核实时已无跨门营业，店主称系临时卸货，证据不足"})


@transition(blp, f"{CASE}/end", "case_end", NonsiteCaseSchema, *SQUAD_MANAGERS, arguments=CaseEndSchema,
            alt_responses=((409, "案件不在立案状态，或待现场核实"),), audit="nonsite_case")
def end(body, case_id):
    """提出不予立案（未立案的案件，如现场未能核实）或撤案（已立案的案件），附理由，待法制审核员审批"""
    return ending.propose(current_actor(), case_id, **body)


@transition(blp, f"{CASE}/drop", "case_drop", NonsiteCaseSchema, *SQUAD_MANAGERS, arguments=CaseEndSchema,
            alt_responses=((409, "不在告知书发出后、决定前（wrong_state），或已有终结提议待审批（ending_pending）"),),
            audit="nonsite_case")
def drop(body, case_id):
    """提出告知后不予处罚（告知书发出后、作出决定前，如陈述申辩成立），附理由，待法制审核员经 …/end/review 审批"""
    return ending.drop(current_actor(), case_id, **body)


@transition(blp, f"{CASE}/revoke", "case_revoke", NonsiteCaseSchema, *SQUAD_MANAGERS, arguments=CaseEndSchema,
            alt_responses=((409, "不在决定作出后、结案前（wrong_state），或已有终结提议待审批（ending_pending）"),),
            audit="nonsite_case")
def revoke(body, case_id):
    """提出撤销处罚决定（决定作出后、结案前；已缴罚款须退还），附理由，待法制审核员经 …/end/review 审批"""
    return ending.revoke(current_actor(), case_id, **body)


@transition(blp, f"{CASE}/end/review", "case_end_review", NonsiteCaseSchema, *LEGAL_REVIEWERS,
            arguments=LegalReviewSchema,
            alt_responses=((409, "案件没有待审批的不予立案、撤案、告知后不予处罚或撤销处罚决定，或审批人即提出人"),),
            audit="nonsite_case")
def end_review(body, case_id):
    """审批不予立案、撤案、告知后不予处罚或撤销处罚决定：批准（案件终结，按理由与审批人计入两超期两随意，不属随意撤案；案卷随即归档）或退回（不予立案、撤案回到立案状态；其余在原步骤继续）"""
    return _archived(ending.review(current_actor(), case_id, **body))


def _document(document: CaseDocument) -> CaseDocument:
    audit_object("nonsite_document", document.id)
    return document


@blp.route("/suishenban/callbacks", endpoint="suishenban_callback")
class SuishenbanCallback(MethodView):
    post = signed(_suishenban_key, "随申办：suishenban；密钥 NONSITE_SUISHENBAN_KEY",
                  lambda body: _document(legal.callback(**body)),
                  "随申办回执（签名）：文书送达、签收、无法送达、当事人陈述申辩、罚款缴纳", CaseDocumentSchema,
                  SuishenbanCallbackSchema, alt_responses=((404, "未发出过该文号的文书"),
                                                           (409, "案件状态与回执不符（如重复缴款、已结案）")))


@blp.route("/sms/receipts", endpoint="sms_receipt")
class SmsReceipt(MethodView):
    post = signed(_sms_key, "短信网关：sms；密钥 NONSITE_SMS_KEY",
                  lambda body: _document(legal.callback(event="delivered", channel=Channel.sms, **body)),
                  "短信网关送达回执（签名）：短信送达的文书至此方为送达", CaseDocumentSchema, SmsReceiptSchema,
                  alt_responses=((404, "未发出过该文号的文书"), (409, "该文书未经短信发出，或案件状态不符")))


class DocumentPostSchema(Schema):
    method = fields.Enum(PostMethod, required=True, metadata={"description": "ems EMS 特快专递 / registered 挂号信"})
    tracking_number = fields.String(required=True, validate=Pattern(
        r"^[A-Za-z0-9]{8,30}$", error="邮件单号应为 8–30 位字母或数字"), metadata={"example": "1151234567890"})


class PostReceiptSchema(Schema):
    received_on = Date(required=True, metadata={"description": "送达回证上当事人签收的日期", "example": "2026-12-04"})


@blp.route("/documents/<int:document_id>/post", endpoint="document_post")
class DocumentPost(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.arguments(DocumentPostSchema)
    @blp.response(200, CaseDocumentSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    @blp.alt_response(409, description="已送达、已邮寄，或案件状态不符")
    def post(self, body, document_id):
        """邮寄送达：记录邮寄方式与单号（随申办、短信均不能送达时）；送达以送达回证为准"""
        audit_object("nonsite_document", document_id)
        return legal.post(current_actor(), document_id, **body)


@blp.route("/documents/<int:document_id>/receipt", endpoint="document_receipt")
class DocumentReceipt(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.arguments(PostReceiptSchema)
    @blp.response(200, CaseDocumentSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    @blp.alt_response(409, description="未邮寄，或已送达")
    def post(self, body, document_id):
        """确认邮寄送达（送达回证日期）：与电子送达一样起算陈述申辩期或缴款期"""
        audit_object("nonsite_document", document_id)
        return legal.confirm_receipt(current_actor(), document_id, **body)


class VerifyInSchema(Schema):
    file = File(required=True, metadata={"description": "要核验的 PDF 文书"})


class VerifySchema(Schema):
    valid = fields.Boolean(metadata={"description": "是否为本局签发、未经改动的文书（电子印章签名核验通过）"})
    number = fields.String(allow_none=True, metadata={"description": "文号"})
    pdf_sha256 = fields.String()


@blp.route("/documents/<int:document_id>/pdf", endpoint="document_pdf")
@download
class DocumentPdf(MethodView):
    @auth_required(blp, *NONSITE_CASE_READERS)
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, document_id):
        """文书 PDF（签发时的原件，带电子印章；启用电子文书之前签发的文书没有 PDF：404 no_pdf）"""
        document = legal.document(current_actor(), document_id)
        if document.pdf_key is None:
            raise NotFound("该文书签发于电子文书启用之前，没有 PDF 原件", code="no_pdf")
        return Response(pdf.stored(document.pdf_key), mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename=document-{document.id}.pdf"})


@blp.route("/documents/verify", endpoint="document_verify")
class DocumentVerify(MethodView):
    post = method(blp, lambda form: legal.verify_pdf(read_upload(form["file"], legal.MAX_PDF_BYTES)),
                  "核验文书 PDF：按其 SHA-256 找到签发记录，并以密钥环核验电子印章签名", VerifySchema,
                  arguments=VerifyInSchema, location="form")
