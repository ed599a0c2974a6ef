"""Abuse control for residents' submissions: rate limits per address and phone, duplicate detection."""
from __future__ import annotations

import re
from datetime import timedelta
from difflib import SequenceMatcher

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select

from backend.community.models import Category, Complaint
from backend.db import session, utcnow
from backend.errors import TooManyRequests

DUPLICATE_SIMILARITY = 0.9
DUPLICATE_WINDOW = timedelta(days=1)


def limiter() -> MovingWindowRateLimiter:
    """The app's limiter: Redis when REDIS_URL is set (shared by every process), else in memory."""
    extensions = current_app.extensions
    if "community_limiter" not in extensions:
        storage = storage_from_string(current_app.config["REDIS_URL"] or "memory://")
        extensions["community_limiter"] = MovingWindowRateLimiter(storage)
    return extensions["community_limiter"]


def check_rate_limits(address: str | None, phone_fingerprint: str | None) -> None:
    """Count one submission against its address and phone, or refuse it if either is over its limit."""
    config = current_app.config
    checks = []
    if address:
        checks.append((parse(config["COMMUNITY_LIMIT_PER_ADDRESS"]), "address", address,
                       "您所在的网络提交过于频繁，请稍后再试"))
    if phone_fingerprint:
        checks.append((parse(config["COMMUNITY_LIMIT_PER_PHONE"]), "phone", phone_fingerprint,
                       "该手机号提交过于频繁，请明天再试"))
    for item, kind, key, message in checks:
        if not limiter().test(item, "community-submit", kind, key):
            raise TooManyRequests(message, code=f"rate_limited_{kind}")
    for item, kind, key, _ in checks:
        limiter().hit(item, "community-submit", kind, key)


def _comparable(text: str) -> str:
    """The text without spaces and punctuation, which people vary when they resubmit."""
    return re.sub(r"[\W_]+", "", text).lower()


def find_duplicate(office_id: int, category: Category, description: str) -> Complaint | None:
    """An open-or-recent complaint of the same office and category with near-identical text, from the last day."""
    candidates = session.scalars(select(Complaint).where(
        Complaint.office_id == office_id, Complaint.category == category,
        Complaint.submitted_at >= utcnow() - DUPLICATE_WINDOW,
    ).order_by(Complaint.submitted_at.desc()).limit(50))
    text = _comparable(description)
    for candidate in candidates:
        matcher = SequenceMatcher(None, text, _comparable(candidate.description), autojunk=False)
        if matcher.quick_ratio() >= DUPLICATE_SIMILARITY and matcher.ratio() >= DUPLICATE_SIMILARITY:
            return candidate
    return None
