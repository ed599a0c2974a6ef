"""What several benchmarks share: an emptied PostgreSQL database, a free loopback port, and the
production server of README.md ("Web processes") started on them; the app on a migrated, seeded database
(`bench_app`), one measurement on PostgreSQL and on SQLite (`on_both_databases`) and its figures as a row
of the table (`ratio_report`); what a request costs the server apart from the machine's load: CPU read from /proc
(`server_cpu_ticks`, `cpu_ms_per_request`) and round trips to the database counted in this process
(`request_costs`)."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
# README.md, "Web processes": the command a district runs, so the benchmarks measure what it gets.
PRODUCTION_WORKERS = 4
PRODUCTION_THREADS = 4


def fresh_postgres(url: str) -> None:
    """Create the database if it is missing, then empty it (the benchmark migrates it afresh)."""
    admin_url, name = url.rsplit("/", 1)
    engine = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("select 1 from pg_database where datname = :n"), {"n": name}):
            conn.execute(text(f'create database "{name}"'))
    engine.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("drop schema public cascade"))
        conn.execute(text("create schema public"))
        conn.execute(text("checkpoint"))  # another benchmark's dirty pages are written now, not while we measure
    engine.dispose()


def drop_postgres(url: str) -> None:
    """Drop a benchmark's database, so that nothing of it (autovacuum, disk) weighs on the next benchmark."""
    admin_url, name = url.rsplit("/", 1)
    engine = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    engine.dispose()


@contextmanager
def bench_app(url: str, seed: Callable | None = None) -> Iterator[tuple]:
    """The app on `url` migrated (no scheduler, warnings only), its engine, and what `seed(conn)` gave (run in
    one transaction; None without `seed`); the engine disposed of afterwards."""
    from backend import create_app
    from backend.migrate import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48), "SCHEDULER_MODE": "off",
                      "LOG_LEVEL": "WARNING"})
    engine = app.extensions["db_engine"]
    try:
        seeded = None
        if seed is not None:
            with engine.begin() as conn:
                seeded = seed(conn)
        yield app, engine, seeded
    finally:
        engine.dispose()


def on_both_databases(measure: Callable[[str], dict], pg_url: str, name: str, sqlite_switch: str | None = None
                      ) -> dict[str, dict]:
    """`measure(url)` on the PostgreSQL database `pg_url` (emptied first, dropped afterwards, so that nothing of it
    weighs on the next benchmark), then on a new SQLite file in a temporary folder (removed afterwards) unless
    the environment variable `sqlite_switch` is "0": {"postgresql": …, "sqlite": …}."""
    sys.path.insert(0, str(ROOT))
    results = {}
    fresh_postgres(pg_url)
    try:
        results["postgresql"] = measure(pg_url)
    finally:
        drop_postgres(pg_url)
    if sqlite_switch is None or os.environ.get(sqlite_switch, "1") != "0":
        folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        try:
            results["sqlite"] = measure(f"sqlite:///{folder / 'bench.db'}")
        finally:
            shutil.rmtree(folder)
    return results


def ratio_report(results: dict[str, dict], baseline: str, unit: str = "s") -> dict:
    """The ours, baseline and ratio cells of a benchmark measured on several databases (`on_both_databases`):
    each result's `ours_<unit>`, `baseline_<unit>` (described as `baseline`) and `ratio`."""
    return {
        "ours": {name: f"{r[f'ours_{unit}']} {unit}" for name, r in results.items()},
        "baseline": {name: f"{r[f'baseline_{unit}']} {unit} ({baseline})" for name, r in results.items()},
        "ratio": {name: r["ratio"] for name, r in results.items()},
    }


class KeepAlive:
    """One client thread's keep-alive connection to the server on `port` (reopened once if the server closed it)."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None
             ) -> tuple[int, bytes]:
        """The status and the body of the answer."""
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
        return response.status, response.read()

    def call(self, method: str, path: str, token: str | None = None, body=None) -> tuple[int, bytes]:
        """An API call: `body` sent as JSON, with the bearer `token`."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.send(method, path, json.dumps(body) if body is not None else None, headers)

    def call_json(self, method: str, path: str, token: str | None = None, body=None) -> tuple[int, dict | None]:
        """`call`, its answer read as JSON."""
        status, data = self.call(method, path, token, body)
        return status, json.loads(data) if data else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def production_server(database_url: str, secret: str, *, startup_seconds: float = 60, app: str = "wsgi:app",
                      env: dict | None = None) -> Iterator[int]:
    """gunicorn as README.md recommends (gthread workers), on a free port; yields the port once it answers
    (within `startup_seconds`: a loaded machine imports the app slowly in every worker). `app`: another WSGI
    app served the same way (a benchmark's bare endpoint), with `env` added to its environment."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret, "SCHEDULER_MODE": "off",
           "LOG_LEVEL": "WARNING", **(env or {})}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(PRODUCTION_WORKERS),
         "--worker-class", "gthread", "--threads", str(PRODUCTION_THREADS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + startup_seconds
        while not _answers(port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/health")
        return conn.getresponse().status == 200
    except OSError:
        return False


def server_cpu_ticks(database_url: str) -> dict[str, dict[int, int]]:
    """CPU ticks (user + system) so far of the gunicorn processes this benchmark started and of the PostgreSQL
    backends of its database: the server's cost of a request, apart from the client's (the machine is shared,
    so wall-clock latencies alone would blame us for our neighbours' load)."""
    parents, commands = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    commands[int(entry)] = f.read()
            except OSError:
                continue
    ours, grown = {os.getpid()}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= more
        grown = bool(more)
    app = [pid for pid in ours if b"gunicorn" in commands.get(pid, b"")]
    return {"app": _ticks(app), "db": _ticks(_backends(database_url))}


def _backends(database_url: str) -> list[int]:
    """The pids of the PostgreSQL backends of the database, but the one asking."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        pids = conn.scalars(text("select pid from pg_stat_activity where datname = current_database() "
                                 "and pid <> pg_backend_pid()")).all()
    engine.dispose()
    return pids


def _ticks(pids) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return ticks


def cpu_ms_per_request(before: dict, after: dict, requests: int) -> dict:
    """Server CPU per request between two `server_cpu_ticks` (a backend or worker gone in between is not counted),
    the app's, the database's and their sum."""
    per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    parts = {part: sum(t - before[part].get(pid, 0) for pid, t in after[part].items()) * per_tick / requests
             for part in ("app", "db")}
    return {**{part: round(ms, 3) for part, ms in parts.items()}, "total": round(sum(parts.values()), 3)}


def request_costs(app, database_url: str, calls: list[tuple], engine=None) -> dict:
    """What each of `calls` ((method, path, token, JSON body), answered 2xx) costs, sent one after the other in this
    process through the Flask test client after the first as a warm-up: the app's CPU ms (this thread's), the
    database's CPU ms (its backends' from /proc) and the round trips to the database, counted on the app's engine:
    statements, pings (`pool_pre_ping`'s SELECT 1 on a checkout) and transactions (a BEGIN and a COMMIT or ROLLBACK
    each). Not the wall clock: neither depends on the machine's load. Each call must change nothing another needs.
    `engine`: the app's own when it keeps it elsewhere than `app.extensions["db_engine"]` (a bare endpoint)."""
    engine = engine if engine is not None else app.extensions["db_engine"]
    counts = {"statements": 0, "checkouts": 0, "transactions": 0}

    def count(name):
        def listener(*_args, **_kwargs):
            if threading.current_thread() is measuring:
                counts[name] += 1
        return listener

    listeners = [(engine, "before_cursor_execute", count("statements")), (engine.pool, "checkout", count("checkouts")),
                 (engine, "begin", count("transactions"))]
    measuring = threading.current_thread()
    client = app.test_client()

    def send(method, path, token, body):
        response = client.open(path, method=method, json=body,
                               headers={"Authorization": f"Bearer {token}"} if token else {})
        assert response.status_code < 300, (response.status_code, response.json)

    send(*calls[0])
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    db_before, cpu_before = _ticks(_backends(database_url)), time.thread_time()
    try:
        for call in calls[1:]:
            send(*call)
    finally:
        cpu_after, db_after = time.thread_time(), _ticks(_backends(database_url))
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    n = len(calls) - 1
    pings = counts["checkouts"] if engine.pool._pre_ping else 0
    statements = counts["statements"] / n
    return {"requests": n, "app_cpu_ms": round((cpu_after - cpu_before) * 1000 / n, 3),
            "db_cpu_ms": round(sum(t - db_before.get(pid, 0) for pid, t in db_after.items())
                               * 1000 / os.sysconf("SC_CLK_TCK") / n, 3),
            "statements": round(statements, 2), "pings": round(pings / n, 2),
            "transactions": round(counts["transactions"] / n, 2),
            "round_trips": round(statements + pings / n + 2 * counts["transactions"] / n, 2)}
