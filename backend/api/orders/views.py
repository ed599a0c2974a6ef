"""Work orders: the sources' signed inbound webhook, the district's sources, the squad's queue."""
from __future__ import annotations

from flask import request
from flask.views import MethodView

from backend.api.audit import audit_object
from backend.api.community.schemas import AssigneeSuggestionSchema
from backend.api.evidence.views import EvidenceRecordSchema
from backend.api.multipart import Blueprint, evidence_form
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
from backend.api.security import current_actor
from backend.api.transitions import transition
from backend.api.views import creation, detail, method, submission
from backend.community.dispatch import suggest_near
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


def _inbound(receive, summary: str, conflict: str, *, again: str | None = None):
    """A source's signed POST: `receive(source_name, body, timestamp, signature)`, answered in ReceivedSchema
    (`conflict`: when it answers 409; `again`: it answers 201 with what is new, 200 with what is sent again)."""
    def call(source_name):
        return receive(source_name, request.get_data(), request.headers.get("X-Timestamp"),
                       request.headers.get("X-Signature"))

    alt_responses = (((200, again, ReceivedSchema),) if again else ()) + (
        (401, "签名缺失、不符或时间戳超出时间窗"), (409, conflict))
    return blp.doc(**SIGNED_JSON)(method(blp, call, summary, ReceivedSchema, status=201 if again else 200,
                                         alt_responses=alt_responses, signed_in=False))


def _receive(*signed) -> tuple:
    order, new = intake.receive(*signed)
    return order, 201 if new else 200


@blp.route("/inbound/<source_name>", endpoint="inbound")
class Inbound(MethodView):
    post = _inbound(_receive, "来源平台推送工单（HMAC-SHA256 签名「时间戳.请求体」，来源工单号幂等）",
                    "同一工单号、内容不同", again="同一工单再次送达：仍是那一张工单")


@blp.route("/inbound/<source_name>/followups", endpoint="inbound_followup")
class InboundFollowup(MethodView):
    post = _inbound(intake.receive_followup,
                    "来源平台回传回访结果（order_id、satisfaction：满意 / 基本满意 / 不满意、note；签名同推送工单）",
                    "工单尚未办结")


@blp.route("/inbound/<source_name>/updates", endpoint="inbound_update")
class InboundUpdate(MethodView):
    post = _inbound(intake.receive_update,
                    "来源平台回传状态更新（order_id、status：来源状态词，如 延期通过 / 延期驳回 / 已撤单 / 已结案；\n"
                    "        resolve_due_at：新的办结时限；note；签名同推送工单；未配置的状态词答 422 unknown_status）",
                    "没有待答复的延期申请，或工单已由来源结案、撤单")


@blp.route("/sources", endpoint="sources")
class Sources(MethodView):
    get = detail(blp, SourceSchema(many=True), "本区的工单来源",
                 lambda actor: session.scalars(scoped(OrderSource, actor).order_by(OrderSource.id)).all(),
                 *DISTRICT_ADMINS)
    post = creation(blp, SourceCreateSchema, SourceSchema, "登记工单来源：密钥、回传地址、类别与状态映射（区管理员）",
                    lambda actor, **body: operations.create_source(actor=actor, **body), "order_source",
                    *DISTRICT_ADMINS)


def _order(actor, order_id):
    return handling.order_for(order_id, actor)


@blp.route("/<int:order_id>", endpoint="order")
class Order(MethodView):
    get = detail(blp, OrderDetailSchema, "工单详情与处置经过（队员看派给自己的，中队长看本中队的）", _order)


@blp.route("", endpoint="queue")
class Queue(MethodView):
    get = detail(blp, OrderSchema(many=True),
                 "工单队列：来源可见，办结时限最近的在前（队员看派给自己的，中队长看本中队的）", queries.queue,
                 filters=QueueFilterSchema)


def _suggestions(actor, order_id):
    order = _order(actor, order_id)
    place = LatLng(order.lat, order.lng) if order.lat is not None else None
    return suggest_near(order.squad_id, place, utcnow())


@blp.route("/<int:order_id>/suggestions", endpoint="suggestions")
class Suggestions(MethodView):
    get = detail(blp, AssigneeSuggestionSchema(many=True), "推荐承办人：在岗且离工单地点最近的队员", _suggestions,
                 *SQUAD_MANAGERS)


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


@transition(blp, "/<int:order_id>/actions", "actions", OrderDetailSchema, arguments=OrderActionSchema,
            alt_responses=((409, "工单当前状态不能执行此操作"),))
def actions(body, order_id):
    """处置工单：受理、派单、开始、回复、办结、结案、退单、移送、申请延期（变化回传来源平台）"""
    actor = current_actor()
    order = _order(actor, order_id)
    ACTIONS[body["action"]](order, actor, body)
    audit_object("work_order", order.id)
    return order


def _attach(evidence: dict, order_id: int) -> tuple:
    actor = current_actor()
    order = _order(actor, order_id)
    evidence, new = handling.attach_evidence(order, actor=actor, **evidence)
    audit_object("work_order", order.id)
    return evidence, new


@blp.route("/<int:order_id>/evidence", endpoint="evidence")
class OrderEvidence(MethodView):
    post = submission(blp, OrderEvidenceSchema, EvidenceRecordSchema,
                      "承办队员上传现场取证（进入取证链，关联本工单；照片随下次回复与办结回传来源平台；multipart）",
                      lambda form, order_id: _attach(evidence_form(form), order_id), location="form",
                      alt_responses=((409, "工单不在处置中"),))


@blp.route("/<int:order_id>/evidence/wechat", endpoint="evidence_wechat")
class OrderEvidenceFromWeChat(MethodView):
    post = submission(blp, OrderEvidenceWeChatSchema, EvidenceRecordSchema,
                      "承办队员以政务微信 media_id 提交现场取证（关联本工单）", _attach,
                      alt_responses=((409, "工单不在处置中"),))
