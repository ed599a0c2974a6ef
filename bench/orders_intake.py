"""Work orders: a burst of signed orders with two photos each, and the monthly report over a year of orders.

1. Intake: BENCH_ORDERS (10,000) orders, each with two photo URLs of its own on the fake city platform
   (127.0.0.1, the source registered as internal), POSTed signed to /api/orders/inbound/<name> through gunicorn
   on PostgreSQL; one in twenty is sent a second time (the platform's retry). The baseline is the bare signed
   webhook of the same server: the follow-up endpoint with an order id nobody sent (signature, timestamp,
   source and one lookup, then 404), in alternating blocks (a fifth of ours) through the same clients.
   Afterwards the orders, their photos and the distinct order ids are counted and asserted: none lost, none
   doubled. Target (issue 18): the throughput ratio printed (no threshold named).
2. Report: a year of BENCH_REPORT_ORDERS (100,000) orders over 10 squads, with a fifth as many residents'
   complaints (ratings, linked reports) and one order in twenty a repeat; the monthly report of one month
   (backend.orders.reports.monthly, as the API computes it, its squads in scope included) against the honest
   equivalent in bare SQL: the same four aggregates over the same four tables in one hand-written statement
   (plus the district's squads), medians of alternating runs, on PostgreSQL and on SQLite; both must give the
   same counts. Target (issue 18): at most 2× the bare aggregate.
Run on its own: `python -m bench orders_intake` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_orders; the database is emptied and dropped afterwards); a quick
check: BENCH_ORDERS=500 BENCH_REPORT_ORDERS=10000.
"""
from __future__ import annotations

import json
import logging
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

from sqlalchemy import bindparam, func, insert, select, text

from bench._support import (
    PRODUCTION_THREADS,
    PRODUCTION_WORKERS,
    ROOT,
    KeepAlive,
    bench_app,
    drop_postgres,
    fresh_postgres,
    on_both_databases,
    production_server,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_orders")
ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
REPORT_ORDERS = int(os.environ.get("BENCH_REPORT_ORDERS", "100000"))
RETRY_EVERY = 20
CONCURRENCY = 8
ROUNDS = 4
BARE_SHARE = 5  # the bare endpoint's blocks are a fifth of ours: a rate needs no 10,000 requests of it
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


class _Client(KeepAlive):
    def __init__(self, port: int):
        super().__init__(port, timeout=60)

    def post(self, path: str, body: bytes) -> int:
        from tests.fake_city_platform import sign

        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Timestamp": timestamp,
                   "X-Signature": sign(KEY, timestamp, body)}
        return self.send("POST", path, body, headers)[0]


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


class _OwnPhotos(dict):
    """What the fake platform serves at /photos/<n>.jpg: each order's own photos, as a platform's are (distinct
    bytes, hence distinct storage keys: no two orders wait on one file's claim) — one of a few tinted real JPEGs
    with the photo's name in a comment segment, made when asked (20,000 photos kept would take a gigabyte)."""

    def __init__(self, bases: list[bytes]):
        super().__init__()
        self.bases = bases

    def __contains__(self, name) -> bool:
        return name.endswith(".jpg") and name[:-4].isdigit()

    def __getitem__(self, name: str) -> tuple[bytes, str]:
        base = self.bases[int(name[:-4]) % len(self.bases)]
        comment = name.encode()
        return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:], "image/jpeg"


def _orders(platform) -> list[bytes]:
    """The burst: every order once, one in RETRY_EVERY again right after (the platform's retry)."""
    bodies = []
    for n in range(ORDERS):
        body = json.dumps({
            "order_id": f"CY{n:08d}", "category": "A0101", "status": "待受理", "description": f"流动摊贩占道经营 {n}",
            "place": f"南京西路{n % 500}号", "lat": 31.2290 + (n % 97) * 0.0003, "lng": 121.4540 + (n % 89) * 0.0003,
            "photos": [platform.photo_url(f"{2 * n}.jpg"), platform.photo_url(f"{2 * n + 1}.jpg")],
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

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake platform logs no line per photo
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
    platform.photos = _OwnPhotos([photos.encode(base.point(lambda v, i=index: min(255, v + i)))
                                  for index in range(40)])
    orders = [("/api/orders/inbound/bench", body) for body in _orders(platform)]
    unknown = json.dumps({"order_id": "NOBODY", "satisfaction": "满意"}).encode()
    bare = [("/api/orders/inbound/bench/followups", unknown)] * (len(orders) // BARE_SHARE + ROUNDS)
    try:
        with production_server(DB_URL, secret, startup_seconds=300) as port:
            _load(port, bare[:100])
            size, bare_size = len(orders) // ROUNDS + 1, len(bare) // ROUNDS
            totals = {"bare": [0.0, 0, set()], "ours": [0.0, 0, set()]}
            for round_ in range(ROUNDS):  # alternating, so that both see the same machine
                for name, jobs in (("bare", bare[round_ * bare_size:(round_ + 1) * bare_size]),
                                   ("ours", orders[round_ * size:(round_ + 1) * size])):
                    elapsed, statuses = _load(port, jobs)
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
    if not exact:  # an order lost or doubled is a failure, not a figure
        raise AssertionError(f"orders stored {stored} (distinct ids {distinct}), photos {photo_rows}, answered "
                             f"{sorted(totals['ours'][2])}: expected {ORDERS} orders once each, {2 * ORDERS} photos")
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


# The honest equivalent of the report in bare SQL: the same four aggregates over the same tables (orders with
# their 回访, complaints with their ratings, the linked reports' ratings, the repeats), one statement, as a DBA
# would write it by hand; its rows are summed per squad in Python as ours are.
BARE_AGGREGATE = """
SELECT squad_id, count(*) AS received,
       sum(CASE WHEN status NOT IN ('returned', 'referred')
                 AND (resolved_at IS NOT NULL OR resolve_due_at < :now) THEN 1 ELSE 0 END) AS due,
       sum(CASE WHEN status NOT IN ('returned', 'referred') AND resolved_at IS NOT NULL
                 AND resolved_at <= resolve_due_at THEN 1 ELSE 0 END) AS on_time,
       count(followup_result) AS rated,
       sum(CASE WHEN followup_result IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END) AS satisfied,
       0 AS repeats, 0 AS repeats_closed
FROM work_order WHERE squad_id IN :squads AND received_at >= :start AND received_at < :end GROUP BY squad_id
UNION ALL
SELECT squad_id, count(*),
       sum(CASE WHEN status NOT IN ('rejected', 'transferred')
                 AND (resolved_at IS NOT NULL OR resolve_due_at < :now) THEN 1 ELSE 0 END),
       sum(CASE WHEN status NOT IN ('rejected', 'transferred') AND resolved_at IS NOT NULL
                 AND resolved_at <= resolve_due_at THEN 1 ELSE 0 END),
       count(rating), sum(CASE WHEN rating >= :minimum THEN 1 ELSE 0 END), 0, 0
FROM complaint WHERE squad_id IN :squads AND submitted_at >= :start AND submitted_at < :end GROUP BY squad_id
UNION ALL
SELECT c.squad_id, 0, 0, 0, count(r.rating), sum(CASE WHEN r.rating >= :minimum THEN 1 ELSE 0 END), 0, 0
FROM complaint c JOIN complaint_report r ON r.complaint_id = c.id
WHERE c.squad_id IN :squads AND c.submitted_at >= :start AND c.submitted_at < :end GROUP BY c.squad_id
UNION ALL
SELECT squad_id, 0, 0, 0, 0, 0, count(*), count(closed_at)
FROM order_repeat WHERE squad_id IN :squads AND later_at >= :start AND later_at < :end GROUP BY squad_id
"""
COUNTED = ("received", "due", "on_time", "rated", "satisfied", "repeats", "repeats_closed")


def _year_of_orders(app) -> int:
    """REPORT_ORDERS orders over the year before MONTH's end, spread over 10 squads, with a fifth as many
    residents' complaints (ratings, some linked reports) and one order in twenty a repeat (a third of those
    checked and closed); the admin's id."""
    from backend.community.models import CommunityOffice, Complaint, ComplaintReport
    from backend.db import LOCAL_TZ, session
    from backend.orders.models import OrderSource, WorkOrder
    from backend.orders.repeat_links import RepeatLink
    from backend.org.models import Squad

    district_id, admin_id = _source(app)
    rng = random.Random(18)
    with app.app_context():
        source_id = session.scalar(select(OrderSource.id))
        squads = [Squad(district_id=district_id, name=f"中队{i}") for i in range(9)]
        session.add_all(squads)
        session.flush()
        squad_ids = [*session.scalars(select(Squad.id))]
        offices = [CommunityOffice(code=f"CO-{i}", name=f"社区工作室{i}", squad_id=squad_id,
                                   residential_committee="居委", address="某路 1 号")
                   for i, squad_id in enumerate(squad_ids)]
        session.add_all(offices)
        session.flush()
        end = datetime.combine(date(2026, 7, 1), datetime.min.time(), LOCAL_TZ)

        def moment():
            received = end - timedelta(seconds=rng.randrange(365 * 86400))
            resolved = received + timedelta(hours=rng.randrange(1, 40)) if rng.random() < 0.9 else None
            return received, resolved

        def in_batches(model, rows):
            for first in range(0, len(rows), 10_000):
                session.execute(insert(model), rows[first:first + 10_000])

        orders = []
        for n in range(REPORT_ORDERS):
            received, resolved = moment()
            orders.append({
                "source_id": source_id, "source_order_id": f"Y{n:08d}", "body_sha256": "0" * 64,
                "squad_id": squad_ids[n % len(squad_ids)], "category": "street_vending", "source_category": "A0101",
                "description": "工单", "lat": 31.2 + rng.random() * 0.1, "lng": 121.4 + rng.random() * 0.1,
                "status": "returned" if rng.random() < 0.03 else ("resolved" if resolved else "accepted"),
                "received_at": received, "accept_due_at": received + timedelta(hours=2),
                "resolve_due_at": received + timedelta(days=1), "deadlines_from_source": False,
                "resolved_at": resolved,
                "followup_result": rng.choice([None, "satisfied", "basically_satisfied", "dissatisfied"])})
        in_batches(WorkOrder, orders)
        complaints = []
        for n in range(REPORT_ORDERS // 5):
            submitted, resolved = moment()
            complaints.append({
                "tracking_code": f"T{n:09d}", "office_id": offices[n % len(offices)].id,
                "squad_id": squad_ids[n % len(squad_ids)], "category": "street_vending", "description": "诉件",
                "status": "rejected" if rng.random() < 0.03 else ("closed" if resolved else "accepted"),
                "submitted_at": submitted, "accept_due_at": submitted + timedelta(hours=2),
                "resolve_due_at": submitted + timedelta(days=1), "resolved_at": resolved, "reports": 1,
                "rating": rng.choice([None, 1, 2, 3, 4, 5])})
        in_batches(Complaint, complaints)
        complaint_ids = [*session.scalars(select(Complaint.id).order_by(Complaint.id))]
        in_batches(ComplaintReport, [
            {"complaint_id": complaint_id, "tracking_code": f"R{n:09d}", "description": "同一问题",
             "submitted_at": end - timedelta(days=200), "rating": rng.choice([None, 2, 4, 5])}
            for n, complaint_id in enumerate(complaint_ids[::10])])
        order_rows = session.execute(select(WorkOrder.id, WorkOrder.squad_id, WorkOrder.received_at)
                                     .order_by(WorkOrder.id)).all()
        in_batches(RepeatLink, [
            {"squad_id": later.squad_id, "category": "street_vending", "earlier_order_id": earlier.id,
             "later_order_id": later.id, "distance_m": 20.0, "later_at": later.received_at,
             "flagged_at": later.received_at, "closed_at": later.received_at if n % 3 == 0 else None,
             "finding": "handled" if n % 3 == 0 else None}
            for n, (earlier, later) in enumerate(zip(order_rows[:-1:20], order_rows[1::20], strict=True))])
        session.commit()
    return admin_id


def _summed(rows) -> dict[int, tuple[int, ...]]:
    """Per squad, the counts of COUNTED summed over the rows (the report's, or the bare aggregate's)."""
    totals: dict[int, list[int]] = {}
    for row in rows:
        squad_totals = totals.setdefault(row["squad_id"], [0] * len(COUNTED))
        for index, name in enumerate(COUNTED):
            squad_totals[index] += int(row[name] or 0)
    return {squad_id: tuple(counts) for squad_id, counts in totals.items() if any(counts)}


def _report_ratio(url: str) -> dict:
    with bench_app(url) as (app, _engine, _):
        return _report_measured(app)


def _report_measured(app) -> dict:
    from backend.config import settings
    from backend.db import session, utcnow
    from backend.orders.models import WorkOrder
    from backend.orders.reports import month_bounds, monthly
    from backend.org.models import Officer, Squad

    admin_id = _year_of_orders(app)
    start, end = month_bounds(MONTH)
    ours, bare = [], []
    # The times bound as the column stores them (on SQLite a UTC text of one format), as the ORM binds them.
    stored_as = WorkOrder.received_at.type
    bare_sql = text(BARE_AGGREGATE).bindparams(*(bindparam(name, type_=stored_as) for name in ("now", "start", "end")),
                                               bindparam("squads", expanding=True))
    with app.app_context():
        session.execute(text("analyze"))  # as autovacuum keeps a running district's statistics
        session.commit()
        admin = session.get(Officer, admin_id)
        minimum = settings().ORDERS_SATISFIED_MIN_RATING
        for run in range(REPORT_RUNS + 1):  # run 0 warms up (statement caches, pages)
            now = utcnow()
            began = time.perf_counter()
            rows = monthly(admin, MONTH)
            elapsed_ours = time.perf_counter() - began
            began = time.perf_counter()
            # what ours reads besides: the squads in the caller's scope (bare: the district's, by hand)
            squads = [*session.scalars(select(Squad.id).where(Squad.district_id == admin.district_id))]
            bare_rows = [row._mapping for row in session.execute(
                bare_sql, {"now": now, "start": start, "end": end, "squads": squads, "minimum": minimum})]
            bare_totals = _summed(bare_rows)
            elapsed_bare = time.perf_counter() - began
            if run:
                ours.append(elapsed_ours)
                bare.append(elapsed_bare)
        if _summed(rows) != bare_totals:
            raise RuntimeError(f"the report and the bare aggregate disagree: {_summed(rows)} != {bare_totals}")
        received = sum(row["received"] for row in rows)
    return {"ours_ms": round(statistics.median(ours) * 1000, 2), "bare_ms": round(statistics.median(bare) * 1000, 2),
            "month_items": received}


def report() -> list[dict]:
    results = on_both_databases(_report_ratio, DB_URL, "orders-report")
    rows = []
    for name, measured in (("PostgreSQL", results["postgresql"]), ("SQLite", results["sqlite"])):
        ratio = round(measured["ours_ms"] / measured["bare_ms"], 2)
        rows.append({
            "work": f"月度报表（{MONTH:%Y-%m}，当月工单与诉件 {measured['month_items']} 件；一年共 "
                    f"{REPORT_ORDERS} 张工单、{REPORT_ORDERS // 5} 件诉件及其评价与重复投诉，10 个中队），{name}",
            "ours": f"{measured['ours_ms']} ms",
            "baseline": f"{measured['bare_ms']} ms (同四张表的裸 SQL 聚合，一条语句)",
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
