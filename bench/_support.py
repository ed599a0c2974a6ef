"""What several benchmarks share: an emptied PostgreSQL database and a free loopback port."""
from __future__ import annotations

import socket

from sqlalchemy import create_engine, text


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
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
