"""Officers in light apps sign in with a government-WeChat OAuth code."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException

from backend.db import session
from backend.errors import Unauthorized
from backend.org.auth import issue_token
from backend.org.models import AuthToken, Officer
from backend.wechat.client import wechat_client, wechat_errors


def wechat_userid(code: str) -> str:
    """The UserId `user/getuserinfo` gives for an OAuth code (Unauthorized if WeChat rejects it)."""
    with wechat_errors("登录"):
        try:
            info = wechat_client().oauth.get_user_info(code)
        except WeChatClientException as error:
            if error.errcode == WeChatErrorCode.INVALID_OAUTH_CODE.value:
                raise Unauthorized("政务微信授权码无效或已过期，请重新打开应用", code="wechat_code_invalid") from error
            raise
    userid = info.get("UserId") or info.get("userid")
    if not userid:  # a visitor from outside the organisation only gets an OpenId
        raise Unauthorized("您不是本单位政务微信通讯录成员，无法登录", code="wechat_not_member")
    return userid


def login_with_code(code: str, *, ttl: timedelta) -> tuple[str, AuthToken]:
    """Map the code's UserId to an active officer and issue a token."""
    officer = session.scalars(select(Officer).where(Officer.wechat_userid == wechat_userid(code))).one_or_none()
    if officer is None:
        raise Unauthorized("该政务微信账号未绑定执法人员，请联系管理员", code="wechat_user_unknown")
    if not officer.active:
        raise Unauthorized("该账号已停用", code="officer_inactive")
    return issue_token(officer, channel="wechat", ttl=ttl)
