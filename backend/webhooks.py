"""Signed inbound calls from outside platforms: HMAC-SHA256, hex, with the sender's key over the timestamp (Unix
seconds) and the raw body, and a timestamp within a replay window. Each platform documents its own separator
between timestamp and body, the order it checks in and the codes it answers with: a `Scheme` states them."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from backend.errors import DomainError

# What a refusal names: no signature or timestamp at all, a wrong signature, a timestamp that is no whole number
# of seconds, a timestamp outside the window. Each maps to a platform's (code, message).
MISSING, SIGNATURE, TIMESTAMP, STALE = "missing", "signature", "timestamp", "stale"


@dataclass(frozen=True)
class Scheme:
    """A platform's signing: `separator` between timestamp and body; `window()` the replay window in seconds;
    `refusals` the (code, message) of each refusal, raised as `error` (a 401), in `order` (a refusal without an
    entry is not checked on its own: without MISSING, a missing header fails the check that reads it)."""

    separator: bytes
    window: Callable[[], int]
    error: type[DomainError]
    refusals: dict[str, tuple[str, str]]
    order: tuple[str, ...]


def signature(key: bytes, timestamp: str, body: bytes, separator: bytes) -> str:
    """hex(HMAC-SHA256(key, timestamp + separator + body)): what a sender sends as its signature."""
    return hmac.new(key, timestamp.encode() + separator + body, hashlib.sha256).hexdigest()


def verify(scheme: Scheme, key: bytes, timestamp: str | None, given: str | None, body: bytes, now: datetime) -> None:
    """Refuse `body` unless `given` is its signature with `key` at `timestamp`, within the window of `now`."""
    def refuse(refusal: str):
        code, message = scheme.refusals[refusal]
        return scheme.error(message, code=code)

    sent = None
    for check in scheme.order:
        if check == MISSING and (not timestamp or not given):
            raise refuse(MISSING)
        if check == SIGNATURE and not hmac.compare_digest(
                signature(key, timestamp or "", body, scheme.separator).encode(), (given or "").encode()):
            raise refuse(SIGNATURE)
        if check == TIMESTAMP:
            try:
                sent = int(timestamp or "")
            except ValueError:
                raise refuse(TIMESTAMP) from None
        if check == STALE and abs(now.timestamp() - sent) > scheme.window():
            raise refuse(STALE)
