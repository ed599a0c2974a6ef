"""The app on a database built by the migrations, and a rolled-back transaction per test.

Every test runs on SQLite; set TEST_DATABASE_URL (CI does) to run the same suite on PostgreSQL.
"""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from backend import create_app
from backend.db import Base, session
from backend.migrate import upgrade
from backend.storage import LocalStorage
from tests.factories import Factory
from tests.fake_wechat import FakeWeChat

WECHAT_CORP_ID = "wwfakecorp0001"
WECHAT_SECRETS = {"agent": "fake-agent-secret", "contacts": "fake-contacts-secret"}


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
def fake_wechat():
    """The fake government-WeChat server on 127.0.0.1 (tests/fake_wechat.py)."""
    fake = FakeWeChat(WECHAT_CORP_ID, set(WECHAT_SECRETS.values())).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _fresh_wechat(fake_wechat):
    """No directory, codes, queued errors, counts or messages left over from another test."""
    fake_wechat.reset()


def wechat_settings(fake: FakeWeChat) -> dict:
    """Settings that point the real wechatpy client at the fake server."""
    return {
        "WECHAT_API_BASE_URL": f"{fake.base_url}/cgi-bin/",
        "WECHAT_OAUTH_URL": f"{fake.base_url}/connect/oauth2/authorize",
        "WECHAT_CORP_ID": WECHAT_CORP_ID,
        "WECHAT_AGENT_ID": "1000002",
        "WECHAT_SECRET": WECHAT_SECRETS["agent"],
        "WECHAT_CONTACTS_SECRET": WECHAT_SECRETS["contacts"],
        "WECHAT_CALLBACK_TOKEN": "fake-callback-token",
        "WECHAT_CALLBACK_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "WECHAT_TIMEOUT_SECONDS": 5.0,
        "WECHAT_MAX_RETRIES": 2,
        "REDIS_URL": "",
    }


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory, fake_wechat):
    _fresh_database(database_url)
    upgrade(database_url)
    app = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "FILES_DIR": str(tmp_path_factory.mktemp("files")),
        "EVIDENCE_ANCHOR_FILE": str(tmp_path_factory.mktemp("anchors") / "evidence-tree-heads.jsonl"),
        "SCHEDULER_MODE": "off",
        "TESTING": True,
        **wechat_settings(fake_wechat),
    })
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def own_storage(app, tmp_path, monkeypatch):
    """A storage folder of this test's own, so that what it stores and sweeps is all there is."""
    local = LocalStorage(tmp_path / "files")
    monkeypatch.setitem(app.extensions, "storage", local)
    monkeypatch.setitem(app.config, "FILES_DIR", str(local.root))
    return local


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


def _committed_url(database_url: str, tmp_path_factory) -> str:
    """A second database beside the test database (PostgreSQL: created if missing)."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path_factory.mktemp('committed') / 'committed.db'}"
    url = make_url(database_url)
    url = url.set(database=f"{url.database}_committed")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.scalar(text("select 1 from pg_database where datname = :name"), {"name": url.database}) is None:
            conn.execute(text(f'create database "{url.database}"'))
    server.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _committed_app_once(database_url, tmp_path_factory, fake_wechat):
    url = _committed_url(database_url, tmp_path_factory)
    _fresh_database(url)
    upgrade(url)
    app = create_app({
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "FILES_DIR": str(tmp_path_factory.mktemp("committed_files")),
        "EVIDENCE_ANCHOR_FILE": str(tmp_path_factory.mktemp("committed_anchors") / "evidence-tree-heads.jsonl"),
        "SCHEDULER_MODE": "off",
        "TESTING": True,
        **wechat_settings(fake_wechat),
    })
    with app.extensions["db_engine"].connect() as conn:  # what the migrations seed, put back after each test
        app.extensions["seed_rows"] = [(table, [row._asdict() for row in conn.execute(table.select())])
                                       for table in Base.metadata.sorted_tables]
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def committed_app(_committed_app_once, _transaction):
    """An app on a database of its own where commits are real (jobs, locks, two processes).

    Its app context is pushed for the test, so `session` and `make` write there; every table is
    emptied afterwards (rows the migrations seed are put back). Check what was committed through
    a fresh connection of its engine.
    """
    app = _committed_app_once
    session.remove()
    session.configure(bind=None)
    with app.app_context():
        yield app
        session.remove()
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with app.extensions["db_engine"].begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"truncate {', '.join(tables)} cascade"))
        else:
            for table in tables:
                conn.execute(text(f"delete from {table}"))
        for table, rows in app.extensions["seed_rows"]:
            if rows:
                conn.execute(table.insert(), rows)


@pytest.fixture
def live_server_url(committed_app):
    """`committed_app` served over real HTTP on 127.0.0.1 (a free port) in a thread: yields its base URL.

    (Not named `live_server`: pytest-flask treats a fixture of that name specially.)

    For browsers and other processes: commit test data first (`session.commit()`) so the server sees it.
    PUBLIC_BASE_URL points at it meanwhile, so links the app builds (QR codes, messages) lead there.
    """
    server = make_server("127.0.0.1", 0, committed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    previous = committed_app.config.get("PUBLIC_BASE_URL")
    committed_app.config["PUBLIC_BASE_URL"] = base_url
    yield base_url
    committed_app.config["PUBLIC_BASE_URL"] = previous
    server.shutdown()
    thread.join()


@pytest.fixture
def make(app) -> Factory:
    """Factories for districts, squads, officers and tokens (see tests/factories.py)."""
    return Factory()
