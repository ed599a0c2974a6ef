"""Check-ins per second through gunicorn on PostgreSQL, against a bare endpoint of the same server.

Each check-in is the whole path: token check, the shift looked up and locked, the client id looked
up, the time judged, the fence test, the insert with its audit row, the commit. The bare endpoint is
GET /api/health: the same gunicorn workers, Flask/flask-smorest dispatch, request hooks, database
session and one round trip (`SELECT 1`) with nothing of its own, so the ratio shows what the check-in
itself costs. Both run in the same run, in alternating blocks, through the same clients, on the server the
README recommends for production (`bench._support.production_server`: gthread workers, keep-alive).

Target (issue 3): check-ins at ≥ 40% of the bare throughput, p99 ≤ 3× the bare p99.
The load is bounded: loopback only, a fixed number of requests at a fixed concurrency.
Run on its own: `python -m bench.duty_checkin` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_duty; the database is emptied, migrated, given a year of the
squad's duty and analysed).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta

from sqlalchemy import insert, select, text

from bench._support import (
    PRODUCTION_THREADS,
    PRODUCTION_WORKERS,
    ROOT,
    KeepAlive,
    fresh_postgres,
    production_server,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_duty")
OFFICERS = 40
SHIFTS_PER_OFFICER = 50  # one check-in per shift: 2,000 check-ins, the first WARM_UP of them not measured
# Requests in flight: enough to keep the server's workers busy; more would only lengthen its queue (and the
# p99 would measure that queue), and the client's threads share the machine's cores with the server.
CONCURRENCY = 8
WARM_UP = 100  # of each kind: every worker compiles its statements and prepares them on its connection
ROUNDS = 4
TARGET = {"ratio_min": 0.40, "p99_multiple_max": 3.0}
POST_LAT, POST_LNG = 31.2304, 121.4737


def _seed(app) -> list[tuple[str, int]]:
    """Officers with tokens, a circular post, and one-minute shifts starting within the next hour;
    the (token, shift id) of every check-in to send."""
    from backend.db import session, utcnow
    from backend.duty.models import DutyType, Post, Shift
    from backend.org.models import AuthToken, District, Officer, Role, Squad

    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        post = Post(squad=squad, name="压测点位", shape="circle", center_lat=POST_LAT, center_lng=POST_LNG,
                    radius_m=100, coord_system="gcj02", selfie_required=False, active=True)
        session.add_all([district, squad, post])
        session.flush()
        session.execute(insert(Officer), [
            {"badge_no": f"D{i:05d}", "name": f"队员{i}", "role": Role.officer, "district_id": district.id,
             "squad_id": squad.id, "active": True} for i in range(OFFICERS)])
        ids = session.scalars(select(Officer.id).where(Officer.squad_id == squad.id).order_by(Officer.id)).all()
        tokens = {i: secrets.token_urlsafe(32) for i in ids}
        now = utcnow().replace(second=0, microsecond=0)
        session.execute(insert(AuthToken), [
            {"token_hash": hashlib.sha256(t.encode()).hexdigest(), "officer_id": i, "channel": "password",
             "expires_at": now + timedelta(hours=2)} for i, t in tokens.items()])
        session.execute(insert(Shift), [
            {"officer_id": i, "squad_id": squad.id, "day": now.date(), "duty_type": DutyType.fixed_post,
             "post_id": post.id, "starts_at": now + timedelta(minutes=2 + n),
             "ends_at": now + timedelta(minutes=3 + n), "scheduled_minutes": 1, "attended_minutes": 0,
             "absent": False, "missing_check_out": False} for i in ids for n in range(SHIFTS_PER_OFFICER)])
        shifts = session.execute(select(Shift.officer_id, Shift.id).order_by(Shift.starts_at, Shift.id)).all()
        session.execute(text(HISTORY), {"post_id": post.id, "days": HISTORY_DAYS})
        session.commit()
        return [(tokens[officer_id], shift_id) for officer_id, shift_id in shifts]


# A year of the squad's duty before the measured day: every officer's daily shift with its check-in, check-out
# and their audit rows. Then the tables are analysed, as autovacuum keeps them in a running district: an empty,
# never-analysed database would measure the planner's guesses (sequential scans of a growing table), not ours.
HISTORY_DAYS = 365
HISTORY = """
WITH past AS (
  INSERT INTO duty_shift (officer_id, squad_id, day, starts_at, ends_at, scheduled_minutes, duty_type, post_id,
                          attended_minutes, absent, missing_check_out, closed_at, created_at)
  SELECT o.id, o.squad_id, (now() - d * interval '1 day')::date, now() - d * interval '1 day',
         now() - d * interval '1 day' + interval '8 hours', 480, 'fixed_post', :post_id, 480, false, false,
         now() - d * interval '1 day' + interval '1 day', now() - d * interval '1 day' - interval '7 days'
  FROM officer o CROSS JOIN generate_series(1, :days) AS d WHERE o.squad_id IS NOT NULL
  RETURNING id, officer_id, starts_at, ends_at),
checks AS (
  INSERT INTO duty_check (client_id, officer_id, shift_id, kind, client_at, received_at, late_sync, lat, lng,
                          coord_system, accuracy_m, distance_outside_m, timing, minutes_off, out_of_area)
  SELECT md5(past.id || kind), past.officer_id, past.id, kind,
         CASE kind WHEN 'check_in' THEN past.starts_at ELSE past.ends_at END,
         CASE kind WHEN 'check_in' THEN past.starts_at ELSE past.ends_at END, false, 31.2306, 121.4737, 'gcj02', 15,
         0, 'on_time', 0, false
  FROM past CROSS JOIN (VALUES ('check_in'), ('check_out')) AS k(kind)
  RETURNING id, officer_id, received_at)
INSERT INTO audit_entry (at, actor_id, action, object_type, object_id, address, request_id, outcome)
SELECT received_at, officer_id, 'POST duty_attendance.check_ins', 'duty_check', id::text, '127.0.0.1',
       md5(id::text), 201
FROM checks
"""


def _load(port: int, jobs: list[tuple]) -> tuple[float, list[float], set[int]]:
    """Send (method, path, token, body) jobs over CONCURRENCY client threads: elapsed seconds,
    each request's latency, the statuses seen."""
    local = threading.local()

    def one(job):
        if not hasattr(local, "client"):
            local.client = KeepAlive(port)
        body = job[3]() if callable(job[3]) else job[3]
        started = time.perf_counter()
        status, _ = local.client.call(job[0], job[1], job[2], body)
        return status, time.perf_counter() - started

    began = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(one, jobs))
    return time.perf_counter() - began, [seconds for _, seconds in results], {status for status, _ in results}


def _interleaved(port: int, bare: list[tuple], checkins: list[tuple]) -> tuple[dict, dict]:
    """Alternate ROUNDS blocks of each kind, so a noisy neighbour weighs on both figures alike."""
    totals = {"bare": [0.0, [], set()], "ours": [0.0, [], set()]}
    size = len(checkins) // ROUNDS
    for start in range(0, size * ROUNDS, size):
        for name, jobs in (("bare", bare), ("ours", checkins)):
            elapsed, latencies, statuses = _load(port, jobs[start:start + size])
            totals[name][0] += elapsed
            totals[name][1] += latencies
            totals[name][2] |= statuses
    figures = {}
    for name, (elapsed, latencies, statuses) in totals.items():
        latencies.sort()
        figures[name] = {"per_second": round(len(latencies) / elapsed, 1),
                         "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
                         "statuses": sorted(statuses)}
    return figures["bare"], figures["ours"]


def _check_in(shift_id: int):
    """The body of a check-in at the post, stamped when it is sent."""
    from datetime import datetime

    return lambda: {"client_id": uuid.uuid4().hex, "shift_id": shift_id,
                    "client_at": datetime.now(UTC).isoformat(), "lat": POST_LAT + 0.0002,
                    "lng": POST_LNG, "coord_system": "gcj02", "accuracy_m": 15}


def run() -> dict:
    sys.path.insert(0, str(ROOT))
    from backend import create_app
    from backend.migrate import upgrade

    secret = secrets.token_hex(16)
    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secret, "SCHEDULER_MODE": "off", "LOG_LEVEL": "WARNING"})
    work = _seed(app)
    with app.extensions["db_engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("analyze"))
        conn.execute(text("checkpoint"))  # the history's pages are written now, not while we measure
    app.extensions["db_engine"].dispose()
    bare = [("GET", "/api/health", None, None)] * len(work)
    checkins = [("POST", "/api/duty/check-ins", token, _check_in(shift_id)) for token, shift_id in work]
    with production_server(DB_URL, secret) as port:
        _load(port, bare[:WARM_UP])
        _load(port, checkins[:WARM_UP])
        baseline, ours = _interleaved(port, bare[WARM_UP:], checkins[WARM_UP:])
    if ours["statuses"] != [201] or baseline["statuses"] != [200]:
        raise RuntimeError(f"unexpected statuses: check-ins {ours['statuses']}, bare {baseline['statuses']}")
    ratio = round(ours["per_second"] / baseline["per_second"], 2)
    p99_multiple = round(ours["p99_ms"] / baseline["p99_ms"], 2)
    return {
        "work": f"{len(work) - WARM_UP} check-ins (token, shift lock, fence, insert, audit, commit) against as many "
                f"health checks, gunicorn {PRODUCTION_WORKERS}x{PRODUCTION_THREADS} gthread, concurrency {CONCURRENCY}",
        "ours": {"checkins_per_second": ours["per_second"], "p99_ms": ours["p99_ms"]},
        "baseline": {"bare_requests_per_second": baseline["per_second"], "p99_ms": baseline["p99_ms"]},
        "ratio": ratio,
        "p99_multiple": p99_multiple,
        "target": TARGET,
        "met": ratio >= TARGET["ratio_min"] and p99_multiple <= TARGET["p99_multiple_max"],
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
