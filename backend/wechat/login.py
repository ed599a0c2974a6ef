"""Officers in light apps sign in with a government-WeChat OAuth code.

The authorize link carries a `state` the service signs (issue time, a random nonce, an HMAC with the
keyring's `wechat-oauth-state` key; hex only, as WeCom allows a-zA-Z0-9); the login must bring it back unaltered
and within WECHAT_OAUTH_STATE_MINUTES, so a code obtained outside a login this service started is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException

from backend import keys
from backend.config import settings
from backend.db import session
from backend.errors import Unauthorized
from backend.org.auth import issue_token
from backend.org.models import AuthToken, Officer
from backend.wechat.client import is_configured, wechat_client, wechat_errors

_STATE = re.compile(r"[0-9a-f]{8}[0-9a-f]{16}[0-9a-f]{32}")  # issued at, nonce, signature


def _state_signatures(issued_and_nonce: str) -> list[str]:
    """The state's signature under the current key, then under each previous one (a rotation keeps logins going)."""
    return [hmac.new(key, issued_and_nonce.encode(), hashlib.sha256).hexdigest()[:32]
            for key in keys.purpose_keys("wechat-oauth-state")]


def new_state() -> str:
    """A fresh signed state for one login attempt."""
    issued_and_nonce = f"{int(time.time()):08x}{secrets.token_hex(8)}"
    return issued_and_nonce + _state_signatures(issued_and_nonce)[0]


def check_state(state: str) -> None:
    """Refuse a state this service did not sign, or signed too long ago."""
    if not _STATE.fullmatch(state) or not any(hmac.compare_digest(state[24:], signature)
                                              for signature in _state_signatures(state[:24])):
        raise Unauthorized("登录校验失败（state 不符），请重新登录", code="wechat_state_invalid")
    # only this service can sign a state, so a future time is no forgery, at most another server's clock
    if time.time() - int(state[:8], 16) > settings().WECHAT_OAUTH_STATE_MINUTES * 60:
        raise Unauthorized("登录已超时（state 过期），请重新登录", code="wechat_state_expired")


def authorize_url(redirect_uri: str) -> tuple[str, str]:
    """The OAuth link for the light app to open, and the state it carries."""
    state = new_state()
    return wechat_client().oauth.authorize_url(redirect_uri, state), state


def qr_login_url(redirect_uri: str) -> tuple[str, str]:
    """The QR sign-in page of a web app (the console: 扫码登录) and the state it carries; the scan brings the
    browser back to `redirect_uri` with a code and the state, exchanged like a light app's."""
    current = settings()
    wechat_client()  # refused (503) unless government WeChat is set up
    state = new_state()
    query = urlencode({"appid": current.WECHAT_CORP_ID, "agentid": current.WECHAT_AGENT_ID,
                       "redirect_uri": redirect_uri, "state": state})
    return f"{current.WECHAT_QR_LOGIN_URL}?{query}", state


def qr_login_offered() -> bool:
    """Whether the console's sign-in page offers the QR sign-in (government WeChat set up)."""
    return is_configured(settings())


def wechat_userid(code: str) -> str:
    """The UserId `user/getuserinfo` gives for an OAuth code (Unauthorized if WeChat rejects it)."""
    with wechat_errors("登录"):
        try:
            info = wechat_client().oauth.get_user_info(code)
        except WeChatClientException as error:
            if error.errcode == WeChatErrorCode.INVALID_OAUTH_CODE.value:
                raise Unauthorized("政务微信授权码无效或已过期，请重新登录", code="wechat_code_invalid") from error
            raise
    userid = info.get("UserId") or info.get("userid")
    if not userid:  # a visitor from outside the organisation only gets an OpenId
        raise Unauthorized("您不是本单位政务微信通讯录成员，无法登录", code="wechat_not_member")
    return userid


def login_with_code(code: str, state: str, *, ttl: timedelta) -> tuple[str, AuthToken]:
    """Check the state, map the code's UserId to an active officer and issue a token."""
    check_state(state)
    officer = session.scalars(select(Officer).where(Officer.wechat_userid == wechat_userid(code))).one_or_none()
    if officer is None:
        raise Unauthorized("该政务微信账号未绑定执法人员，请联系管理员", code="wechat_user_unknown")
    if not officer.active:
        raise Unauthorized("该账号已停用", code="officer_inactive")
    return issue_token(officer, channel="wechat", ttl=ttl)
