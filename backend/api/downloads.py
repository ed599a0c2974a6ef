"""Signed short-lived download links (api/links.py says how they are checked): what the console opens instead of
fetching a file with its token in a header."""
from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from marshmallow import fields

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.links import sign_link
from backend.api.schemas import Schema
from backend.api.security import auth_required, bearer_token, current_actor
from backend.config import settings
from backend.db import utcnow
from backend.org.auth import token_id

blp = Blueprint("downloads", __name__, url_prefix="/api/downloads",
                description="下载链接：文件接口（导出的 Excel、二维码、通知书打印页、课件、证据、卷宗等）的"
                            "短时签名链接，不带 Authorization 头即可打开")


class LinkRequestSchema(Schema):
    path = fields.String(required=True, metadata={
        "description": "要下载的文件接口的路径（可带查询串），须是本人可读取的文件接口",
        "example": "/api/points/monthly/export?month=2026-11"})


class LinkSchema(Schema):
    url = fields.String(metadata={"description": "下载链接（同一路径加 link 参数）；以生成者的身份与权限读取"})
    expires_at = fields.DateTime(metadata={"description": "失效时间（DOWNLOAD_LINK_SECONDS 秒后）"})


@blp.route("/links", endpoint="links")
class Links(MethodView):
    @auth_required(blp, observers_too=True)
    @blp.arguments(LinkRequestSchema)
    @blp.response(201, LinkSchema)
    @blp.alt_response(422, description="该地址不是可下载的文件接口（link_not_allowed）")
    def post(self, body):
        """生成文件的短时下载链接：用此链接打开时不需 Authorization 头；过期 410，登录失效 401，用于别的路径 403"""
        current_actor()
        path, url = sign_link(body["path"], token_id(bearer_token()))
        audit_object("download_link", path.split("?", 1)[0][:64], detail=path)
        return {"url": url, "expires_at": utcnow() + timedelta(seconds=settings().DOWNLOAD_LINK_SECONDS)}
