"""Importing a district's street-front shops from one Excel file: BENCH_IMPORT_SHOPS (200,000) rows in the import
layout (kind, name, credit code with its check digit, licence, address, coordinates, contact and phone, squad,
grid), on PostgreSQL.

Ours: `import_objects` as `flask inspections import` runs it (every row checked, contacts encrypted, the grade
history's first rows, written in chunks, committed), in a process of its own. Baseline: a bare openpyxl read of the
same file (read-only, streamed) plus a bare COPY of the same rows into the same table, in a process of its own.
Each process's peak memory (ru_maxrss from wait4) is reported, with its ratio and what each grew by over the process
before the file is read; the import (as the CLI runs it: counts, no list of every row) must stay
bounded — BENCH_IMPORT_MAX_MB (1,500 MB), well under what holding the file's rows as objects takes.
Target (issue 19): the ratio reported (no threshold named); peak memory bounded (asserted).
Run on its own: `python -m bench inspections_import`; a quick check: BENCH_IMPORT_SHOPS=20000.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench._support import ROOT, drop_postgres, fresh_postgres

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_inspections_import")
SHOPS = int(os.environ.get("BENCH_IMPORT_SHOPS", "200000"))
MAX_MB = int(os.environ.get("BENCH_IMPORT_MAX_MB", "1500"))
SQUADS = 10
HEADER = ["类型", "名称", "统一社会信用代码", "许可证号", "地址", "纬度", "经度", "联系人", "联系电话", "中队", "网格"]


def workbook(path: Path) -> None:
    from openpyxl import Workbook

    from backend.inspections.credit_code import check_character

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(SHOPS):
        first17 = f"91310106MA{n:07d}"
        sheet.append(["沿街商户", f"静安第{n}号商户有限公司", first17 + check_character(first17), f"JY{n:010d}",
                      f"南京西路 {n} 号", 31.22 + (n % 1000) * 0.00002, 121.44 + (n % 997) * 0.00002,
                      f"联系人{n % 100}", f"139{n:08d}", f"第{n % SQUADS}中队", f"G{n % 400:04d}"])
    book.save(path)


def seed() -> None:
    from backend import create_app
    from backend.db import session
    from backend.inspections.models import ObjectKind
    from backend.org.models import District, Officer, Role, Squad

    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": os.environ["BENCH_SECRET"], "SCHEDULER_MODE": "off"})
    with app.app_context():
        district = District(code="BENCH", name="压测区")
        session.add_all([district, *(Squad(district=district, name=f"第{n}中队") for n in range(SQUADS)),
                         Officer(badge_no="A00001", name="区管理员", role=Role.district_admin, district=district)])
        session.flush()
        session.add(ObjectKind(district_id=district.id, code="street_shop", name="沿街商户", checklist=[]))
        session.commit()
    app.extensions["db_engine"].dispose()


def child_ours(path: str) -> float:
    from sqlalchemy import select

    from backend import create_app
    from backend.db import session
    from backend.inspections.cli import MAX_CLI_ROWS, MAX_CLI_UNPACKED_BYTES
    from backend.inspections.registry import import_objects
    from backend.org.models import Officer

    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": os.environ["BENCH_SECRET"], "SCHEDULER_MODE": "off"})
    with app.app_context():
        actor = session.scalar(select(Officer).where(Officer.badge_no == "A00001"))
        print(_resident_mb())  # the app loaded, before the file is read
        began = time.perf_counter()
        result = import_objects(actor, Path(path).read_bytes(), max_rows=MAX_CLI_ROWS,
                                max_unpacked_bytes=MAX_CLI_UNPACKED_BYTES, listed=False)  # as the CLI runs it
        session.commit()
        elapsed = time.perf_counter() - began
    assert result["created"] == SHOPS, result["created"]
    return elapsed


def _resident_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_bare(path: str) -> float:
    import psycopg
    from openpyxl import load_workbook

    print(_resident_mb())
    began = time.perf_counter()
    with psycopg.connect(DB_URL.replace("postgresql+psycopg", "postgresql")) as conn:
        district_id, kind_id = conn.execute("select district_id, id from inspection_object_kind").fetchone()
        squads = dict(conn.execute("select name, id from squad").fetchall())
        book = load_workbook(path, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
        with conn.cursor() as cursor, cursor.copy(
                "copy inspection_object (district_id, kind_id, name, credit_code, licence_numbers, address, lat, lng,"
                " squad_id, grid_cell, grade, created_at, updated_at) from stdin") as copy:
            now = datetime.now(UTC)
            for _kind, name, code, licence, address, lat, lng, _contact, _phone, squad, grid in rows:
                copy.write_row((district_id, kind_id, name, code, json.dumps([licence]), address, lat, lng,
                                squads[squad], grid, "medium", now, now))
        book.close()
        conn.commit()
    return time.perf_counter() - began


def _measured(mode: str, path: Path, env: dict) -> tuple[float, float, float]:
    """(seconds of the work, peak resident MB, resident MB before the work) of a child process doing `mode`."""
    process = subprocess.Popen([sys.executable, "-m", "bench.inspections_import", mode, str(path)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"{mode} failed"
    *_, before, elapsed = out.strip().splitlines()
    return float(elapsed), usage.ru_maxrss / 1024, float(before)


def run() -> dict:
    from backend.migrate import upgrade

    env = {**os.environ, "BENCH_SECRET": secrets.token_hex(24), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    os.environ["BENCH_SECRET"] = env["BENCH_SECRET"]
    fresh_postgres(DB_URL)
    try:
        upgrade(DB_URL)
        seed()
        with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
            path = Path(folder) / "shops.xlsx"
            workbook(path)
            size_mb = path.stat().st_size / 1e6
            bare, bare_mb, bare_before = _measured("bare", path, env)
            _empty()
            ours, ours_mb, ours_before = _measured("ours", path, env)
    finally:
        drop_postgres(DB_URL)
    ratio = ours / bare
    return {"work": f"import {SHOPS:,} shops from one .xlsx ({size_mb:.0f} MB)",
            "ours": f"{ours:.1f} s, peak {ours_mb:.0f} MB (+{ours_mb - ours_before:.0f} MB over the app loaded)",
            "baseline": f"bare openpyxl read + COPY {bare:.1f} s, peak {bare_mb:.0f} MB "
                        f"(+{bare_mb - bare_before:.0f} MB)",
            "ratio": f"{ratio:.2f} (time), {ours_mb / bare_mb:.2f} (peak memory)",
            "target": f"ratio reported; peak ≤ {MAX_MB} MB", "met": ours_mb <= MAX_MB}


def _empty() -> None:
    from sqlalchemy import create_engine

    engine = create_engine(DB_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("truncate inspection_object cascade"))
        conn.execute(text("vacuum analyze"))
    engine.dispose()


if __name__ == "__main__":  # a child: python -m bench.inspections_import ours|bare FILE
    print({"ours": child_ours, "bare": child_bare}[sys.argv[1]](sys.argv[2]))
