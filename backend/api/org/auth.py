"""Sign in and out: staff passwords on the web (government-WeChat login lives in api/wechat/views.py)."""
from datetime import timedelta

from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.org.views import OfficerSchema
from backend.api.schemas import Schema
from backend.api.security import auth_required, bearer_token, current_actor
from backend.config import settings
from backend.org import auth

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="登录与退出")


class LoginSchema(Schema):
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=32),
                             metadata={"description": "工号", "example": "A0001"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=128), load_only=True,
                             metadata={"example": "demo-password"})


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "Bearer 令牌，放在 Authorization 头中"})
    expires_at = fields.AwareDateTime()
    officer = fields.Nested(OfficerSchema)


def token_response(token: str, row) -> dict:
    return {"token": token, "expires_at": row.expires_at, "officer": row.officer}


def token_ttl() -> timedelta:
    return timedelta(hours=settings().TOKEN_TTL_HOURS)


@blp.route("/login", endpoint="login")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="工号或密码错误，或账号已停用")
    @blp.alt_response(429, description="连续失败次数过多，账号暂时锁定")
    def post(self, body):
        """管理端工号密码登录"""
        audit_object("officer", body["badge_no"])
        current = settings()
        token, row = auth.login(
            body["badge_no"], body["password"], ttl=token_ttl(),
            max_failures=current.LOGIN_MAX_FAILURES, lockout=timedelta(minutes=current.LOGIN_LOCKOUT_MINUTES),
        )
        return token_response(token, row)


@blp.route("/logout", endpoint="logout")
class Logout(MethodView):
    @auth_required(blp, observers_too=True)
    @blp.response(204)
    def post(self):
        """退出登录（令牌立即失效）"""
        auth.logout(bearer_token())


@blp.route("/me", endpoint="me")
class Me(MethodView):
    @auth_required(blp)
    @blp.response(200, OfficerSchema)
    def get(self):
        """当前登录人员"""
        return current_actor()
