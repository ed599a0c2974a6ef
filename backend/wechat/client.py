"""wechatpy's enterprise client for a private government-WeChat deployment.

Every URL comes from settings (WECHAT_API_BASE_URL for the API including `gettoken` and
`media/get`, WECHAT_OAUTH_URL for the authorize page); every request has a timeout; the token
refresh that wechatpy does on 40001/40014/42001 is capped at WECHAT_MAX_RETRIES; tokens and
tickets live in storage shared by all processes, keyed per corp and agent.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import requests
from flask import current_app
from wechatpy.client.base import BaseWeChatClient
from wechatpy.constants import WeChatErrorCode
from wechatpy.enterprise import WeChatClient
from wechatpy.enterprise.client.api import WeChatMaterial, WeChatMedia, WeChatOAuth
from wechatpy.exceptions import APILimitedException, WeChatClientException
from wechatpy.session import SessionStorage

from backend.config import Settings, settings
from backend.errors import ServiceUnavailable
from backend.wechat.storage import make_storage

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({
    WeChatErrorCode.INVALID_CREDENTIAL.value,  # 40001
    WeChatErrorCode.INVALID_ACCESS_TOKEN.value,  # 40014
    WeChatErrorCode.EXPIRED_ACCESS_TOKEN.value,  # 42001
})
# Cached tokens and tickets expire this much earlier than WeChat says, so none is used at its last second.
EXPIRY_MARGIN_SECONDS = 300
MEDIA_TYPES = frozenset({"image", "video", "audio"})
# Answers that no retry will change: the deployment or the app's settings must be corrected.
CONFIGURATION_ERRORS = {
    40001: "应用 Secret 无效，请核对 WECHAT_SECRET / WECHAT_CONTACTS_SECRET",
    40013: "企业 ID 无效，请核对 WECHAT_CORP_ID",
    40056: "应用 AgentId 无效，请核对 WECHAT_AGENT_ID",
    48002: "应用没有调用该接口的权限，请在政务微信管理后台开通",
    50001: "授权回调地址的域名与应用设置的可信域名不符，请在政务微信管理后台核对",
    60011: "应用无权访问该通讯录范围，请在政务微信管理后台调整可见范围",
    60020: "本服务器的出口 IP 不在应用的企业可信 IP 中，请在政务微信管理后台添加",
}


def cache_ttl(expires_in) -> int:
    return max(int(expires_in) - EXPIRY_MARGIN_SECONDS, 1)


class _TimeoutSession(requests.Session):
    """A requests session that applies one timeout to every call (wechatpy leaves some without)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().request(method, url, **kwargs)


def _download_url(api, endpoint: str, **query) -> str:
    """A download link under the configured base URL, carrying the current token."""
    return f"{api._client.API_BASE_URL}{endpoint}?{urlencode({'access_token': api.access_token, **query})}"


class _Media(WeChatMedia):
    """Temporary media from the configured base URL, through the client's session and retries."""

    def get_url(self, media_id):
        return _download_url(self, "media/get", media_id=media_id)

    def get_jssdk_url(self, media_id):
        return _download_url(self, "media/get/jssdk", media_id=media_id)

    def download(self, media_id, start: int | None = None, stop: int | None = None) -> requests.Response:
        """The media file (or its bytes start..stop-1) as a response; errors raise as for JSON calls."""
        headers = {} if start is None else {"Range": f"bytes={start}-{stop - 1}"}
        return self._get("media/get", params={"media_id": media_id}, headers=headers)


class _Material(WeChatMaterial):
    """Permanent material from the configured base URL."""

    def get_url(self, agent_id, media_id):
        return _download_url(self, "material/get", media_id=media_id, agentid=agent_id)

    def get(self, agent_id, media_id):
        return self._get("material/get", params={"media_id": media_id, "agentid": agent_id})


class _OAuth(WeChatOAuth):
    """The authorize link as WeCom documents it: every value escaped, the agent named (`agentid`)."""

    def authorize_url(self, redirect_uri, state):
        query = urlencode({"appid": self._client.corp_id, "redirect_uri": redirect_uri, "response_type": "code",
                           "scope": "snsapi_base", "state": state, "agentid": self._client.agent})
        return f"{self.OAUTH_BASE_URL}?{query}#wechat_redirect"


class GovWeChatClient(WeChatClient):
    """The enterprise client pointed at a government-WeChat deployment."""

    media = _Media()
    material = _Material()
    oauth = _OAuth()

    def __init__(self, corp_id: str, secret: str, *, agent: str, api_base_url: str, oauth_url: str,
                 storage: SessionStorage, timeout: float, max_retries: int):
        self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self.agent = agent
        self.max_retries = max_retries
        super().__init__(corp_id, secret, session=storage, timeout=timeout, auto_retry=False)
        self._http = _TimeoutSession(timeout)
        self.oauth.OAUTH_BASE_URL = oauth_url

    @property
    def access_token_key(self) -> str:
        return f"{self.corp_id}:{self.agent}:access_token"

    @property
    def access_token(self) -> str:
        """The shared cached token, fetched when no process holds a live one."""
        return self.session.get(self.access_token_key) or self.fetch_access_token()["access_token"]

    def fetch_access_token(self) -> dict:
        """Ask `gettoken` at the configured base URL and share the token through the storage."""
        log.info("fetching a government-WeChat access token for %s", self.agent)
        response = self._http.get(self.API_BASE_URL + "gettoken",
                                  params={"corpid": self.corp_id, "corpsecret": self.secret})
        try:
            response.raise_for_status()
        except requests.RequestException as error:
            raise WeChatClientException(None, None, client=self, request=error.request,
                                        response=error.response) from error
        result = self._handle_result(response)
        self.session.set(self.access_token_key, result["access_token"], cache_ttl(result.get("expires_in", 7200)))
        return result

    def _request(self, method, url_or_endpoint, **kwargs):
        """wechatpy's request, refreshing a rejected token at most `max_retries` times."""
        attempt = 0
        while True:
            try:
                # a fresh params dict each attempt, so the new token replaces the rejected one
                params = dict(kwargs.get("params") or {})
                return super()._request(method, url_or_endpoint, **{**kwargs, "params": params})
            except WeChatClientException as error:
                if error.errcode not in TOKEN_ERRORS or attempt >= self.max_retries:
                    raise
                attempt += 1
                log.info("government-WeChat rejected the token (%s); refreshing, retry %d", error.errcode, attempt)
                self.session.delete(self.access_token_key)
                self.fetch_access_token()

    def _decode_result(self, res):
        """Media files stay responses; everything else is decoded as JSON (and checked for errcode)."""
        content_type = res.headers.get("Content-Type", "")
        if res.headers.get("Content-Disposition") or content_type.split("/")[0] in MEDIA_TYPES \
                or "octet-stream" in content_type:
            return res
        return BaseWeChatClient._decode_result(self, res)

    def jsapi_ticket(self) -> str:
        """The corp's JS-SDK ticket for `wx.config`, cached in the shared storage."""
        return self._ticket(f"{self.corp_id}:jsapi_ticket", self.jsapi.get_ticket)

    def agent_ticket(self) -> str:
        """The agent's JS-SDK ticket for `wx.agentConfig`, cached in the shared storage."""
        return self._ticket(f"{self.corp_id}:{self.agent}:agent_ticket", self.jsapi.get_agent_ticket)

    def _ticket(self, key: str, fetch) -> str:
        ticket = self.session.get(key)
        if not ticket:
            result = fetch()
            ticket = result["ticket"]
            self.session.set(key, ticket, cache_ttl(result.get("expires_in", 7200)))
        return ticket


def _credentials(current: Settings, contacts: bool) -> tuple[str, str]:
    """The secret and agent name: the agent's, or the contacts secret (if set) for the directory."""
    if contacts and current.WECHAT_CONTACTS_SECRET:
        return current.WECHAT_CONTACTS_SECRET, "contacts"
    return current.WECHAT_SECRET, current.WECHAT_AGENT_ID


def is_configured(current: Settings, *, contacts: bool = False) -> bool:
    """Whether government WeChat is set up (it is not in the demo)."""
    return bool(current.WECHAT_CORP_ID and all(_credentials(current, contacts)))


def build_client(current: Settings, *, contacts: bool = False, storage: SessionStorage | None = None,
                 max_retries: int | None = None) -> GovWeChatClient:
    """A client from settings: the agent's secret, or the contacts secret (if set) for the directory."""
    if not is_configured(current, contacts=contacts):
        raise ServiceUnavailable("政务微信尚未配置，请联系管理员", code="wechat_not_configured")
    secret, agent = _credentials(current, contacts)
    return GovWeChatClient(
        current.WECHAT_CORP_ID, secret, agent=agent,
        api_base_url=current.WECHAT_API_BASE_URL, oauth_url=current.WECHAT_OAUTH_URL,
        storage=storage or make_storage(current), timeout=current.WECHAT_TIMEOUT_SECONDS,
        max_retries=current.WECHAT_MAX_RETRIES if max_retries is None else max_retries,
    )


def wechat_client(*, contacts: bool = False) -> GovWeChatClient:
    """The app's one client (one more for the directory when it has its own secret)."""
    clients = current_app.extensions.setdefault("wechat_clients", {})
    name = "contacts" if contacts and settings().WECHAT_CONTACTS_SECRET else "agent"
    if name not in clients:
        clients[name] = build_client(settings(), contacts=contacts)
    return clients[name]


@contextmanager
def wechat_errors(action: str) -> Iterator[None]:
    """Turn a failed government-WeChat call into ServiceUnavailable with a Chinese message."""
    try:
        yield
    except APILimitedException as error:
        raise ServiceUnavailable(f"政务微信接口调用过于频繁，{action}失败，请稍后再试",
                                 code="wechat_rate_limited") from error
    except WeChatClientException as error:
        if error.errcode in CONFIGURATION_ERRORS:
            raise ServiceUnavailable(f"政务微信配置有误，{action}失败：{CONFIGURATION_ERRORS[error.errcode]}"
                                     f"（错误码 {error.errcode}）", code="wechat_misconfigured") from error
        detail = f"（错误码 {error.errcode}）" if error.errcode is not None else ""
        raise ServiceUnavailable(f"政务微信返回错误{detail}，{action}失败，请稍后再试", code="wechat_error") from error
    except requests.RequestException as error:
        raise ServiceUnavailable(f"无法连接政务微信，{action}失败，请稍后再试", code="wechat_unreachable") from error
