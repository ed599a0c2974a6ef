"""What several benchmarks share: an emptied PostgreSQL database, a free loopback port, and the
production server of README.md ("Web processes") started on them."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

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
