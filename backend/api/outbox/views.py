"""Outbound messages not (yet) delivered, for district staff: see why, and send a dead one again."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend import outbox
from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.pagination import page_of
from backend.api.schemas import Schema
from backend.api.security import auth_required, current_actor
from backend.org.roles import DISTRICT_ADMINS
from backend.org.scope import get_visible, scoped
from backend.outbox import OutboxMessage

blp = Blueprint("outbox", __name__, url_prefix="/api/outbox", description="待发消息：未送达与发送失败的消息，重发")

STATE_DESCRIPTION = "pending 未发送（等待发送或重试）/ dead 发送失败，已停止重试 / delivered 已送达"


class OutboxAttemptSchema(Schema):
    attempted_at = fields.DateTime()
    outcome = fields.String(metadata={"description": "delivered 已送达 / nobody 无有效接收人 / failed 失败",
                                      "enum": [outbox.ATTEMPT_DELIVERED, outbox.ATTEMPT_NOBODY, outbox.ATTEMPT_FAILED]})
    errcode = fields.Integer(allow_none=True, metadata={"description": "政务微信返回的错误码", "example": 81013})
    detail = fields.String(allow_none=True)


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "渠道与消息类型", "example": "wechat.text_card"})
    title = fields.String(metadata={"example": "2026年11月积分已公布"})
    state = fields.String(metadata={"description": STATE_DESCRIPTION, "enum": list(outbox.STATE_NAMES)})
    state_name = fields.Function(
        lambda m: outbox.STATE_NAMES[m.state], metadata={"type": "string", "example": "未发送"}
    )
    sent = fields.Function(lambda m: m.state == outbox.DELIVERED,
                           metadata={"type": "boolean", "description": "是否已送达"})
    recipients = fields.Function(lambda m: m.recipient_list, metadata={
        "type": "array", "items": {"type": "string"}, "description": "接收人（政务微信账号）"})
    created_at = fields.DateTime()
    next_attempt_at = fields.Function(lambda m: m.next_attempt_at.isoformat() if m.state == outbox.PENDING else None,
                                      metadata={"type": "string", "format": "date-time", "nullable": True,
                                                "description": "下次尝试发送的时间（未发送时）"})
    failures = fields.Integer(metadata={"description": "自入队或重发以来失败的次数"})
    last_error = fields.String(allow_none=True, metadata={"description": "最近一次未能发出的原因",
                                                          "example": "政务微信尚未配置，请联系管理员"})
    delivered_at = fields.DateTime(allow_none=True)
    delivered_count = fields.Integer(allow_none=True, metadata={"description": "政务微信接受的接收人数"})
    rejected = fields.Function(
        lambda m: m.rejected.split("|") if m.rejected else [],
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "政务微信拒收的接收人（账号无效或不在应用可见范围）",
        },
    )


class OutboxMessageDetailSchema(OutboxMessageSchema):
    attempts = fields.List(fields.Nested(OutboxAttemptSchema), metadata={"description": "每一次发送尝试"})


class OutboxMessageFilterSchema(Schema):
    state = fields.String(validate=validate.OneOf([outbox.PENDING, outbox.DEAD, outbox.DELIVERED]),
                          metadata={"description": f"{STATE_DESCRIPTION}；不填：未送达的（pending 与 dead）"})


@blp.route("/messages", endpoint="messages")
class Messages(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.arguments(OutboxMessageFilterSchema, location="query")
    @blp.response(200, OutboxMessageSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """本区局的消息：默认列出未送达的（未发送、发送失败），最新的在前"""
        states = [filters["state"]] if "state" in filters else [outbox.PENDING, outbox.DEAD]
        query = (scoped(OutboxMessage, current_actor()).where(OutboxMessage.state.in_(states))
                 .order_by(OutboxMessage.id.desc()))
        return page_of(query, pagination_parameters)


@blp.route("/messages/<int:message_id>", endpoint="message")
class MessageById(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.response(200, OutboxMessageDetailSchema)
    def get(self, message_id):
        """一条消息及其每次发送尝试（时间、结果、错误码）"""
        return get_visible(OutboxMessage, message_id, current_actor(), what="消息")


@blp.route("/messages/<int:message_id>/resend", endpoint="resend")
class Resend(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.response(200, OutboxMessageDetailSchema)
    @blp.alt_response(409, description="消息已送达")
    def post(self, message_id):
        """重发：发送失败（或仍在等待重试）的消息立即重新排队，重新计算重试次数"""
        audit_object("outbox_message", message_id)
        actor = current_actor()
        return outbox.resend(actor, get_visible(OutboxMessage, message_id, actor, what="消息"))
