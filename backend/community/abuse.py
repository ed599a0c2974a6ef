"""Abuse control for residents' submissions: rate limits per address and phone, duplicate detection."""
from __future__ import annotations

import re
from datetime import timedelta
from difflib import SequenceMatcher

from limits import parse
from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.community.models import Category, Complaint, RateCounter
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import TooManyRequests

DUPLICATE_SIMILARITY = 0.9
DUPLICATE_WINDOW = timedelta(days=1)


def _hit(key: str, window_seconds: int) -> int:
    """Count one submission for `key` in its current fixed window; the window's count, this one included.

    One atomic upsert on the database every process shares (SQLite and PostgreSQL alike): a counter
    row per key, restarted at 1 when a new window begins. It joins the request's transaction, so a
    submission refused or failing later does not count, and a concurrent one waits for it.
    """
    now = int(utcnow().timestamp())
    window_start = now - now % window_seconds
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RateCounter).values(key=key, window_start=window_start, hits=1)
    statement = statement.on_conflict_do_update(index_elements=[RateCounter.key], set_={
        "hits": case((RateCounter.window_start == statement.excluded.window_start, RateCounter.hits + 1), else_=1),
        "window_start": statement.excluded.window_start,
    }).returning(RateCounter.hits)
    return session.execute(statement).scalar_one()


def check_rate_limits(address: str | None, phone_fingerprint: str | None) -> None:
    """Count one submission against its address and phone, or refuse it if either is over its limit."""
    config = settings()
    checks = []
    if address:
        checks.append((config.COMMUNITY_LIMIT_PER_ADDRESS, "address", address, "您所在的网络提交过于频繁，请稍后再试"))
    if phone_fingerprint:
        checks.append(
            (config.COMMUNITY_LIMIT_PER_PHONE, "phone", phone_fingerprint, "该手机号提交过于频繁，请明天再试")
        )
    for limit, kind, key, message in checks:
        item = parse(limit)
        if _hit(f"community-submit/{kind}/{key}", item.get_expiry()) > item.amount:
            raise TooManyRequests(message, code=f"rate_limited_{kind}")


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
