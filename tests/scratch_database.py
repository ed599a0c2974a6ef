"""A PostgreSQL database of a test's own beside the suite's, for a migration run from an old revision."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def scratch_postgresql(url: str, suffix: str) -> Iterator[str]:
    """A new, empty database `<name of url's><suffix>` on `url`'s server, dropped afterwards: its URL."""
    scratch = make_url(url).set(database=f"{make_url(url).database}{suffix}")
    server = create_engine(scratch.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'drop database if exists "{scratch.database}" with (force)'))
        conn.execute(text(f'create database "{scratch.database}"'))
    try:
        yield scratch.render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'drop database if exists "{scratch.database}" with (force)'))
        server.dispose()
