"""A database that cannot serve now (SQLite locked by another connection past the URL's `?timeout=`, PostgreSQL
unreachable) answers 503 `database_unavailable` with a Chinese message and Retry-After, never 500 or 401; the
same request succeeds once the lock is gone. Each app here has a database of its own, SQLite whatever
TEST_DATABASE_URL says."""
import socket
import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from backend import create_app
from backend.db import Base, session
from tests.factories import Factory

LOCK_WAIT = 0.3  # the URL's ?timeout= of these tests, in seconds
MESSAGE = "系统繁忙（数据库暂时无法处理），请稍后重试"


def _app(url: str):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "unavailable-test-secret-" * 2, "SCHEDULER_MODE": "off",
                       "TESTING": True})


@pytest.fixture
def own_database(_transaction):
    """Unbind the session from the test transaction, so that each app below uses its own engine."""
    session.remove()
    session.configure(bind=None)
    yield
    session.remove()


@pytest.fixture
def sqlite_app(own_database, tmp_path):
    """An app on a SQLite file of its own waiting LOCK_WAIT seconds for a lock, and a signed-in officer's headers."""
    path = tmp_path / "locked.db"
    app = _app(f"sqlite:///{path}?timeout={LOCK_WAIT}")
    engine = app.extensions["db_engine"]
    Base.metadata.create_all(engine)  # the models' tables (the migrations build the same: tests/test_migrations.py)
    with app.app_context():
        make = Factory()
        headers = make.headers(make.officer())
        session.remove()
    engine.dispose()
    yield app, path, headers
    app.extensions["db_engine"].dispose()


def _unavailable(response, started: float) -> None:
    assert response.status_code == 503, response.json
    assert response.json["error"] == "database_unavailable"
    assert response.json["message"] == MESSAGE
    assert int(response.headers["Retry-After"]) > 0
    assert time.monotonic() - started < LOCK_WAIT + 5  # the URL's wait, not the default 30 s


def test_a_write_while_another_connection_holds_the_write_lock_answers_503_then_succeeds(sqlite_app):
    app, path, headers = sqlite_app
    client = app.test_client()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("begin immediate")  # another process's long write transaction
    other.execute("update officer set name = name")
    try:
        started = time.monotonic()
        response = client.post("/api/auth/logout", headers=headers)
        _unavailable(response, started)
        assert time.monotonic() - started >= LOCK_WAIT  # it did wait for the lock first
    finally:
        other.execute("rollback")
        other.close()
    assert client.get("/api/auth/me", headers=headers).status_code == 200  # nothing of it was written
    assert client.post("/api/auth/logout", headers=headers).status_code in (200, 204)
    assert client.get("/api/auth/me", headers=headers).status_code == 401  # logged out now: a real 401


@contextmanager
def locked_exclusively(app, path):
    """Another process holds the SQLite file: no one else may even read it until it lets go."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("pragma locking_mode=exclusive")
    other.execute("begin exclusive")
    other.execute("select count(*) from officer").fetchall()
    try:
        yield
    finally:
        other.execute("rollback")
        other.close()
        app.extensions["db_engine"].dispose()


def test_a_read_of_a_database_locked_exclusively_answers_503_not_401(sqlite_app):
    app, path, headers = sqlite_app
    client = app.test_client()
    with locked_exclusively(app, path):
        _unavailable(client.get("/api/auth/me", headers=headers), time.monotonic())
    assert client.get("/api/auth/me", headers=headers).status_code == 200


def test_the_url_sets_sqlites_lock_wait_and_a_bad_value_is_refused_at_start(own_database, tmp_path):
    for query, busy_ms in (("", 30000), ("?timeout=2.5", 2500)):
        engine = _app(f"sqlite:///{tmp_path / 'wait.db'}{query}").extensions["db_engine"]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("pragma busy_timeout").scalar() == busy_ms
        engine.dispose()
    with pytest.raises(ValueError, match="timeout"):
        _app(f"sqlite:///{tmp_path / 'wait.db'}?timeout=soon")


def test_postgresql_unreachable_answers_503_on_the_api_and_the_public_pages(own_database):
    with socket.socket() as s:  # a port where no server listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/chengguan")
    client = app.test_client()
    headers = {"Authorization": "Bearer some-token"}
    for response in (client.get("/api/auth/me", headers=headers), client.post("/api/auth/logout", headers=headers)):
        _unavailable(response, time.monotonic())
    _unavailable(client.get("/api/health"), time.monotonic())
    page = client.get("/c/t/ABCDEF")  # a resident looking up a complaint
    assert page.status_code == 503 and MESSAGE in page.text and page.headers["Retry-After"]
    _unavailable_page(client.get("/api/inspections/public/310106"))  # the public reading inspection results
    app.extensions["db_engine"].dispose()


def test_postgresql_connections_dropped_by_the_server_answer_503_once_then_requests_succeed(committed_app, make):
    """No ping before each request (a round trip each): a connection the server dropped (a restart) fails its
    request with a 503, never a 500 or 401, and the pool then replaces its connections."""
    if not committed_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's connections only: a SQLite file has no server to restart")
    headers = make.headers(make.officer())
    session.commit()
    session.remove()
    client = committed_app.test_client()
    assert [client.get("/api/auth/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    other = create_engine(committed_app.config["DATABASE_URL"])
    with other.connect() as conn:  # as a restart would: every backend of the database ended, the pool's too
        ended = conn.scalar(text("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                                 "where datname = current_database() and pid <> pg_backend_pid()"))
    other.dispose()
    assert ended >= 1
    _unavailable(client.get("/api/auth/me", headers=headers), time.monotonic())
    assert [client.get("/api/auth/me", headers=headers).status_code for _ in range(3)] == [200, 200, 200]
    assert client.post("/api/auth/logout", headers=headers).status_code in (200, 204)


def test_health_and_the_public_inspection_page_of_a_locked_database_answer_503_with_retry_after(sqlite_app):
    app, path, _headers = sqlite_app
    client = app.test_client()
    with locked_exclusively(app, path):
        _unavailable(client.get("/api/health"), time.monotonic())  # the load balancer's retry, like every 503
        _unavailable_page(client.get("/api/inspections/public/310106"))
    assert client.get("/api/health").status_code == 200


def _unavailable_page(page) -> None:
    """The public's page in Chinese, not the API's JSON, and when to try again."""
    assert page.status_code == 503 and page.mimetype == "text/html", page.text[:300]
    assert MESSAGE in page.text and '<html lang="zh-CN">' in page.text
    assert int(page.headers["Retry-After"]) > 0
