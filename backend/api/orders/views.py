"""Work orders: the sources' signed inbound webhook, the district's sources, the squad's queue."""
from __future__ import annotations

from flask import request
from flask.views import MethodView

from backend.api.audit import audit_object
from backend.api.community.schemas import AssigneeSuggestionSchema
from backend.api.evidence.views import EvidenceRecordSchema
from backend.api.multipart import Blueprint, read_upload
from backend.api.orders.schemas import (
    OrderActionSchema,
    OrderDetailSchema,
    OrderEvidenceSchema,
    OrderEvidenceWeChatSchema,
    OrderSchema,
    QueueFilterSchema,
    ReceivedSchema,
    SourceCreateSchema,
    SourceSchema,
)
from backend.api.security import auth_required, current_actor
from backend.community.dispatch import suggest_near
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Invalid
from backend.geo import LatLng
from backend.orders import handling, intake, operations, queries
from backend.orders.models import OrderSource
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS
from backend.org.scope import scoped

blp = Blueprint("orders", __name__, url_prefix="/api/orders", description="外部工单：城运、12345 热线、网格")


# A source's signed JSON body: HMAC-SHA256 with its key over "<X-Timestamp>.<body>", hex, in X-Signature.
SIGNED_JSON = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
               "parameters": [{"in": "header", "name": name, "required": True, "schema": {"type": "string"}}
                              for name in ("X-Timestamp", "X-Signature")]}


@blp.route("/inbound/<source_name>", endpoint="inbound")
class Inbound(MethodView):
    @blp.doc(**SIGNED_JSON)
    @blp.response(201, ReceivedSchema)
    @blp.alt_response(200, schema=ReceivedSchema, description="同一工单再次送达：仍是那一张工单")
    @blp.alt_response(401, description="签名缺失、不符或时间戳超出时间窗")
    @blp.alt_response(409, description="同一工单号、内容不同")
    def post(self, source_name):
        """来源平台推送工单（HMAC-SHA256 签名「时间戳.请求体」，来源工单号幂等）"""
        order, new = intake.receive(source_name, request.get_data(), request.headers.get("X-Timestamp"),
                                    request.headers.get("X-Signature"))
        return order, 201 if new else 200


@blp.route("/inbound/<source_name>/followups", endpoint="inbound_followup")
class InboundFollowup(MethodView):
    @blp.doc(**SIGNED_JSON)
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(401, description="签名缺失、不符或时间戳超出时间窗")
    @blp.alt_response(409, description="工单尚未办结")
    def post(self, source_name):
        """来源平台回传回访结果（order_id、satisfaction：满意 / 基本满意 / 不满意、note；签名同推送工单）"""
        return intake.receive_followup(source_name, request.get_data(), request.headers.get("X-Timestamp"),
                                       request.headers.get("X-Signature"))


@blp.route("/inbound/<source_name>/updates", endpoint="inbound_update")
class InboundUpdate(MethodView):
    @blp.doc(**SIGNED_JSON)
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(401, description="签名缺失、不符或时间戳超出时间窗")
    @blp.alt_response(409, description="没有待答复的延期申请，或工单已由来源结案、撤单")
    def post(self, source_name):
        """来源平台回传状态更新（order_id、status：来源状态词，如 延期通过 / 延期驳回 / 已撤单 / 已结案；
        resolve_due_at：新的办结时限；note；签名同推送工单；未配置的状态词答 422 unknown_status）"""
        return intake.receive_update(source_name, request.get_data(), request.headers.get("X-Timestamp"),
                                     request.headers.get("X-Signature"))


@blp.route("/sources", endpoint="sources")
class Sources(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.response(200, SourceSchema(many=True))
    def get(self):
        """本区的工单来源"""
        return session.scalars(scoped(OrderSource, current_actor()).order_by(OrderSource.id)).all()

    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.arguments(SourceCreateSchema)
    @blp.response(201, SourceSchema)
    def post(self, body):
        """登记工单来源：密钥、回传地址、类别与状态映射（区管理员）"""
        source = operations.create_source(actor=current_actor(), **body)
        audit_object("order_source", source.id)
        return source


@blp.route("/<int:order_id>", endpoint="order")
class Order(MethodView):
    @auth_required(blp)
    @blp.response(200, OrderDetailSchema)
    def get(self, order_id):
        """工单详情与处置经过（队员看派给自己的，中队长看本中队的）"""
        return handling.order_for(order_id, current_actor())


@blp.route("", endpoint="queue")
class Queue(MethodView):
    @auth_required(blp)
    @blp.arguments(QueueFilterSchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    def get(self, filters):
        """工单队列：来源可见，办结时限最近的在前（队员看派给自己的，中队长看本中队的）"""
        return queries.queue(current_actor(), **filters)


@blp.route("/<int:order_id>/suggestions", endpoint="suggestions")
class Suggestions(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.response(200, AssigneeSuggestionSchema(many=True))
    def get(self, order_id):
        """推荐承办人：在岗且离工单地点最近的队员"""
        order = handling.order_for(order_id, current_actor())
        place = LatLng(order.lat, order.lng) if order.lat is not None else None
        return suggest_near(order.squad_id, place, utcnow())


def _needs(body: dict, name: str, what: str):
    if body.get(name) is None:
        raise Invalid(f"请填写{what}", code=f"{name}_required", errors={name: ["必填"]})
    return body[name]


# action -> what it does with the order, the actor and the request's fields
ACTIONS = {
    "accept": lambda o, a, b: handling.accept(o, actor=a),
    "assign": lambda o, a, b: handling.assign(o, _needs(b, "officer_id", "承办队员"), actor=a),
    "start": lambda o, a, b: handling.start(o, actor=a),
    "reply": lambda o, a, b: handling.reply(o, b.get("text"), actor=a),
    "resolve": lambda o, a, b: handling.resolve(o, b.get("text"), actor=a),
    "close": lambda o, a, b: handling.close(o, actor=a),
    "return": lambda o, a, b: handling.return_to_source(o, b.get("text"), actor=a),
    "refer": lambda o, a, b: handling.refer(o, b.get("department"), b.get("text"), actor=a),
    "extension": lambda o, a, b: handling.request_extension(o, _needs(b, "until", "申请的期限"), b.get("text"),
                                                            actor=a),
}


@blp.route("/<int:order_id>/actions", endpoint="actions")
class Actions(MethodView):
    @auth_required(blp)
    @blp.arguments(OrderActionSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(409, description="工单当前状态不能执行此操作")
    def post(self, body, order_id):
        """处置工单：受理、派单、开始、回复、办结、结案、退单、移送、申请延期（变化回传来源平台）"""
        actor = current_actor()
        order = handling.order_for(order_id, actor)
        ACTIONS[body["action"]](order, actor, body)
        audit_object("work_order", order.id)
        return order


@blp.route("/<int:order_id>/evidence", endpoint="evidence")
class OrderEvidence(MethodView):
    @auth_required(blp)
    @blp.arguments(OrderEvidenceSchema, location="form")
    @blp.response(201, EvidenceRecordSchema)
    @blp.alt_response(200, schema=EvidenceRecordSchema, description="同一 client_id 已提交过：返回第一次的结果")
    @blp.alt_response(409, description="工单不在处置中")
    def post(self, form, order_id):
        """承办队员上传现场取证（进入取证链，关联本工单；照片随下次回复与办结回传来源平台；multipart）"""
        actor = current_actor()
        order = handling.order_for(order_id, actor)
        upload = form.pop("file")
        limit = max(settings().EVIDENCE_MAX_IMAGE_BYTES, settings().EVIDENCE_MAX_VIDEO_BYTES)
        evidence, new = handling.attach_evidence(order, actor=actor, data=read_upload(upload, limit),
                                                 content_type=upload.mimetype, **form)
        audit_object("work_order", order.id)
        return evidence, 201 if new else 200


@blp.route("/<int:order_id>/evidence/wechat", endpoint="evidence_wechat")
class OrderEvidenceFromWeChat(MethodView):
    @auth_required(blp)
    @blp.arguments(OrderEvidenceWeChatSchema)
    @blp.response(201, EvidenceRecordSchema)
    @blp.alt_response(200, schema=EvidenceRecordSchema, description="同一 client_id 已提交过：返回第一次的结果")
    @blp.alt_response(409, description="工单不在处置中")
    def post(self, body, order_id):
        """承办队员以政务微信 media_id 提交现场取证（关联本工单）"""
        actor = current_actor()
        order = handling.order_for(order_id, actor)
        evidence, new = handling.attach_evidence(order, actor=actor, **body)
        audit_object("work_order", order.id)
        return evidence, 201 if new else 200
