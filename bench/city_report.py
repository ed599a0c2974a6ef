"""The city report (全市报表) for a month over sixteen districts' generated data, against the bare SQL aggregates
of the same rows.

Generated in SQL (PostgreSQL: generate_series; SQLite: a recursive CTE): 16 districts of 13 squads, BENCH_CITY_OFFICERS
(7,700: the city's officers, seed 004) officers; in November 2026 22 shifts each (2 % absent; their check-ins, 1 in
12 late, 1 in 20 out of area), BENCH_CITY_ORDERS (20,000) work orders and half as many complaints, 9,000 cases
registered (half closed) with 2,000 flags, four course completions per officer over the year, a month sheet per
officer.

Ours: `district_rows` for the sixteen districts (what GET /api/city-reports/districts answers a city reader, less
the scope check): one UNION ALL statement, an aggregate per source per squad, summed per district, and the rates.
Baseline: the bare aggregates grouped by district, one plain SELECT per source table over the same rows and month
(shifts with their check-ins, orders, complaints, cases, flags, the year's completed courses' hours, sheets), each
fetched. Medians of alternating rounds. Target (issue 22): ≤ 2× the bare aggregates.

Run on its own: `python -m bench city_report` (BENCH_CITY_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_city, emptied, dropped afterwards; BENCH_CITY_SQLITE=0 skips the
SQLite run). A quick check: BENCH_CITY_OFFICERS=800 BENCH_CITY_ORDERS=2000.
"""
from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from bench._support import bench_app, on_both_databases, ratio_report

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_CITY_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_city")
OFFICERS = int(os.environ.get("BENCH_CITY_OFFICERS", "7700"))
ORDERS = int(os.environ.get("BENCH_CITY_ORDERS", "20000"))
DISTRICTS, SQUADS_PER_DISTRICT, DAYS, CASES, FLAGS = 16, 13, 22, 9000, 2000
MONTH = date(2026, 11, 1)
ROUNDS = 5
TARGET = 2.0
NOW = "2026-11-01 00:00:00"


class Dialect:
    """The few expressions generation needs, for PostgreSQL and SQLite."""

    def __init__(self, postgres: bool):
        self.postgres = postgres

    def numbers(self, n: int, alias: str = "g") -> str:
        """The numbers 1..n as `alias`.i."""
        if self.postgres:
            return f"generate_series(1, {n}) as {alias}(i)"
        return (f"(with recursive {alias}(i) as (select 1 union all select i + 1 from {alias} where i < {n}) "
                f"select i from {alias}) as {alias}")

    def day(self, days: str) -> str:
        """November 2026's first day plus `days` (a local date)."""
        return f"(date '2026-11-01' + ({days}))" if self.postgres else f"date('2026-11-01', ({days}) || ' days')"

    def at(self, days: str, hours: str) -> str:
        """00:00 Asia/Shanghai on November 2026's first day plus `days` and `hours`, as a UTC timestamp."""
        if self.postgres:
            return (f"(timestamptz '2026-10-31 16:00:00+00' + ({days}) * interval '1 day' "
                    f"+ ({hours}) * interval '1 hour')")
        # as SQLAlchemy writes a DateTime to SQLite (with microseconds), so text comparisons agree
        return f"(datetime('2026-10-31 16:00:00', ({days}) || ' days', ({hours}) || ' hours') || '.000000')"


def _seed(conn) -> dict:
    d = Dialect(conn.dialect.name == "postgresql")
    squads = DISTRICTS * SQUADS_PER_DISTRICT
    run = lambda sql, **params: conn.execute(text(sql), {"now": NOW, **params})  # noqa: E731
    run(f"insert into district (id, code, name) select i, 'D' || i, '区' || i from {d.numbers(DISTRICTS)}")
    run(f"insert into squad (id, district_id, name, active) select i, (i - 1) % {DISTRICTS} + 1, '街镇中队' || i, "
        f"true from {d.numbers(squads)}")
    run(f"insert into officer (id, badge_no, name, role, district_id, squad_id, active, created_at, updated_at) "
        f"select i, 'B' || i, '队员' || i, 'officer', ((i - 1) % {squads}) % {DISTRICTS} + 1, (i - 1) % {squads} + 1, "
        f"true, :now, :now from {d.numbers(OFFICERS)}")
    # 22 shifts per officer, 2 % absent
    run(f"insert into duty_shift (officer_id, squad_id, day, starts_at, ends_at, scheduled_minutes, duty_type, "
        f"attended_minutes, absent, missing_check_out, created_at) "
        f"select o.id, o.squad_id, {d.day('s.i - 1')}, {d.at('s.i - 1', '0')}, {d.at('s.i - 1', '8')}, 480, 'patrol', "
        f"case when (o.id + s.i) % 50 = 0 then 0 else 480 end, (o.id + s.i) % 50 = 0, false, :now "
        f"from officer o cross join {d.numbers(DAYS, 's')}")
    run("insert into duty_check (client_id, officer_id, shift_id, kind, client_at, timing, minutes_off, out_of_area, "
        "received_at, late_sync, lat, lng, coord_system, accuracy_m) "
        "select 'c' || id, officer_id, id, 'check_in', starts_at, "
        "case when id % 12 = 0 then 'late' else 'on_time' end, case when id % 12 = 0 then 10 else 0 end, "
        "id % 20 = 0, starts_at, false, 31.23, 121.47, 'gcj02', 10 "
        "from duty_shift where not absent")
    run(f"insert into order_source (id, district_id, squad_id, name, title, kind, key_encrypted, coord_system, "
        f"category_map, status_map, active, internal) select i, (i - 1) % {DISTRICTS} + 1, i, 's' || i, '城运', "
        f"'city_platform', :key, 'gcj02', '{{}}', '{{}}', true, false from {d.numbers(squads)}", key=b"-")
    resolved = "case when g.i % 5 = 0 then null else {} end".format(d.at("g.i % 28", "g.i % 24 + (g.i % 7) * 24"))
    run(f"insert into work_order (source_id, source_order_id, body_sha256, squad_id, category, source_category, "
        f"description, status, received_at, accept_due_at, resolve_due_at, deadlines_from_source, resolved_at, "
        f"followup_result) select g.i % {squads} + 1, 'O' || g.i, 'x', g.i % {squads} + 1, 'street_vending', 'A', "
        f"'工单', "
        f"case when g.i % 5 = 0 then 'accepted' else 'resolved' end, {d.at('g.i % 28', 'g.i % 24')}, "
        f"{d.at('g.i % 28', 'g.i % 24 + 2')}, {d.at('g.i % 28', 'g.i % 24 + 120')}, false, {resolved}, "
        f"case g.i % 3 when 0 then 'satisfied' when 1 then 'dissatisfied' end from {d.numbers(ORDERS)}")
    run(f"insert into community_office (id, code, name, squad_id, residential_committee, address, coord_system) "
        f"select i, 'CO' || i, '工作室' || i, i, '居委', '路', 'gcj02' from {d.numbers(squads)}")
    resolved = "case when g.i % 4 = 0 then null else {} end".format(d.at("g.i % 28", "g.i % 24 + (g.i % 6) * 24"))
    run(f"insert into complaint (tracking_code, office_id, squad_id, category, description, status, reports, "
        f"submitted_at, accept_due_at, resolve_due_at, resolved_at, rating) select 'T' || g.i, g.i % {squads} + 1, "
        f"g.i % {squads} + 1, 'street_vending', '诉件', case when g.i % 4 = 0 then 'accepted' else 'closed' end, 1, "
        f"{d.at('g.i % 28', 'g.i % 24')}, {d.at('g.i % 28', 'g.i % 24 + 2')}, {d.at('g.i % 28', 'g.i % 24 + 96')}, "
        f"{resolved}, case when g.i % 4 = 0 then null else g.i % 5 + 1 end from {d.numbers(ORDERS // 2)}")
    run(f"insert into case_record (number, district_id, squad_id, officer_id, discovered_on, registered_on, closed_on, "
        f"registration_due_on, imported_at, updated_at) select 'C' || g.i, o.district_id, o.squad_id, o.id, "
        f"{d.day('g.i % 28')}, {d.day('g.i % 28')}, case when g.i % 2 = 0 then {d.day('g.i % 28 + 1')} end, "
        f"{d.day('g.i % 28 + 15')}, :now, :now from {d.numbers(CASES)} join officer o on o.id = g.i % {OFFICERS} + 1")
    run(f"insert into case_flag (case_id, kind, day, officer_id, squad_id, flagged_at) select c.id, "
        f"case c.id % 4 when 0 then 'registration_overdue' when 1 then 'handling_overdue' "
        f"when 2 then 'arbitrary_withdrawal' else 'arbitrary_revocation' end, c.discovered_on, c.officer_id, "
        f"c.squad_id, :now from case_record c where c.id % {CASES // FLAGS} = 0")
    online = f"i <= {2 * DISTRICTS}"  # four courses per district: two online of 10 hours, two classroom of 4
    run(f"insert into training_course (id, district_id, title, category, credit_hours, created_at) "
        f"select i, (i - 1) % {DISTRICTS} + 1, '课程' || i, case when {online} then 'online' else 'classroom' end, "
        f"case when {online} then 10 else 4 end, :now from {d.numbers(4 * DISTRICTS)}")
    completed = d.day("-(c.i * 70 + o.id % 60)")
    run(f"insert into training_course_completion (course_id, officer_id, completed_on, recorded_by_id, recorded_at) "
        f"select o.district_id + (c.i - 1) * {DISTRICTS}, o.id, {completed}, o.id, :now "
        f"from officer o cross join {d.numbers(4, 'c')}")
    run("insert into points_monthly (officer_id, month, district_id, squad_id, state, base, items_total, "
        "adjustments_total, total, deductions, version, computed_at) select id, :month, district_id, squad_id, "
        "case when id % 3 = 0 then 'draft' else 'published' end, 100, id % 25 - 15, 0, 85 + id % 25, 0, 1, :now "
        "from officer", month=MONTH)
    if d.postgres:
        run("analyze")
    counts = {}
    for table in ("duty_shift", "duty_check", "work_order", "complaint", "case_record", "case_flag",
                  "training_course_completion", "points_monthly"):
        counts[table] = conn.scalar(text(f"select count(*) from {table}"))  # noqa: S608 (our own table names)
    return counts


def bare_aggregates(postgres: bool) -> list:
    """The bare per-district aggregates of the same rows: one plain SELECT per source table."""
    start, end = "'2026-10-31 16:00:00'", "'2026-11-30 16:00:00'"
    if postgres:
        start, end = f"timestamptz {start[:-1]}+00'", f"timestamptz {end[:-1]}+00'"
    month = "'2026-11-01'" if not postgres else "date '2026-11-01'"
    following = "'2026-12-01'" if not postgres else "date '2026-12-01'"
    return [text(sql) for sql in (
        f"select s.district_id, count(*), sum(case when sh.absent then 1 else 0 end), count(c.id), "
        f"sum(case when c.timing = 'late' then 1 else 0 end), sum(case when c.out_of_area then 1 else 0 end), "
        f"sum(sh.scheduled_minutes), sum(sh.attended_minutes) from duty_shift sh join squad s on s.id = sh.squad_id "
        f"left join duty_check c on c.shift_id = sh.id and c.kind = 'check_in' "
        f"where sh.day >= {month} and sh.day < {following} group by s.district_id",
        f"select s.district_id, count(*), sum(case when w.resolved_at <= w.resolve_due_at then 1 else 0 end), "
        f"count(w.followup_result) from work_order w join squad s on s.id = w.squad_id "
        f"where w.received_at >= {start} and w.received_at < {end} group by s.district_id",
        f"select s.district_id, count(*), sum(case when c.resolved_at <= c.resolve_due_at then 1 else 0 end), "
        f"count(c.rating) from complaint c join squad s on s.id = c.squad_id "
        f"where c.submitted_at >= {start} and c.submitted_at < {end} group by s.district_id",
        f"select s.district_id, count(*), count(c.closed_on) from case_record c join squad s on s.id = c.squad_id "
        f"where c.registered_on >= {month} and c.registered_on < {following} group by s.district_id",
        f"select s.district_id, f.kind, count(*) from case_flag f join squad s on s.id = f.squad_id "
        f"where f.day >= {month} and f.day < {following} group by s.district_id, f.kind",
        f"select o.district_id, sum(t.credit_hours) from training_course_completion c "
        f"join training_course t on t.id = c.course_id join officer o on o.id = c.officer_id "
        f"where c.completed_on >= '2026-01-01' and c.completed_on < {following} group by o.district_id",
        f"select s.district_id, count(*), sum(m.total), min(m.total), max(m.total) from points_monthly m "
        f"join squad s on s.id = m.squad_id where m.month = {month} group by s.district_id",
    )]


def _same_figures(engine, bare: list, report: list[dict]) -> None:
    """Ours counts what the bare aggregates count (shifts, absences, check-ins, late, out of area; orders; complaints;
    cases registered; month sheets), district by district."""
    with engine.connect() as conn:
        duty, orders, complaints, cases, _, _, sheets = (conn.execute(statement).all() for statement in bare)
    ours = {row["district_id"]: row for row in report}
    for district_id, shifts, absent, check_ins, late, out_of_area, *_ in duty:
        row = ours[district_id]
        assert (row["shifts"], row["shifts_absent"], row["check_ins"], row["late"], row["out_of_area"]) == (
            shifts, absent, check_ins, late, out_of_area), (row, shifts)
    for name, rows in (("orders_received", orders), ("complaints_received", complaints),
                       ("cases_registered", cases), ("sheets", sheets)):
        assert {r[0]: r[1] for r in rows} == {d: row[name] for d, row in ours.items() if row[name]}, (
            name, rows, {d: row[name] for d, row in ours.items()})


def _measure(url: str) -> dict:
    with bench_app(url, _seed) as (app, engine, rows):
        return _measured(app, engine, rows)


def _measured(app, engine, rows: dict) -> dict:
    from backend.cityreports.queries import district_rows
    from backend.db import session
    from backend.org.models import District

    bare = bare_aggregates(engine.dialect.name == "postgresql")

    def baseline() -> float:
        started = time.perf_counter()
        with engine.connect() as conn:
            for statement in bare:
                conn.execute(statement).all()
        return time.perf_counter() - started

    with app.app_context():
        districts = list(session.scalars(select(District).order_by(District.id)))

        def ours() -> float:
            started = time.perf_counter()
            report = district_rows(districts, MONTH)
            elapsed = time.perf_counter() - started
            assert len(report) == DISTRICTS and all(row["shifts"] for row in report)
            session.rollback()
            return elapsed

        ours(), baseline()  # warm both (statement caches, buffers)
        report = district_rows(districts, MONTH)
        session.rollback()  # the app's SQLite transactions take the write lock (BEGIN IMMEDIATE)
        _same_figures(engine, bare, report)
        times = {"ours": [], "baseline": []}
        for _ in range(ROUNDS):
            times["ours"].append(ours())
            times["baseline"].append(baseline())
    ours_s, baseline_s = statistics.median(times["ours"]), statistics.median(times["baseline"])
    return {"rows": rows, "ours_s": round(ours_s, 3), "baseline_s": round(baseline_s, 3),
            "ratio": round(ours_s / baseline_s, 2)}


def run() -> dict:
    results = on_both_databases(_measure, PG_URL, "city", "BENCH_CITY_SQLITE")
    pg = results["postgresql"]
    total = sum(pg["rows"].values())
    return {
        "work": f"全市报表：16 个区、{OFFICERS} 名队员的一个月"
                f"（{total:,} 行：排班、签到、工单、诉件、案件、学时、月积分）",
        **ratio_report(results, "裸 SQL 分区聚合"),
        "target": f"≤ {TARGET}× 裸聚合",
        "met": all(r["ratio"] <= TARGET for r in results.values()),
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2, default=str))
