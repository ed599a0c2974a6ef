"""Supervision findings (督察) and the two forms and two letters (两单两书): record, issue, answer, review, print."""
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.fields import AwareDateTime, Date, Id, days, from_now
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import creation, detail, method
from backend.org.roles import SUPERVISING_STAFF
from backend.supervision.findings import operations, queries
from backend.supervision.findings.models import (
    NOTICE_NAMES,
    NOTICE_STATUS_NAMES,
    SEVERITY_NAMES,
    NoticeKind,
    NoticeStatus,
    Severity,
)
from backend.supervision.findings.notices import render_notice

blp = Blueprint("supervision", __name__, url_prefix="/api/supervision", description="督察与两单两书")

EVIDENCE_IDS = fields.List(Id(), load_default=list,
                           validate=validate.Length(max=50), metadata={"description": "证据编号（取证记录的 id）"})


class FindingTypeSchema(Schema):
    code = fields.String(metadata={"example": "badge"})
    name = fields.String(metadata={"example": "未按规定亮证"})


class FindingCreateSchema(Schema):
    officer_id = Id(allow_none=True, load_default=None, metadata={"description": "被督察队员（与中队二选一）"})
    squad_id = Id(allow_none=True, load_default=None, metadata={"description": "被督察中队（与队员二选一）"})
    type_code = fields.String(required=True, metadata={"description": "问题类型代码，见 /finding-types"})
    severity = fields.Enum(
        Severity, required=True, metadata={"description": "轻微 minor / 一般 general / 严重 serious"}
    )
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    found_at = AwareDateTime(required=True, earliest=from_now(days=-366),
                             latest=from_now(minutes=10, code="found_at_in_future"),
                             metadata={"description": "发现时间", "example": "2026-11-23T09:30:00+08:00"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence_ids = EVIDENCE_IDS


class FindingSchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer(allow_none=True)
    officer_name = Text(lambda f: f.officer.name if f.officer else None, allow_none=True)
    squad_id = fields.Integer()
    squad_name = Text(lambda f: f.squad.name)
    supervisor_id = fields.Integer()
    type_code = fields.String()
    type_name = Text(lambda f: queries.finding_types().get(f.type_code, f.type_code))
    severity = Text(lambda f: Severity(f.severity).name)
    severity_name = Text(lambda f: SEVERITY_NAMES[Severity(f.severity)])
    place = fields.String()
    found_at = fields.DateTime()
    found_on = fields.Date()
    description = fields.String()
    evidence_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()


class FindingFilterSchema(Schema):
    officer_id = Id()
    squad_id = Id()
    date_from = Date()
    date_to = Date()


class NoticeCreateSchema(Schema):
    kind = fields.Enum(
        NoticeKind,
        required=True,
        metadata={
            "description": "inform 督察告知单 / supervise 督办通知单 "
            "/ decision 执法监督决定书 / suggestion 执法监督建议书"
        },
    )
    finding_id = Id(allow_none=True, load_default=None, metadata={"description": "所依据的督察记录"})
    officer_id = Id(allow_none=True, load_default=None)
    squad_id = Id(allow_none=True, load_default=None)
    problem = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    requirement = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    rectify_by = Date(required=True, earliest=days(0, code="rectify_by_in_past"), latest=days(365),
                      metadata={"description": "整改期限（含当日）"})


class RectificationSchema(Schema):
    id = fields.Integer()
    submitted_by_id = fields.Integer()
    submitted_by_name = Text(lambda r: r.submitted_by.name)
    submitted_at = fields.DateTime()
    content = fields.String()
    evidence_ids = fields.List(fields.Integer())
    outcome = fields.String(allow_none=True)
    reviewed_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)


class NoticeSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(NoticeKind)
    kind_name = Text(lambda n: NOTICE_NAMES[n.kind])
    number = fields.String(metadata={"example": "浦东新区城管督告〔2026〕3号"})
    year = fields.Integer()
    seq = fields.Integer()
    squad_id = fields.Integer()
    squad_name = Text(lambda n: n.squad.name)
    officer_id = fields.Integer(allow_none=True)
    officer_name = Text(lambda n: n.officer.name if n.officer else None, allow_none=True)
    finding_id = fields.Integer(allow_none=True)
    issued_by_id = fields.Integer()
    issued_at = fields.DateTime()
    problem = fields.String()
    requirement = fields.String()
    rectify_by = fields.Date()
    status = fields.Enum(NoticeStatus)
    status_name = Text(lambda n: NOTICE_STATUS_NAMES[n.status])
    accepted_at = fields.DateTime(allow_none=True)
    overdue_warned_at = fields.DateTime(allow_none=True)
    rectifications = fields.List(fields.Nested(RectificationSchema))


class NoticeFilterSchema(Schema):
    kind = fields.Enum(NoticeKind)
    status = fields.Enum(NoticeStatus)
    squad_id = Id()


class RectificationAnswerSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"description": "整改情况"})
    evidence_ids = EVIDENCE_IDS


class ReviewSchema(Schema):
    accept = fields.Boolean(required=True, metadata={"description": "true 验收通过；false 退回重新整改"})
    comment = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    rectify_by = Date(allow_none=True, load_default=None, earliest=days(0, code="rectify_by_invalid"), latest=days(365),
                      metadata={"description": "退回时可另定整改期限"})


@blp.route("/finding-types", endpoint="finding_types")
class FindingTypes(MethodView):
    get = method(blp, lambda: [{"code": code, "name": name} for code, name in queries.finding_types().items()],
                 "督察问题类型（配置项 SUPERVISION_FINDING_TYPES）", FindingTypeSchema(many=True))


@blp.route("/findings", endpoint="findings")
class Findings(MethodView):
    get = listing(
        blp,
        queries.findings,
        FindingFilterSchema,
        FindingSchema,
        "督察记录列表（督察员看本区局，中队长看本中队，队员看自己的）",
    )
    post = creation(blp, FindingCreateSchema, FindingSchema, "记录督察发现的问题（督察员）；政务微信通知队员及其中队长",
                    operations.record_finding, "supervision_finding", *SUPERVISING_STAFF)


@blp.route("/findings/<int:finding_id>", endpoint="finding")
class FindingById(MethodView):
    get = detail(blp, FindingSchema, "督察记录详情", lambda actor, finding_id: queries.get_finding(finding_id, actor))


@blp.route("/notices", endpoint="notices")
class Notices(MethodView):
    get = listing(blp, queries.notices, NoticeFilterSchema, NoticeSchema, "两单两书列表（数据权限内）")
    post = creation(blp, NoticeCreateSchema, NoticeSchema,
                    "制发督察告知单、督办通知单、执法监督决定书或建议书（按区局、文书种类和年度连续编号）",
                    operations.issue_notice, "supervision_notice", *SUPERVISING_STAFF)


def _notice(actor, notice_id: int):
    return queries.get_notice(notice_id, actor)


@blp.route("/notices/<int:notice_id>", endpoint="notice")
class NoticeById(MethodView):
    get = detail(blp, NoticeSchema, "通知书详情（含整改回复与验收记录）", _notice)


@blp.route("/notices/<int:notice_id>/print", endpoint="notice_print")
@download
class NoticePrint(MethodView):
    @auth_required(blp)
    @blp.response(200, description="可打印的 A4 页面（HTML）", content_type="text/html")
    def get(self, notice_id):
        """通知书打印页（A4，中文）"""
        return Response(render_notice(_notice(current_actor(), notice_id)), mimetype="text/html")


@transition(blp, "/notices/<int:notice_id>/rectifications", "rectifications", NoticeSchema, status=201,
            arguments=RectificationAnswerSchema, alt_responses=((409, "已验收或已有待验收的整改"),),
            audit="supervision_notice")
def rectifications(body, notice_id):
    """回复整改情况（被通知的队员或中队长）"""
    return operations.answer_notice(current_actor(), notice_id, **body).notice


@transition(blp, "/notices/<int:notice_id>/review", "review", NoticeSchema, *SUPERVISING_STAFF, arguments=ReviewSchema,
            alt_responses=((409, "没有待验收的整改"),), audit="supervision_notice")
def review(body, notice_id):
    """验收或退回整改（督察员）"""
    return operations.review_rectification(current_actor(), notice_id, **body)
