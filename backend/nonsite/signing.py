"""Inbound calls from outside platforms, signed: HMAC-SHA256 over the timestamp and the body with the
sender's own key, a timestamp within the replay window; the alert id makes a repeat within it harmless."""
from __future__ import annotations

from datetime import datetime

from backend import webhooks
from backend.config import settings
from backend.errors import Unauthorized


def sender_keys() -> dict[str, str]:
    """NONSITE_SENDER_KEYS: `name=key,name=key`, one key per platform that sends alerts."""
    pairs = (item.partition("=") for item in settings().NONSITE_SENDER_KEYS.split(",") if item.strip())
    return {name.strip(): key.strip() for name, _, key in pairs if key.strip()}


# This platform's documented signing: a newline between timestamp and body; sender, then timestamp, then signature.
SCHEME = webhooks.Scheme(
    separator=b"\n", window=lambda: settings().NONSITE_REPLAY_SECONDS, error=Unauthorized,
    refusals={webhooks.TIMESTAMP: ("bad_timestamp", "缺少时间戳，或时间戳不是整数秒"),
              webhooks.STALE: ("stale_timestamp", "时间戳超出允许的时间窗口（可能是重放）"),
              webhooks.SIGNATURE: ("bad_signature", "签名错误")},
    order=(webhooks.TIMESTAMP, webhooks.STALE, webhooks.SIGNATURE))


def signature(key: str, timestamp: str, body: bytes) -> str:
    return webhooks.signature(key.encode(), timestamp, body, SCHEME.separator)


def verify(sender: str | None, timestamp: str | None, given: str | None, body: bytes, now: datetime,
           keys: dict[str, str] | None = None) -> str:
    """The sender whose key (in `keys`, by default the alert senders') signed `body` at `timestamp` (Unix
    seconds), or Unauthorized with the reason."""
    key = (sender_keys() if keys is None else keys).get(sender or "")
    if key is None:
        raise Unauthorized("未知的发送方，或未配置其密钥", code="unknown_sender")
    webhooks.verify(SCHEME, key.encode(), timestamp, given, body, now)
    return sender
