"""Signed office URLs: the office code and QR version with an HMAC, so codes cannot be forged or guessed."""
from __future__ import annotations

import base64
import hashlib
import hmac

from backend import keys
from backend.config import settings

PURPOSE = "community-office-qr"
SIGNATURE_BYTES = 12  # 96 bits: far beyond guessing, short enough for a small QR code


def office_signature(office_code: str, version: int) -> str:
    """`<key id>.<mac>` with the current key."""
    return keys.seal(PURPOSE, f"{office_code}:{version}", SIGNATURE_BYTES)


def signature_matches(office_code: str, version: int, signature: str) -> bool:
    """Constant-time check against every key kept; any text (even non-ASCII from a tampered URL) is a mismatch."""
    message = f"{office_code}:{version}"
    return (keys.unseal(PURPOSE, message, signature, SIGNATURE_BYTES)
            or keys.matches_unversioned(signature, lambda secret: _unversioned_signature(secret, message)))


def _unversioned_signature(secret: bytes, message: str) -> str:
    """The signature of QR codes printed before key ids, still valid while their key is in the ring."""
    key = hashlib.sha256(f"{PURPOSE}:".encode() + secret).digest()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def office_path(office_code: str, version: int) -> str:
    """The resident page's path for this office and QR version (the page blueprint serves it)."""
    return f"/c/{office_code}/{version}/{office_signature(office_code, version)}"


def office_url(office_code: str, version: int) -> str:
    return settings().PUBLIC_BASE_URL.rstrip("/") + office_path(office_code, version)
