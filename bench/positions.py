"""Patrol positions at the city's volume (issue 22), against gunicorn on PostgreSQL.

1. Intake: 300 fixes a second in batches of 10 (POST /api/duty/positions, 30 batches a second: the city's
   peak of 7,700 officers × one fix per 30 s ≈ 257 a second, with margin) for BENCH_POSITIONS_SECONDS
   (default 60). Each batch is due at its moment of a fixed schedule and its latency counts from then, so a
   server that falls behind cannot hide its queue in the client's. Every fix must be stored (counted in the
   database afterwards). Baseline: the bare endpoint, bench/bare_positions_app.py: a minimal Flask app served by
   gunicorn the same way, storing the same batches (other client ids) with one INSERT and a commit and nothing
   else (no token, validation, shift, track or audit), on the same schedule right after. Target: none lost, p99
   ≤ 3× the bare p99. (GET /api/health, one `SELECT 1` and no write, is reported too: it was the baseline
   before, and measured what a write costs PostgreSQL rather than what our endpoint adds to it.)
2. A shift's track summary (`backend.duty.queries.summarize_track`, what GET /api/duty/shifts/{id}/track
   reads) over a table holding a month of positions of BENCH_POSITIONS_MONTH_OFFICERS officers (default 500:
   a shift of 8 hours a working day, a fix every 30 s, generated in SQL), against the bare SQL aggregate over
   that month's partition, through the same connection. Target: ≤ 2× the bare SQL.
   The city's 7,700 officers make 15.4× the rows a month: the track summary reads one shift's pings through an
   index on (shift_id, recorded_at) in one month's partition, so its cost follows the shift's 960 pings, not the
   month's rows (the index is some 1-2 levels deeper); the output states both sizes.

PostgreSQL only (SQLite: a line saying it was skipped). Run on its own: `python -m bench.positions`
(BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1/bench_positions; emptied, migrated, dropped).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text

from bench._support import (
    ROOT,
    KeepAlive,
    cpu_ms_per_request,
    drop_postgres,
    fresh_postgres,
    production_server,
    request_costs,
    server_cpu_ticks,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_positions")
SECONDS = float(os.environ.get("BENCH_POSITIONS_SECONDS", "60"))
MONTH_OFFICERS = int(os.environ.get("BENCH_POSITIONS_MONTH_OFFICERS", "500"))
TRACK = os.environ.get("BENCH_POSITIONS_TRACK", "1") != "0"  # 0: the intake only
FIXES_PER_SECOND = 300
BATCH = 10
INTAKE_OFFICERS = 300  # each sends a batch every 10 s: its phone's 10 fixes of the last 5 minutes, say
CLIENT_THREADS = 24
CITY_OFFICERS = 7700
PINGS_PER_SHIFT = 960  # 8 hours, one every 30 s
TRACK_SHIFTS = 200  # shifts whose summary is measured
TARGET = {"lost": 0, "intake_p99_multiple_max": 3.0, "track_ratio_max": 2.0}
POST_LAT, POST_LNG = 31.2304, 121.4737


def _seed(app) -> list[tuple[str, list[list[dict]]]]:
    """A squad of officers with tokens and a running patrol shift at a post; each officer's batches to send."""
    from backend.db import session, utcnow
    from backend.duty.models import DutyType, Post, Shift
    from backend.org.models import AuthToken, District, Officer, Role, Squad

    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        post = Post(squad=squad, name="压测点位", shape="circle", center_lat=POST_LAT, center_lng=POST_LNG,
                    radius_m=2000, coord_system="gcj02", selfie_required=False, active=True)
        session.add_all([district, squad, post])
        session.flush()
        session.execute(insert(Officer), [
            {"badge_no": f"P{i:05d}", "name": f"队员{i}", "role": Role.officer, "district_id": district.id,
             "squad_id": squad.id, "active": True} for i in range(max(INTAKE_OFFICERS + 1, MONTH_OFFICERS))])
        ids = session.scalars(select(Officer.id).where(Officer.squad_id == squad.id).order_by(Officer.id)).all()
        now = utcnow().replace(microsecond=0)
        tokens = {i: secrets.token_urlsafe(32) for i in ids[:INTAKE_OFFICERS]}
        bare_officer = ids[INTAKE_OFFICERS]  # the bare endpoint's pings go to a shift of their own
        session.execute(insert(AuthToken), [
            {"token_hash": hashlib.sha256(t.encode()).hexdigest(), "officer_id": i, "channel": "password",
             "expires_at": now + timedelta(hours=3)} for i, t in tokens.items()])
        session.execute(insert(Shift), [
            {"officer_id": i, "squad_id": squad.id, "day": now.date(), "duty_type": DutyType.patrol,
             "post_id": post.id, "starts_at": now - timedelta(hours=2), "ends_at": now + timedelta(hours=6),
             "scheduled_minutes": 480, "attended_minutes": 0, "absent": False, "missing_check_out": False}
            for i in [*tokens, bare_officer]])
        bare_shift = session.scalar(select(Shift.id).where(Shift.officer_id == bare_officer))
        session.commit()
        # the rounds the schedule sends, and one more each: what `_request_costs` sends
        batches_each = math.ceil(SECONDS * FIXES_PER_SECOND / BATCH / INTAKE_OFFICERS) + 1
        # fixes every 3 s over the last 1.5 hours: in the shift, within the sync window, none in the future
        first = now - timedelta(minutes=90)
        work = []
        for token in [*tokens.values(), *[None] * INTAKE_OFFICERS]:  # the same batches for the bare endpoint
            fixes = [{"client_id": uuid.uuid4().hex, "client_at": (first + timedelta(seconds=3 * n)).isoformat(),
                      "lat": POST_LAT + (n % 50) * 0.00005, "lng": POST_LNG, "coord_system": "gcj02",
                      "accuracy_m": 12} for n in range(batches_each * BATCH)]
            work.append((token, [fixes[b * BATCH:(b + 1) * BATCH] for b in range(batches_each)]))
        return {"ours": work[:INTAKE_OFFICERS], "bare": work[INTAKE_OFFICERS:],
                "bare_env": {"BARE_OFFICER_ID": str(bare_officer), "BARE_SHIFT_ID": str(bare_shift)},
                "bare_shift": bare_shift}


def _paced(port: int, jobs: list[tuple], rate: float) -> list[tuple[int, float]]:
    """Send (method, path, token, body) jobs at `rate` a second on a fixed schedule over CLIENT_THREADS
    keep-alive clients; (status, seconds from the job's due moment to its answer) each."""
    start = time.perf_counter() + 0.5
    results, lock, cursor = [], threading.Lock(), iter(range(len(jobs)))

    def client_thread():
        client = KeepAlive(port)
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            due = start + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                status, _ = client.call(*jobs[index])
            except OSError:
                status = 0
            latency = time.perf_counter() - due
            with lock:
                results.append((status, latency))

    threads = [threading.Thread(target=client_thread) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _p99_ms(results: list[tuple[int, float]]) -> float:
    latencies = sorted(seconds for _, seconds in results)
    return round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1)


def _jobs(work: list, path: str) -> list[tuple]:
    rounds = max(len(batches) for _, batches in work) - 1  # the last is `_request_costs`'
    jobs = [("POST", path, token, {"positions": batches[r]}) for r in range(rounds) for token, batches in work]
    return jobs[:int(SECONDS * FIXES_PER_SECOND / BATCH)]


def _p50_ms(results: list[tuple[int, float]]) -> float:
    return round(statistics.median(s for _, s in results) * 1000, 1)


def _intake(port: int, bare_port: int, seed: dict) -> dict:
    """Ours, then the bare endpoint, then GET /api/health of ours, each on the same schedule (warmed first)."""
    ours_jobs, bare_jobs = _jobs(seed["ours"], "/api/duty/positions"), _jobs(seed["bare"], "/positions")
    rate = FIXES_PER_SECOND / BATCH
    for p in (port, bare_port):
        _paced(p, [("GET", "/api/health", None, None)] * 200, 100)
    before = server_cpu_ticks(DB_URL)
    ours = _paced(port, ours_jobs, rate)
    between = server_cpu_ticks(DB_URL)
    bare = _paced(bare_port, bare_jobs, rate)
    cpu = {"ours": cpu_ms_per_request(before, between, len(ours_jobs)),
           "bare": cpu_ms_per_request(between, server_cpu_ticks(DB_URL), len(bare_jobs))}
    health = _paced(port, [("GET", "/api/health", None, None)] * len(ours_jobs), rate)
    assert all(status == 200 for status, _ in bare), sorted({s for s, _ in bare})
    return {"batches": len(ours_jobs), "sent_fixes": len(ours_jobs) * BATCH,
            "ok_batches": sum(1 for s, _ in ours if s == 200), "statuses": sorted({s for s, _ in ours}),
            "p50_ms": _p50_ms(ours), "p99_ms": _p99_ms(ours), "bare_p50_ms": _p50_ms(bare),
            "bare_p99_ms": _p99_ms(bare), "health_p50_ms": _p50_ms(health), "health_p99_ms": _p99_ms(health),
            "cpu_ms_per_batch": cpu}


def _request_costs(app, seed: dict) -> dict:
    """What one batch costs the server, ours and the bare endpoint's, apart from the machine's load (CPU and round
    trips to the database, `request_costs`): each officer's last batch, kept from the schedule, sent in this process
    one after the other (in its shift's track after the batches sent before, as on the schedule)."""
    kept = dict(os.environ)
    os.environ.update({**seed["bare_env"], "DATABASE_URL": DB_URL})  # what the bare app reads as it is imported
    try:
        from bench import bare_positions_app
    finally:
        os.environ.clear()
        os.environ.update(kept)
    ours = request_costs(app, DB_URL, [("POST", "/api/duty/positions", token, {"positions": batches[-1]})
                                       for token, batches in seed["ours"]])
    bare = request_costs(bare_positions_app.app, DB_URL, [("POST", "/positions", None, {"positions": batches[-1]})
                                                          for _, batches in seed["bare"]],
                         engine=bare_positions_app.engine)
    bare_positions_app.engine.dispose()
    return {"ours": ours, "bare": bare,
            "cpu_ratio": round((ours["app_cpu_ms"] + ours["db_cpu_ms"]) / (bare["app_cpu_ms"] + bare["db_cpu_ms"]), 1)}


# A month of positions: every officer's working days (five in seven), 08:00-16:00 local, a fix every 30 s;
# into a plain table of the partition's shape (no index, no partition routing), attached as the month's partition
# afterwards, when PostgreSQL builds its indexes in one sorted pass each: some 4x faster than maintaining four
# indexes row by row over 10 million rows.
MONTH = """
WITH shifts AS (
  INSERT INTO duty_shift (officer_id, squad_id, day, starts_at, ends_at, scheduled_minutes, duty_type, post_id,
                          attended_minutes, absent, missing_check_out, closed_at, created_at)
  SELECT o.id, o.squad_id, d::date, d + interval '8 hours', d + interval '16 hours', 480, 'patrol', :post_id,
         480, false, false, d + interval '1 day', d - interval '7 days'
  FROM (SELECT id, squad_id FROM officer WHERE squad_id IS NOT NULL ORDER BY id LIMIT :officers) o
  CROSS JOIN generate_series(:first, :last, interval '1 day') AS d
  WHERE (o.id + extract(day from d)::int) % 7 NOT IN (0, 1)
  RETURNING id, officer_id, starts_at)
INSERT INTO {table} (client_id, officer_id, shift_id, source, recorded_at, received_at, late_sync, lat, lng,
                           coord_system, accuracy_m, inside, step_m, step_seconds, step_inside_seconds)
SELECT md5(s.id || ':' || n), s.officer_id, s.id, 'app', s.starts_at + n * interval '30 seconds',
       s.starts_at + n * interval '30 seconds' + interval '2 seconds', false, 31.2304 + (n % 40) * 0.00005,
       121.4737, 'gcj02', 12, true, CASE WHEN n = 0 THEN 0 ELSE 5.5 END, CASE WHEN n = 0 THEN 0 ELSE 30 END,
       CASE WHEN n = 0 THEN 0 ELSE 30 END
FROM shifts s CROSS JOIN generate_series(0, :pings - 1) AS n
"""


def _month_of_positions(app) -> dict:
    """Last month's positions of MONTH_OFFICERS officers, generated in SQL; rows and seconds it took."""
    from backend import periods
    from backend.db import LOCAL_TZ, session, utcnow
    from backend.duty import partitions
    from backend.duty.models import Post

    with app.app_context():
        month = periods.month_before(partitions.month_of(utcnow()))
        name = partitions.partition_name(month)
        low, high = partitions.month_start(month), partitions.month_start(periods.month_after(month))
        first = datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)
        last = high - timedelta(days=1)
        began = time.perf_counter()
        session.execute(text(f"drop table if exists {name}"))  # empty: made ahead by the migration, maybe
        session.execute(text(f"create table {name} (like {partitions.TABLE} including defaults "
                             "including constraints)"))
        session.execute(text(f"alter table {name} add constraint {name}_month check "
                             f"(recorded_at >= '{low.isoformat()}' and recorded_at < '{high.isoformat()}')"))
        session.execute(text("set local synchronous_commit = off"))
        session.execute(text(MONTH.format(table=name)), {
            "post_id": session.scalar(select(Post.id)), "officers": MONTH_OFFICERS, "first": first, "last": last,
            "pings": PINGS_PER_SHIFT})
        loaded = time.perf_counter()
        session.execute(text("set local maintenance_work_mem = '256MB'"))
        session.execute(text(f"alter table {partitions.TABLE} attach partition {name} "
                             f"for values from ('{low.isoformat()}') to ('{high.isoformat()}')"))
        session.execute(text(f"alter table {name} drop constraint {name}_month"))  # the bound says it now
        session.commit()
        generated = time.perf_counter() - began
        return {"month": periods.key("month", month), "partition": name, "generated_seconds": round(generated, 1),
                "loaded_seconds": round(loaded - began, 1), "indexed_seconds": round(generated - (loaded - began), 1)}


def _track_summaries(app, month: dict) -> dict:
    """Our track summary against the bare aggregate over the month's partition, alternating, same shifts."""
    from backend.db import session
    from backend.duty.models import Shift
    from backend.duty.queries import summarize_track

    bare_sql = text(f"select count(id), coalesce(sum(step_m), 0), coalesce(sum(step_inside_seconds), 0) "
                    f"from {month['partition']} where shift_id = :shift_id")
    with app.app_context():
        rows = session.scalar(text(f"select count(*) from {month['partition']}"))
        shifts = session.scalars(select(Shift).where(Shift.closed_at.is_not(None))
                                 .order_by(text("random()")).limit(TRACK_SHIFTS)).all()
        timings = {"ours": [], "bare": []}
        for rounds in range(3):  # the first round warms both (plans, pages); then measured
            for n, shift in enumerate(shifts):
                pair = [("ours", lambda s=shift: summarize_track(s)),
                        ("bare", lambda s=shift: session.execute(bare_sql, {"shift_id": s.id}).one())]
                answers = {}
                for name, query in pair if n % 2 else reversed(pair):
                    began = time.perf_counter()
                    answers[name] = tuple(query())
                    if rounds:
                        timings[name].append(time.perf_counter() - began)
                assert answers["ours"][0] == answers["bare"][0] == PINGS_PER_SHIFT, answers
        session.rollback()
    ours, bare = statistics.median(timings["ours"]), statistics.median(timings["bare"])
    return {"rows_in_month": rows, "ours_ms": round(ours * 1000, 3), "bare_ms": round(bare * 1000, 3),
            "ratio": round(ours / bare, 2)}


def _intake_row(intake: dict, stored: int, costs: dict) -> dict:
    lost = intake["sent_fixes"] - stored
    p99_multiple = round(intake["p99_ms"] / intake["bare_p99_ms"], 2)
    return {
        "work": f"{FIXES_PER_SECOND} fixes/s in batches of {BATCH} for {SECONDS:.0f} s "
                f"({intake['sent_fixes']} fixes, {INTAKE_OFFICERS} officers), gunicorn on PostgreSQL",
        "ours": {"stored": stored, "lost": lost, "p50_ms": intake["p50_ms"], "p99_ms": intake["p99_ms"],
                 "statuses": intake["statuses"], "server_cpu_ms_per_batch": intake["cpu_ms_per_batch"]["ours"],
                 "one_batch_in_process": costs["ours"]},
        "baseline": {"bare_insert_p50_ms": intake["bare_p50_ms"], "bare_insert_p99_ms": intake["bare_p99_ms"],
                     "health_p50_ms": intake["health_p50_ms"], "health_p99_ms": intake["health_p99_ms"],
                     "bare_server_cpu_ms_per_batch": intake["cpu_ms_per_batch"]["bare"],
                     "one_bare_batch_in_process": costs["bare"], "in_process_cpu_ratio": costs["cpu_ratio"]},
        "ratio": p99_multiple, "target": {"lost": 0, "p99_multiple_max": TARGET["intake_p99_multiple_max"]},
        "met": lost == 0 and p99_multiple <= TARGET["intake_p99_multiple_max"],
        "load_average": [round(x, 1) for x in os.getloadavg()]}


def run() -> dict | list[dict]:
    if not DB_URL.startswith("postgresql"):
        return {"work": "patrol positions: skipped, PostgreSQL only (monthly partitions; SQLite keeps one plain "
                        "table for a district's demo)", "met": None}
    sys.path.insert(0, str(ROOT))
    from backend import create_app
    from backend.db import session
    from backend.duty.models import Position
    from backend.migrate import upgrade

    secret = secrets.token_hex(16)
    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secret, "SCHEDULER_MODE": "off", "LOG_LEVEL": "WARNING"})
    try:
        seed = _seed(app)
        with app.extensions["db_engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("analyze"))
        app.extensions["db_engine"].dispose()
        with production_server(DB_URL, secret) as port, \
                production_server(DB_URL, secret, app="bench.bare_positions_app:app", env=seed["bare_env"]) as bare:
            intake = _intake(port, bare, seed)
        with app.app_context():
            stored = session.scalar(select(func.count()).select_from(Position)
                                    .where(Position.shift_id != seed["bare_shift"]))
        costs = _request_costs(app, seed)
        intake_row = _intake_row(intake, stored, costs)
        # said now: the month's generation that follows takes minutes
        print(json.dumps(intake_row, ensure_ascii=False, default=str), file=sys.stderr, flush=True)
        if not TRACK:
            app.extensions["db_engine"].dispose()
            return [intake_row]
        month = _month_of_positions(app)
        with app.extensions["db_engine"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"analyze {month['partition']}"))
        track = _track_summaries(app, month)
        app.extensions["db_engine"].dispose()
    finally:
        drop_postgres(DB_URL)
    city_rows = track["rows_in_month"] * CITY_OFFICERS // MONTH_OFFICERS
    return [
        intake_row,
        {"work": f"a shift's track summary ({PINGS_PER_SHIFT} fixes) over a month of {MONTH_OFFICERS} officers' "
                 f"positions ({track['rows_in_month']:,} rows in {month['partition']}, generated in "
                 f"{month['generated_seconds']} s); the city's {CITY_OFFICERS:,} officers make ≈{city_rows:,} rows "
                 "a month: the summary reads one shift's index range in one partition, so its time stays about "
                 "the same (the index one or two levels deeper)",
         "ours": {"median_ms": track["ours_ms"]}, "baseline": {"bare_sql_on_partition_median_ms": track["bare_ms"]},
         "generation": {"loaded_s": month["loaded_seconds"], "indexed_and_attached_s": month["indexed_seconds"],
                        "city_month_estimate_s": round(month["generated_seconds"] * CITY_OFFICERS / MONTH_OFFICERS)},
         "ratio": track["ratio"], "target": {"ratio_max": TARGET["track_ratio_max"]},
         "met": track["ratio"] <= TARGET["track_ratio_max"], "load_average": [round(x, 1) for x in os.getloadavg()]},
    ]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2, default=str))
