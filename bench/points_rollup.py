"""The monthly roll-up (月计分) of a city-scale month, against the raw SQL aggregate of the same rows.

8,000 officers × 30 days × 10 items = 2.4 million daily records are generated in SQL (PostgreSQL:
generate_series; SQLite: a recursive CTE). Ours is `refresh_month` for the whole month with its
commit: the aggregate, the rule versions, the caps and 8,000 draft sheets written (a draft stores
no lines: they are computed when read, and stored when the leader reviews the sheet), and the
8,000 quarterly and yearly drafts that follow the month (staged and ranked in SQL). The
baseline is the bare `SELECT officer_id, item, sum(quantity) … GROUP BY officer_id, item` over the
same rows, fetched, in the same run. Target (issue 6): at most 2× the raw aggregate, under 10 s on
PostgreSQL.

Where our time goes (PostgreSQL, profiled): the month is scored in SQL into a temporary table
(`CREATE TABLE … AS`, so the aggregate runs with the same parallel plan as the baseline: about 1.1×
it); the 80,000 scored lines are read back once for each officer's items total and lines digest
(what tells a refresh whether a sheet changed), and the 8,000 sheets are written with COPY.

Run on its own: `python -m bench.points_rollup` (BENCH_POINTS_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_points, emptied and migrated, dropped afterwards; BENCH_POINTS_OFFICERS,
default 8000; BENCH_POINTS_SQLITE=0 skips the SQLite run).
"""
from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench._support import bench_app, on_both_databases, ratio_report

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POINTS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_points")
OFFICERS = int(os.environ.get("BENCH_POINTS_OFFICERS", "8000"))
MONTH = date(2026, 11, 1)
ITEMS = ["attendance", "late", "early_leave", "absence", "out_of_area_rejected", "patrol_km", "complaint_on_time",
         "resident_rating", "training_hours", "case_handled"]
TARGET = {"ratio_max": 2.0, "postgresql_seconds_max": 10}


def _seed(conn) -> int:
    """A district, 200 squads, the officers and a month of daily records, all in SQL; the row count."""
    postgres = conn.dialect.name == "postgresql"
    numbers = ("generate_series(1, :n) as g(i)" if postgres else
               "(with recursive g(i) as (select 1 union all select i + 1 from g where i < :n) select i from g) as g")
    conn.execute(text("insert into district (id, code, name) values (1, 'BENCH', '压测区')"))
    conn.execute(
        text(f"insert into squad (id, district_id, name, active) select i, 1, '中队' || i, true from {numbers}"),
        {"n": 200},
    )
    conn.execute(text(
        f"insert into officer (id, badge_no, name, role, district_id, squad_id, active, created_at, updated_at) "
        f"select i, 'B' || i, '队员' || i, 'officer', 1, i % 200 + 1, true, :now, :now from {numbers}"),
        {"n": OFFICERS, "now": "2026-11-01 00:00:00"})
    items = " union all ".join(f"select '{item}' as item, {n} as k" for n, item in enumerate(ITEMS))
    days = ("select (date '2026-11-01' + d) as day, d from generate_series(0, 29) as s(d)" if postgres else
            "with recursive s(d) as (select 0 union all select d + 1 from s where d < 29) "
            "select date('2026-11-01', '+' || d || ' days') as day, d from s")
    quantity = "((o.id + t.d + i.k) % 3)"
    conn.execute(text(
        f"insert into points_daily_item (day, officer_id, item, quantity, source, source_ref, built_at) "
        f"select t.day, o.id, i.item, {quantity} + 1, 'bench', '压测数据', :now "
        f"from officer o cross join ({days}) as t cross join ({items}) as i"), {"now": "2026-11-01 00:00:00"})
    if postgres:
        conn.execute(text("analyze"))
    return conn.scalar(text("select count(*) from points_daily_item"))


def _measure(url: str) -> dict:
    with bench_app(url, _seed) as (app, engine, facts):
        return _measured(app, engine, facts)


def _measured(app, engine, facts: int) -> dict:
    from backend.db import session
    from backend.periods import month_after, month_before
    from backend.supervision.points.operations import refresh_month

    aggregate = text("select officer_id, item, sum(quantity) from points_daily_item "
                     "where day >= :start and day < :end group by officer_id, item")
    window = {"start": MONTH, "end": month_after(MONTH)}
    with engine.connect() as conn:  # warm the cache the same way for both
        conn.execute(aggregate, window).all()
    started = time.perf_counter()
    with engine.connect() as conn:
        groups = len(conn.execute(aggregate, window).all())
    baseline = time.perf_counter() - started
    with app.app_context():  # warm our code path too: one officer's previous month (mappers, statements)
        refresh_month(month_before(MONTH), officer_ids=[1])
        session.commit()
        started = time.perf_counter()
        counts = refresh_month(MONTH)
        session.commit()
        ours = time.perf_counter() - started
    return {"facts": facts, "groups": groups, "sheets": counts["created"], "ours_s": round(ours, 2),
            "baseline_s": round(baseline, 2), "ratio": round(ours / baseline, 2)}


def run() -> dict:
    # the database dropped afterwards: 2.4 million rows' autovacuum would run into the next benchmark
    results = on_both_databases(_measure, PG_URL, "points", "BENCH_POINTS_SQLITE")
    pg = results["postgresql"]
    return {
        "work": f"月计分：{OFFICERS} 名队员 × 30 天，{pg['facts']:,} 条日记实 → {pg['sheets']} 张月积分表",
        **ratio_report(results, "裸 SQL 聚合"),
        "target": f"≤ {TARGET['ratio_max']}× 裸聚合；PostgreSQL ≤ {TARGET['postgresql_seconds_max']} s",
        "met": pg["ratio"] <= TARGET["ratio_max"] and pg["ours_s"] <= TARGET["postgresql_seconds_max"],
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
