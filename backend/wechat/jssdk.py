"""JS-SDK signatures for `wx.config` (corp ticket) and `wx.agentConfig` (agent ticket)."""
from __future__ import annotations

import hashlib
import secrets
import time

from backend.config import settings
from backend.wechat.client import wechat_client, wechat_errors


def signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """SHA-1 over the documented string; the URL is signed without its '#' fragment."""
    page = url.split("#", 1)[0]
    return hashlib.sha1(f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={page}".encode()).hexdigest()


def jssdk_configs(url: str) -> dict:
    """What the light app passes to `wx.config` and `wx.agentConfig` for the page at `url`."""
    client = wechat_client()
    with wechat_errors("获取 JS-SDK 签名"):
        corp_ticket, agent_ticket = client.jsapi_ticket(), client.agent_ticket()
    timestamp, nonce = int(time.time()), secrets.token_hex(8)
    corp_id = settings().WECHAT_CORP_ID
    return {
        "config": {"appId": corp_id, "timestamp": timestamp, "nonceStr": nonce,
                   "signature": signature(corp_ticket, nonce, timestamp, url)},
        "agent_config": {"corpid": corp_id, "agentid": settings().WECHAT_AGENT_ID,
                         "timestamp": timestamp, "nonceStr": nonce,
                         "signature": signature(agent_ticket, nonce, timestamp, url)},
    }
