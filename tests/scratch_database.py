"""A PostgreSQL database of a test's own beside the suite's, for a migration run from an old revision."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
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


def sqlite_and_postgresql(name: str):
    """A `url` fixture for a migration test run from an old revision: a new SQLite file, then a scratch PostgreSQL
    database named after `name` (that one runs in the PostgreSQL suite: CI's second run)."""
    @pytest.fixture(params=["sqlite", "postgresql"])
    def url(request, tmp_path, database_url):
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / f'{name}.db'}"
            return
        if not database_url.startswith("postgresql"):
            pytest.skip("PostgreSQL: the suite runs on SQLite")
        with scratch_postgresql(database_url, f"_{name}") as scratch:
            yield scratch

    return url
