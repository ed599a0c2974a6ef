"""Work orders: a burst of signed orders with two photos each, and the monthly report over a year of orders.

1. Intake: BENCH_ORDERS (10,000) orders, each with two photo URLs on the fake city platform (127.0.0.1,
   the source registered as internal), POSTed signed to /api/orders/inbound/<name> through gunicorn on
   PostgreSQL; one in twenty is sent a second time (the platform's retry). The baseline is the bare signed
   webhook of the same server: the follow-up endpoint with an order id nobody sent (signature, timestamp,
   source and one lookup, then 404), in alternating blocks through the same clients. Afterwards the
   orders, their photos and the distinct order ids are counted: none lost, none doubled.
   Target (issue 18): reported as a ratio (no threshold named); every order stored once, with its photos.
2. Report: a year of BENCH_REPORT_ORDERS (100,000) orders over 10 squads; the monthly report of one month
   (backend.orders.reports.monthly, as the API computes it) against the bare SQL aggregate of the same
   counts over work_order, medians of alternating runs, on PostgreSQL and on SQLite.
   Target (issue 18): at most 2× the bare aggregate.
Run on its own: `python -m bench orders_intake` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_orders; the database is emptied and dropped afterwards).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, text

from bench._support import (
    PRODUCTION_THREADS,
    PRODUCTION_WORKERS,
    ROOT,
    drop_postgres,
    fresh_postgres,
    production_server,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_orders")
ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
REPORT_ORDERS = int(os.environ.get("BENCH_REPORT_ORDERS", "100000"))
RETRY_EVERY = 20
CONCURRENCY = 8
ROUNDS = 4
REPORT_RUNS = 15
KEY = "bench-city-platform-key-0123456789abcdef"
TARGET = {"report_ratio_max": 2.0}
MONTH = date(2026, 6, 1)


def _source(app, squad_name: str = "压测中队"):
    from backend.db import session
    from backend.orders.intake import seal_source_key
    from backend.orders.models import OrderSource, SourceKind
    from backend.org.models import District, Officer, Role, Squad
    from tests.fake_city_platform import CATEGORY_MAP, STATUS_MAP

    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name=squad_name)
        admin = Officer(badge_no="A00001", name="区管理员", role=Role.district_admin, district=district)
        source = OrderSource(name="bench", title="区城运中心",
                             kind=SourceKind.city_platform, key_encrypted=seal_source_key(KEY), coord_system="wgs84",
                             category_map=CATEGORY_MAP, status_map=STATUS_MAP, internal=True)
        session.add_all([district, squad, admin])
        session.flush()
        source.district_id, source.squad_id = district.id, squad.id
        session.add(source)
        session.commit()
        return district.id, admin.id


class _Client:
    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes) -> int:
        from tests.fake_city_platform import sign

        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Timestamp": timestamp,
                   "X-Signature": sign(KEY, timestamp, body)}
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
        response.read()
        return response.status


def _load(port: int, jobs: list[tuple[str, bytes]]) -> tuple[float, list[int]]:
    local = threading.local()

    def one(job):
        if not hasattr(local, "client"):
            local.client = _Client(port)
        return local.client.post(*job)

    began = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(one, jobs))
    return time.perf_counter() - began, statuses


def _orders(platform) -> list[bytes]:
    """The burst: every order once, one in RETRY_EVERY again right after (the platform's retry)."""
    bodies = []
    for n in range(ORDERS):
        body = json.dumps({
            "order_id": f"CY{n:08d}", "category": "A0101", "status": "待受理", "description": f"流动摊贩占道经营 {n}",
            "place": f"南京西路{n % 500}号", "lat": 31.2290 + (n % 97) * 0.0003, "lng": 121.4540 + (n % 89) * 0.0003,
            "photos": [platform.photo_url(f"p{(2 * n) % 40}.jpg"), platform.photo_url(f"p{(2 * n + 1) % 40}.jpg")],
        }, ensure_ascii=False).encode()
        bodies.append(body)
        if n % RETRY_EVERY == 0:
            bodies.append(body)
    return bodies


def intake() -> dict:
    from backend import create_app
    from backend.db import session
    from backend.migrate import upgrade
    from backend.orders.models import WorkOrder, WorkOrderPhoto
    from tests import photos
    from tests.fake_city_platform import FakeCityPlatform

    secret = secrets.token_hex(24)
    os.environ["FILES_DIR"] = tempfile.mkdtemp(prefix="bench-orders-files-")
    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secret, "SCHEDULER_MODE": "off", "LOG_LEVEL": "WARNING"})
    _source(app)
    app.extensions["db_engine"].dispose()
    platform = FakeCityPlatform(KEY).start()
    base = photos.coffee()
    for index in range(40):  # distinct real JPEGs (a tint each), as a platform's photos would be
        platform.photos[f"p{index}.jpg"] = (photos.encode(base.point(lambda v, i=index: min(255, v + i))),
                                            "image/jpeg")
    orders = [("/api/orders/inbound/bench", body) for body in _orders(platform)]
    unknown = json.dumps({"order_id": "NOBODY", "satisfaction": "满意"}).encode()
    bare = [("/api/orders/inbound/bench/followups", unknown)] * len(orders)
    try:
        with production_server(DB_URL, secret, startup_seconds=300) as port:
            _load(port, bare[:100])
            size = len(orders) // ROUNDS + 1
            totals = {"bare": [0.0, 0, set()], "ours": [0.0, 0, set()]}
            for start in range(0, len(orders), size):
                for name, jobs in (("bare", bare), ("ours", orders)):
                    elapsed, statuses = _load(port, jobs[start:start + size])
                    totals[name][0] += elapsed
                    totals[name][1] += len(statuses)
                    totals[name][2] |= set(statuses)
    finally:
        platform.stop()
    with app.app_context():
        stored = session.scalar(select(func.count()).select_from(WorkOrder))
        distinct = session.scalar(select(func.count(func.distinct(WorkOrder.source_order_id))))
        photo_rows = session.scalar(select(func.count()).select_from(WorkOrderPhoto))
    app.extensions["db_engine"].dispose()
    ours_rate = totals["ours"][1] / totals["ours"][0]
    bare_rate = totals["bare"][1] / totals["bare"][0]
    exact = stored == distinct == ORDERS and photo_rows == 2 * ORDERS and totals["ours"][2] == {200, 201}
    return {
        "work": f"{ORDERS} 张工单（各 2 张照片，经 URL 取回）+ {len(orders) - ORDERS} 次重发，签名推送，gunicorn "
                f"{PRODUCTION_WORKERS}x{PRODUCTION_THREADS} gthread，并发 {CONCURRENCY}，PostgreSQL",
        "ours": {"orders_per_second": round(ours_rate, 1), "stored": stored, "distinct_ids": distinct,
                 "photos": photo_rows, "statuses": sorted(totals["ours"][2])},
        "baseline": {"bare_signed_webhook_per_second": round(bare_rate, 1), "statuses": sorted(totals["bare"][2])},
        "ratio": round(ours_rate / bare_rate, 3),
        "target": "ratio reported; no order lost or doubled",
        "met": exact,
    }


BARE_AGGREGATE = """
SELECT squad_id, count(*),
       sum(CASE WHEN status NOT IN ('returned', 'referred')
                 AND (resolved_at IS NOT NULL OR resolve_due_at < :now) THEN 1 ELSE 0 END),
       sum(CASE WHEN status NOT IN ('returned', 'referred') AND resolved_at IS NOT NULL
                 AND resolved_at <= resolve_due_at THEN 1 ELSE 0 END),
       count(followup_result),
       sum(CASE WHEN followup_result IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END)
FROM work_order WHERE received_at >= :start AND received_at < :end GROUP BY squad_id
"""


def _year_of_orders(app) -> int:
    """REPORT_ORDERS orders over the year before MONTH's end, spread over 10 squads; the admin's id."""
    from backend.db import LOCAL_TZ, session
    from backend.orders.models import OrderSource, WorkOrder
    from backend.org.models import Squad

    district_id, admin_id = _source(app)
    rng = random.Random(18)
    with app.app_context():
        source_id = session.scalar(select(OrderSource.id))
        squads = [Squad(district_id=district_id, name=f"中队{i}") for i in range(9)]
        session.add_all(squads)
        session.flush()
        squad_ids = [*session.scalars(select(Squad.id))]
        end = datetime.combine(date(2026, 7, 1), datetime.min.time(), LOCAL_TZ)
        rows = []
        for n in range(REPORT_ORDERS):
            received = end - timedelta(seconds=rng.randrange(365 * 86400))
            due = received + timedelta(days=1)
            resolved = received + timedelta(hours=rng.randrange(1, 40)) if rng.random() < 0.9 else None
            rows.append({
                "source_id": source_id, "source_order_id": f"Y{n:08d}", "body_sha256": "0" * 64,
                "squad_id": squad_ids[n % len(squad_ids)], "category": "street_vending", "source_category": "A0101",
                "description": "工单", "lat": 31.2 + rng.random() * 0.1, "lng": 121.4 + rng.random() * 0.1,
                "status": "returned" if rng.random() < 0.03 else ("resolved" if resolved else "accepted"),
                "received_at": received, "accept_due_at": received + timedelta(hours=2), "resolve_due_at": due,
                "deadlines_from_source": False, "resolved_at": resolved,
                "followup_result": rng.choice([None, "satisfied", "basically_satisfied", "dissatisfied"])})
            if len(rows) == 10_000:
                session.execute(insert(WorkOrder), rows)
                rows = []
        if rows:
            session.execute(insert(WorkOrder), rows)
        session.commit()
    return admin_id


def _report_ratio(url: str) -> dict:
    from backend import create_app
    from backend.db import session, utcnow
    from backend.migrate import upgrade
    from backend.orders.models import WorkOrder
    from backend.orders.reports import month_bounds, monthly
    from backend.org.models import Officer

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(24), "SCHEDULER_MODE": "off",
                      "LOG_LEVEL": "WARNING"})
    admin_id = _year_of_orders(app)
    start, end = month_bounds(MONTH)
    ours, bare = [], []
    # The times bound as the column stores them (on SQLite a UTC text of one format), as the ORM binds them.
    stored_as = WorkOrder.received_at.type
    bare_sql = text(BARE_AGGREGATE).bindparams(*(bindparam(name, type_=stored_as) for name in ("now", "start", "end")))
    with app.app_context():
        session.execute(text("analyze"))  # as autovacuum keeps a running district's statistics
        session.commit()
        admin = session.get(Officer, admin_id)
        for run in range(REPORT_RUNS + 1):  # run 0 warms up (statement caches, pages)
            began = time.perf_counter()
            rows = monthly(admin, MONTH)
            elapsed_ours = time.perf_counter() - began
            began = time.perf_counter()
            bare_rows = session.execute(bare_sql, {"now": utcnow(), "start": start, "end": end}).all()
            elapsed_bare = time.perf_counter() - began
            if run:
                ours.append(elapsed_ours)
                bare.append(elapsed_bare)
        received = sum(row["received"] for row in rows)
        if received != sum(row[1] for row in bare_rows):
            raise RuntimeError("the report and the bare aggregate disagree on the month's orders")
    app.extensions["db_engine"].dispose()
    return {"ours_ms": round(statistics.median(ours) * 1000, 2), "bare_ms": round(statistics.median(bare) * 1000, 2),
            "month_orders": received}


def report() -> list[dict]:
    results = []
    fresh_postgres(DB_URL)
    try:
        results.append(("PostgreSQL", _report_ratio(DB_URL)))
    finally:
        drop_postgres(DB_URL)
    folder = Path(tempfile.mkdtemp(prefix="bench-orders-report-"))
    results.append(("SQLite", _report_ratio(f"sqlite:///{folder / 'bench.db'}")))
    rows = []
    for name, measured in results:
        ratio = round(measured["ours_ms"] / measured["bare_ms"], 2)
        rows.append({
            "work": f"月度报表（{MONTH:%Y-%m}，{measured['month_orders']} 张工单，一年共 {REPORT_ORDERS} 张，"
                    f"10 个中队），{name}",
            "ours": f"{measured['ours_ms']} ms",
            "baseline": f"{measured['bare_ms']} ms (裸 SQL 聚合)",
            "ratio": ratio, "target": TARGET, "met": ratio <= TARGET["report_ratio_max"]})
    return rows


def run() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    try:
        burst = intake()
    finally:
        drop_postgres(DB_URL)
    return [burst, *report()]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
