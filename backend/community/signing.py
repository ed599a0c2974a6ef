"""Signed office URLs: the office code and QR version with an HMAC, so codes cannot be forged or guessed."""
from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

SIGNATURE_BYTES = 12  # 96 bits: far beyond guessing, short enough for a small QR code


def office_signature(office_code: str, version: int) -> str:
    key = hashlib.sha256(b"community-office-qr:" + current_app.config["SECRET_KEY"].encode()).digest()
    digest = hmac.new(key, f"{office_code}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def signature_matches(office_code: str, version: int, signature: str) -> bool:
    """Constant-time check; any text (even non-ASCII from a tampered URL) is simply a mismatch."""
    return hmac.compare_digest(office_signature(office_code, version).encode(), (signature or "").encode())


def office_path(office_code: str, version: int) -> str:
    """The resident page's path for this office and QR version (the page blueprint serves it)."""
    return f"/c/{office_code}/{version}/{office_signature(office_code, version)}"


def office_url(office_code: str, version: int) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + office_path(office_code, version)
