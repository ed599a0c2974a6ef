"""The app on a database built by the migrations, and a rolled-back transaction per test.

Every test runs on SQLite; set TEST_DATABASE_URL (CI does) to run the same suite on PostgreSQL.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from backend import create_app
from backend.db import session
from backend.migrate import upgrade
from tests.factories import Factory


def _fresh_database(url: str) -> None:
    """Empty the test database so the migrations build it from nothing."""
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("drop schema public cascade"))
            conn.execute(text("create schema public"))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    _fresh_database(database_url)
    upgrade(database_url)
    app = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "FILES_DIR": str(tmp_path_factory.mktemp("files")),
        "SCHEDULER_MODE": "off",
        "TESTING": True,
    })
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(autouse=True)
def _transaction(app):
    """Bind the session to one connection whose transaction is rolled back after the test."""
    connection = app.extensions["db_engine"].connect()
    outer = connection.begin()
    session.remove()
    session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield connection
    session.remove()
    session.configure(bind=None)
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app):
    """A test client whose requests each get their own context and session, as in production.

    (pytest-flask's own `client` keeps the last request's context pushed, which would hand the
    test body that request's database session.)
    """
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    """Factories for districts, squads, officers and tokens (see tests/factories.py)."""
    return Factory()
