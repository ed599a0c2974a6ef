"""Non-site cases and their legal steps; 随申办's signed callbacks."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import AwareDateTime, Int
from backend.api.nonsite.common import blp, signed_by
from backend.api.schemas import Rows, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.config import settings
from backend.nonsite import legal, suishenban
from backend.nonsite.models import CASE_STATE_NAMES, CaseState, NonsiteCase
from backend.org.roles import LEGAL_REVIEWERS, NONSITE_CASE_READERS, SQUAD_MANAGERS
from backend.org.scope import get_visible


class CaseDocumentSchema(Schema):
    kind = fields.String(attribute="kind.value", metadata={"description": "notice 告知书 / decision 决定书"})
    number = fields.String(metadata={"description": "文号"})
    sha256 = fields.String(metadata={"description": "文书内容的 SHA-256"})
    content = fields.Dict()
    delivered_at = fields.AwareDateTime(allow_none=True)


class NonsiteCaseSchema(Schema):
    id = fields.Integer()
    alert_id = fields.Integer()
    state = fields.Enum(CaseState)
    state_name = Text(lambda c: CASE_STATE_NAMES[c.state])
    facts = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    fine = fields.Integer(allow_none=True, metadata={"description": "罚款（元）"})
    party_id = fields.Integer(allow_none=True, metadata={"description": "登记的当事人（按车牌找到）"})
    party_name = Text(lambda c: c.party and c.party.name, allow_none=True)
    first_offence = fields.Boolean(metadata={"description": "首违不罚：予以警告，不罚款"})
    hearing_offered = fields.Boolean(metadata={"description": "拟罚款达到 NONSITE_HEARING_FINE：告知听证权利"})
    review_comment = fields.String(allow_none=True)
    statement_due_at = fields.AwareDateTime(allow_none=True, metadata={"description": "陈述申辩期届满时间"})
    paid_amount = fields.Integer(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    documents = Rows(lambda c: CaseDocumentSchema(many=True).dump(c.documents))


class CaseSubmitSchema(Schema):
    facts = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                          metadata={"example": "沪A12345 渣土车车厢未密闭，沿途泄漏"})
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                metadata={"example": "《上海市市容环境卫生管理条例》第二十四条"})
    fine = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000), metadata={"example": 2000})


class LegalReviewSchema(Schema):
    approve = fields.Boolean(required=True, metadata={"example": True})
    comment = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"example": "事实清楚，证据确凿，适用依据正确"})


class SuishenbanCallbackSchema(Schema):
    event = fields.String(required=True, validate=validate.OneOf(["delivered", "paid"]),
                          metadata={"example": "delivered"})
    number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "文书文号", "example": "静安城管非现告〔2026〕第1号"})
    at = AwareDateTime(required=True, metadata={"example": "2026-12-02T10:00:00+08:00"})
    amount = Int(min=0, metadata={"description": "缴款金额（元）", "example": 2000})


def _suishenban_key() -> dict[str, str]:
    key = settings().NONSITE_SUISHENBAN_KEY
    return {suishenban.CALLER: key} if key else {}


def _step(name: str):
    def route(view):
        return blp.route(f"/cases/<int:case_id>/{name}", endpoint=f"case_{name}")(view)
    return route


@blp.route("/cases/<int:case_id>", endpoint="case")
class CaseView(MethodView):
    @auth_required(blp, *NONSITE_CASE_READERS)
    @blp.response(200, NonsiteCaseSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, case_id):
        """非现场案件：所处步骤、文书（文号、哈希、送达时间）"""
        return get_visible(NonsiteCase, case_id, current_actor(), what="案件")


@_step("submit")
class Submit(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.arguments(CaseSubmitSchema)
    @blp.response(200, NonsiteCaseSchema)
    @blp.alt_response(409, description="案件不在立案（或退回）状态")
    def post(self, body, case_id):
        """提交法制审核：事实、依据、拟处罚款"""
        audit_object("nonsite_case", case_id)
        return legal.submit_for_review(current_actor(), case_id, **body)


@_step("review")
class Review(MethodView):
    @auth_required(blp, *LEGAL_REVIEWERS)
    @blp.arguments(LegalReviewSchema)
    @blp.response(200, NonsiteCaseSchema)
    @blp.alt_response(409, description="案件不在法制审核中")
    def post(self, body, case_id):
        """法制审核：通过（违法行为告知书经随申办送达当事人）或退回（附理由）"""
        audit_object("nonsite_case", case_id)
        return legal.review(current_actor(), case_id, **body)


@_step("decide")
class Decide(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.response(200, NonsiteCaseSchema)
    @blp.alt_response(409, description="告知书未送达，或陈述申辩期未满")
    def post(self, case_id):
        """作出行政处罚决定（陈述申辩期满后），决定书经随申办送达"""
        audit_object("nonsite_case", case_id)
        return legal.decide(current_actor(), case_id)


@_step("close")
class Close(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.response(200, NonsiteCaseSchema)
    @blp.alt_response(409, description="尚未缴款")
    def post(self, case_id):
        """结案（已缴款）"""
        audit_object("nonsite_case", case_id)
        return legal.close(current_actor(), case_id)


@blp.route("/suishenban/callbacks", endpoint="suishenban_callback")
class SuishenbanCallback(MethodView):
    @signed_by(_suishenban_key, "随申办：suishenban；密钥 NONSITE_SUISHENBAN_KEY")
    @blp.arguments(SuishenbanCallbackSchema)
    @blp.response(200, CaseDocumentSchema)
    @blp.alt_response(404, description="未发出过该文号的文书")
    @blp.alt_response(409, description="案件状态与回执不符（如重复缴款、已结案）")
    def post(self, body):
        """随申办回执（签名）：文书送达、罚款缴纳"""
        document = legal.callback(**body)
        audit_object("nonsite_document", document.id)
        return document
