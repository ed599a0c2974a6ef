"""The app on a database built by the migrations, and a rolled-back transaction per test.

Every test runs on SQLite; set TEST_DATABASE_URL (CI does) to run the same suite on PostgreSQL.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, event, make_url, text
from werkzeug.serving import make_server

from backend import create_app
from backend.db import Base, session
from backend.migrate import upgrade
from backend.storage import LocalStorage
from tests.factories import Factory
from tests.fake_wechat import FakeWeChat

WECHAT_CORP_ID = "wwfakecorp0001"
WECHAT_SECRETS = {"agent": "fake-agent-secret", "contacts": "fake-contacts-secret"}


def _migrated_database(url: str, tmp_path_factory) -> None:
    """Make `url` a copy of a database the migrations built from nothing once in this run, for every xdist worker
    and both of its databases (the test and the committed one): SQLite a file copy, PostgreSQL
    `CREATE DATABASE … TEMPLATE`. (tests/test_migrations.py compares this database with the models.)"""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    with open(shared / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds the template; the others wait for it
        built = (shared / "migrated.built").exists()
        if url.startswith("postgresql"):
            target = make_url(url)
            template = target.set(database=f"{make_url(os.environ['TEST_DATABASE_URL']).database}_migrated")
            server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                if not built:
                    conn.execute(text(f'drop database if exists "{template.database}"'))
                    conn.execute(text(f'create database "{template.database}"'))
                    upgrade(template.render_as_string(hide_password=False))
                conn.execute(text(f'drop database if exists "{target.database}"'))
                conn.execute(text(f'create database "{target.database}" template "{template.database}"'))
            server.dispose()
        else:
            template = shared / "migrated.db"
            if not built:
                upgrade(f"sqlite:///{template}")
            with sqlite3.connect(template) as source, sqlite3.connect(make_url(url).database) as copy:
                source.backup(copy)
            source.close()
            copy.close()
        (shared / "migrated.built").touch()


def _beside(url: str, suffix: str) -> str:
    """The PostgreSQL database `<name><suffix>` on `url`'s server (made by `_migrated_database`)."""
    url = make_url(url)
    return url.set(database=f"{url.database}{suffix}").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in this session's (this xdist worker's) temporary folder, or TEST_DATABASE_URL.

    Under pytest-xdist each worker gets a database of its own: TEST_DATABASE_URL's name + `_gw0`, `_gw1`, …
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _beside(url, f"_{worker}") if worker else url


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
        "WECHAT_QR_LOGIN_URL": f"{fake.base_url}/wwopen/sso/qrConnect",
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
    _migrated_database(database_url, tmp_path_factory)
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
def statements(_transaction):
    """The SQL of every statement the test's connection sends from now on (round trips counted)."""
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(_transaction, "before_cursor_execute", listener)
    yield seen
    event.remove(_transaction, "before_cursor_execute", listener)


@pytest.fixture
def client(app):
    """A test client whose requests each get their own context and session, as in production.

    (pytest-flask's own `client` keeps the last request's context pushed, which would hand the
    test body that request's database session.)
    """
    return app.test_client()


def _committed_url(database_url: str, tmp_path_factory) -> str:
    """A second database beside the test database."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path_factory.mktemp('committed') / 'committed.db'}"
    return _beside(database_url, "_committed")


@pytest.fixture(scope="session")
def _committed_app_once(database_url, tmp_path_factory, fake_wechat):
    url = _committed_url(database_url, tmp_path_factory)
    _migrated_database(url, tmp_path_factory)
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
        app.extensions["seed_rows"] = table_rows(conn)
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
    restore_rows(app, app.extensions["seed_rows"])


def table_rows(conn) -> list:
    """Every table's rows, tables in the order they can be filled."""
    return [(table, [row._asdict() for row in conn.execute(table.select())]) for table in Base.metadata.sorted_tables]


def restore_rows(app, rows: list) -> None:
    """Empty every table of `app`'s database and put back `rows` (as `table_rows` read them)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with app.extensions["db_engine"].begin() as conn:
        if conn.dialect.name == "postgresql":  # TRUNCATE of every table took 0.6 s a test: only those with rows
            filled = conn.execute(text(" union all ".join(f"select '{table}' where exists (select from {table})"
                                                          for table in tables))).scalars().all()
            if filled:
                conn.execute(text(f"truncate {', '.join(filled)} cascade"))
        else:
            for table in tables:
                conn.execute(text(f"delete from {table}"))
        for table, of_table in rows:
            if of_table:
                conn.execute(table.insert(), of_table)


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


def pytest_collection_modifyitems(items):
    """The schema-fuzzing shards (the longest tests, minutes each) at the head of every worker's share, dealt
    round: pytest-xdist's worksteal hands worker i the i-th contiguous share of the collection and steals from
    the end of a queue, so shards left together in one share ran one after another at the end of the run while
    the other worker idled."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    fuzz = [item for item in items if item.nodeid.startswith("tests/fuzz/")]
    rest = [item for item in items if not item.nodeid.startswith("tests/fuzz/")]
    ordered = []
    for worker in range(workers):
        shards = fuzz[worker::workers]
        share = (len(items) - len(ordered)) // (workers - worker)  # as worksteal divides what is left
        taken = max(share - len(shards), 0)
        ordered += shards + rest[:taken]
        rest = rest[taken:]
    items[:] = ordered + rest
