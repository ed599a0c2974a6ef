"""Government WeChat: light-app login, JS-SDK configs, the OAuth link and the callback URL."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, request
from flask.views import MethodView
from marshmallow import EXCLUDE, fields, validate

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.org.auth import TokenSchema, token_response, token_ttl
from backend.api.schemas import Schema
from backend.api.security import auth_required, current_actor
from backend.api.views import method
from backend.duty import positions
from backend.org.roles import DISTRICT_ADMINS
from backend.wechat import jssdk, login
from backend.wechat.callback import CallbackGuard
from backend.wechat.contacts import sync_status

log = logging.getLogger(__name__)

blp = Blueprint("wechat", __name__, url_prefix="/api", description="政务微信：登录、JS-SDK、回调")

# Handlers of callback events by WeChat's event name (e.g. "LOCATION"), called with the decrypted
# message as a dict of its XML fields; other domains register theirs here.
EVENT_HANDLERS: dict[str, Callable[[dict], None]] = {
    "LOCATION": positions.on_wechat_location,  # patrol positions (backend/duty)
}

PAGE_URL = validate.Regexp(r"^https?://", error="应为 http:// 或 https:// 开头的网址。")


class WeChatLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=512),
                         metadata={"description": "政务微信 OAuth 授权回调带回的 code"})
    state = fields.String(required=True, validate=validate.Length(max=128),
                          metadata={"description": "授权回调带回的 state（原样回传授权页地址接口给出的值）",
                                    "example": "692e9a1c5f3b8d2e7a4c9b01d6e2f4a8c3b5d7e9f1a2c4e6b8d0f"})


class AuthorizeUrlQuerySchema(Schema):
    redirect_uri = fields.String(required=True, validate=[validate.Length(max=1024), PAGE_URL],
                                 metadata={"description": "授权后回到的轻应用页面"})


class AuthorizeUrlSchema(Schema):
    url = fields.String(metadata={"description": "政务微信 OAuth 授权页地址"})
    state = fields.String(metadata={"description": "地址中带的 state（本服务签发，有效期 WECHAT_OAUTH_STATE_MINUTES）；"
                                                   "授权回调带回后随 code 一并提交登录"})


class JssdkQuerySchema(Schema):
    url = fields.String(required=True, validate=[validate.Length(max=2048), PAGE_URL],
                        metadata={"description": "调用 JS-SDK 的页面完整地址（# 及其后部分不参与签名）"})


class WxConfigSchema(Schema):
    appId = fields.String(metadata={"description": "企业 ID"})
    timestamp = fields.Integer()
    nonceStr = fields.String()
    signature = fields.String()


class WxAgentConfigSchema(Schema):
    corpid = fields.String()
    agentid = fields.String()
    timestamp = fields.Integer()
    nonceStr = fields.String()
    signature = fields.String()


class JssdkConfigSchema(Schema):
    config = fields.Nested(WxConfigSchema, metadata={"description": "传给 wx.config 的参数（另加 jsApiList）"})
    agent_config = fields.Nested(WxAgentConfigSchema,
                                 metadata={"description": "传给 wx.agentConfig 的参数（另加 jsApiList）"})


class CallbackQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # WeChat is the caller; tolerate parameters it may add

    msg_signature = fields.String(required=True, validate=validate.Length(max=128))
    timestamp = fields.String(required=True, validate=validate.Length(max=16))
    nonce = fields.String(required=True, validate=validate.Length(max=128))


class CallbackVerifyQuerySchema(CallbackQuerySchema):
    echostr = fields.String(required=True, validate=validate.Length(max=4096))


@blp.route("/auth/wechat", endpoint="login")
class WeChatLogin(MethodView):
    @blp.arguments(WeChatLoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="state 不符或过期、授权码无效、账号未绑定执法人员或已停用")
    @blp.alt_response(503, description="政务微信暂不可用")
    def post(self, body):
        """轻应用政务微信登录（OAuth code 换令牌）"""
        token, row = login.login_with_code(body["code"], body["state"], ttl=token_ttl())
        audit_object("officer", row.officer_id)
        return token_response(token, row)


@blp.route("/auth/wechat/authorize-url", endpoint="authorize_url")
class WeChatAuthorizeUrl(MethodView):
    @blp.arguments(AuthorizeUrlQuerySchema, location="query")
    @blp.response(200, AuthorizeUrlSchema)
    @blp.alt_response(503, description="政务微信尚未配置")
    def get(self, query):
        """政务微信 OAuth 授权页地址（轻应用跳转用）"""
        url, state = login.authorize_url(query["redirect_uri"])
        return {"url": url, "state": state}


@blp.route("/auth/wechat/qr-login-url", endpoint="qr_login_url")
class WeChatQrLoginUrl(MethodView):
    @blp.arguments(AuthorizeUrlQuerySchema, location="query")
    @blp.response(200, AuthorizeUrlSchema)
    @blp.alt_response(503, description="政务微信尚未配置")
    def get(self, query):
        """政务微信扫码登录页地址（管理端网页用）

        扫码后浏览器带 code 与 state 回到 redirect_uri，再以 POST /api/auth/wechat 换令牌（与轻应用相同）。"""
        url, state = login.qr_login_url(query["redirect_uri"])
        return {"url": url, "state": state}


@blp.route("/wechat/jssdk-config", endpoint="jssdk_config")
class JssdkConfig(MethodView):
    @auth_required(blp)
    @blp.arguments(JssdkQuerySchema, location="query")
    @blp.response(200, JssdkConfigSchema)
    @blp.alt_response(503, description="政务微信暂不可用")
    def get(self, query):
        """JS-SDK 签名（wx.config 与 wx.agentConfig）"""
        return jssdk.jssdk_configs(query["url"])


@blp.route("/wechat/callback", endpoint="callback")
class Callback(MethodView):
    @blp.arguments(CallbackVerifyQuerySchema, location="query")
    @blp.response(200, content_type="text/plain")
    @blp.alt_response(403, description="签名错误或时间戳过期")
    def get(self, query):
        """政务微信回调地址校验（返回解密后的 echostr）"""
        echo = CallbackGuard().echo(
            query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])
        return Response(echo, mimetype="text/plain")

    @blp.arguments(CallbackQuerySchema, location="query")
    @blp.doc(requestBody={"required": True, "content": {"text/xml": {"schema": {"type": "string"}}}})
    @blp.response(200, content_type="text/plain")
    @blp.alt_response(403, description="签名错误或时间戳过期")
    @blp.alt_response(422, description="消息格式错误或无法解密")
    def post(self, query):
        """政务微信回调事件（加密 XML），按事件类型分发"""
        message = CallbackGuard().decrypt(
            query["msg_signature"], query["timestamp"], query["nonce"], request.get_data())
        audit_object("wechat_event", message.get("Event") or message.get("MsgType"))
        handler = EVENT_HANDLERS.get(message.get("Event")) if message.get("MsgType") == "event" else None
        if handler is not None:
            handler(message)
        else:
            log.info("government-WeChat callback %s/%s has no handler", message.get("MsgType"), message.get("Event"))
        return Response("", mimetype="text/plain")


class SyncRunSchema(Schema):
    period_key = fields.String(metadata={"description": "同步的日期", "example": "2026-12-02"})
    outcome = fields.String(metadata={"description": "succeeded 成功 / failed 失败（次日凌晨重试）"})
    attempts = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime()
    error = fields.String(allow_none=True, metadata={"description": "失败的原因"})


class RenamedSquadSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "中队在本系统中的名称（管理端改过）", "example": "曹家渡中队"})
    wechat_name = fields.String(metadata={"description": "政务微信通讯录中的部门名称（同步不会改回）",
                                          "example": "曹家渡街道中队"})


class SyncStatusSchema(Schema):
    configured = fields.Boolean(metadata={"description": "政务微信通讯录同步是否已配置（演示环境未配置）"})
    district_synced = fields.Boolean(metadata={"description": "本区局是否已关联政务微信部门（否则不同步）"})
    runs = fields.List(fields.Nested(SyncRunSchema), metadata={"description": "最近几次夜间同步，新的在前"})
    renamed_squads = fields.List(fields.Nested(RenamedSquadSchema), metadata={
        "description": "本区名称与通讯录不一致的中队（在管理端改过名；同步只记录通讯录名称，不改回）"})


@blp.route("/org/contacts-sync", endpoint="contacts_sync")
class ContactsSync(MethodView):
    get = method(blp, lambda: sync_status(current_actor()),
                 "政务微信通讯录同步状态：是否已配置与最近几次夜间同步（区局管理员）", SyncStatusSchema,
                 *DISTRICT_ADMINS)
