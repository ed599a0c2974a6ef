"""Pull mode: a source that only offers a list of its orders is polled by the `orders.pull` job.

Protocol (the source's list, signed both ways as its pushed orders are): we ask
`GET <pull_url>?cursor=<where the last page ended>&limit=<n>` signed over `<timestamp>.<query string>`; it
answers `{"orders": [...], "next_cursor": "...", "has_more": true|false}` signed over the body. Each order is
what it would have pushed, taken in as a pushed one (the same order pushed and listed is one order).

The cursor is stored with the orders of its page in one transaction, so a run stopped anywhere (a restart, a
crash) resumes after the last page stored. A run reads at most ORDERS_PULL_MAX_PAGES pages. A list that is
down, slow, unsigned or garbage fails the run: the failure is recorded on the source (`pull_error`), the cursor
stays and the next run retries. An order of a good page that would be refused when pushed (an unknown category,
a bad photo) is skipped and named in `pull_error`; the source cannot be answered a 4xx while it is polled.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.config import settings
from backend.db import session, utcnow
from backend.errors import DomainError
from backend.orders.intake import UNSTORABLE, signature, source_key, take, verify
from backend.orders.models import OrderSource

MAX_CURSOR = 200
MAX_PAGE_BYTES = 20_000_000


class PullFailed(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def pull_sources() -> dict[str, dict]:
    """The job: poll every active source with a list URL; what each run came to, by source name."""
    ids = session.scalars(select(OrderSource.id).where(OrderSource.pull_url.is_not(None),
                                                       OrderSource.active.is_(True)).order_by(OrderSource.id)).all()
    return {source.name: pull(source) for source in (session.get(OrderSource, i) for i in ids)}


def pull(source: OrderSource) -> dict:
    """Read the source's list from its cursor, page by page, storing each page with the cursor after it."""
    counts = {"pages": 0, "new": 0, "known": 0, "refused": 0, "error": None}
    refused = []  # by this run, named on the source until a run refuses none
    for _ in range(settings().ORDERS_PULL_MAX_PAGES):
        try:
            page = _page(source)
        except PullFailed as failure:
            source.pulled_at, source.pull_error = utcnow(), failure.detail[:300]
            counts["error"] = failure.detail
            session.commit()
            return counts
        refused += [why for why in (_take(source, fields, counts) for fields in page["orders"]) if why]
        source.pull_cursor, source.pulled_at = page["next_cursor"] or source.pull_cursor, utcnow()
        source.pull_error = ("拒收 " + "；".join(refused))[:300] if refused else None
        session.commit()
        counts["pages"] += 1
        if not page["has_more"] or not page["orders"]:
            break
    return counts


def _take(source: OrderSource, fields: dict, counts: dict) -> str | None:
    """One listed order stored (or found), in a savepoint; why it was refused, else None."""
    try:
        with session.begin_nested():
            _, new = take(source, fields, utcnow())
    except DomainError as refusal:
        counts["refused"] += 1
        return f"{UNSTORABLE.sub('?', str(fields.get('order_id'))[:64])}：{refusal.code}"
    except IntegrityError:  # pushed by its webhook meanwhile: the same order
        new = False
    counts["new" if new else "known"] += 1
    return None


def _page(source: OrderSource) -> dict:
    query = urlencode({"cursor": source.pull_cursor or "", "limit": settings().ORDERS_PULL_PAGE_SIZE})
    timestamp = str(int(time.time()))
    try:
        with requests.get(f"{source.pull_url}?{query}", stream=True, allow_redirects=False,
                          timeout=settings().ORDERS_PULL_TIMEOUT_SECONDS,
                          headers={"X-Timestamp": timestamp,
                                   "X-Signature": signature(source_key(source), timestamp, query.encode())}
                          ) as response:
            if response.status_code != 200:
                raise PullFailed(f"工单列表返回 HTTP {response.status_code}")
            body = b""
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise PullFailed(f"工单列表一页超过 {MAX_PAGE_BYTES} 字节")
    except requests.RequestException as error:
        raise PullFailed(f"工单列表不可达：{type(error).__name__}") from None
    try:
        verify(source, body, response.headers.get("X-Timestamp"), response.headers.get("X-Signature"), utcnow())
    except DomainError as refusal:
        raise PullFailed(f"工单列表应答签名无效：{refusal.message}") from None
    return _parsed(body)


def _parsed(body: bytes) -> dict:
    try:
        page = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PullFailed(f"工单列表应答不是 JSON：{body[:60]!r}") from None
    cursor = page.get("next_cursor") if isinstance(page, dict) else None
    if not (isinstance(page, dict) and isinstance(page.get("orders"), list)
            and all(isinstance(order, dict) for order in page["orders"])
            and isinstance(page.get("has_more"), bool)
            and (cursor is None or isinstance(cursor, str) and len(cursor) <= MAX_CURSOR
                 and not UNSTORABLE.search(cursor))):
        raise PullFailed(f"工单列表应答格式不对：{body[:60]!r}")
    return page
