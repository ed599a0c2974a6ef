"""Declarative base, naming convention, shared column types, the session and SQLite tuning."""
from __future__ import annotations

import contextvars
import enum
import functools
import json
import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.globals import app_ctx, request_ctx
from sqlalchemy import JSON, DateTime, MetaData, Table, TextClause, bindparam, create_engine, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone, so we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime | None = None) -> date:
    """The Asia/Shanghai calendar day of a moment (now by default)."""
    return (moment or utcnow()).astimezone(LOCAL_TZ).date()


# Whether the next SQLite transaction will write: writers take the lock up front (BEGIN IMMEDIATE),
# so two processes wait for each other instead of failing with "database is locked" on upgrade.
sqlite_writes = contextvars.ContextVar("sqlite_writes", default=True)


def compiled_once(stmt, dialect_name: str) -> TextClause:
    """`stmt` compiled for the dialect into SQL text that keeps its parameters' types, for a hot path.

    SQLAlchemy 2.0 does not cache dialect-specific INSERTs (ON CONFLICT …): compiled on every request,
    one costs more than the database's work. Call this once per statement and dialect and keep the result."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[dialect_name].dialect(paramstyle="named")
    compiled = stmt.compile(dialect=dialect)
    sql = compiled.string.replace("::", r"\:\:")  # a PostgreSQL cast (:response::JSON) is not a parameter
    return text(sql).bindparams(*(bindparam(name, param.value, type_=param.type, required=param.required)
                                  for param, name in compiled.bind_names.items()))


@functools.cache
def _insert_or_nothing(table: Table, dialect_name: str) -> TextClause:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id for `table`, compiled once."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    columns = [column for column in table.columns if column.key != "id"]
    return compiled_once(dialect.insert(table).values({column.key: bindparam(column.key, type_=column.type)
                                                       for column in columns})
                         .on_conflict_do_nothing().returning(table.c.id), dialect_name)


def insert_once(row):
    """INSERT `row` unless it collides with a unique key (no savepoint needed, so a race costs nothing);
    the row with its id, or None on a collision. The row stays out of the session: it is only answered."""
    table = type(row).__table__
    values = {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}
    row.id = session.scalar(_insert_or_nothing(table, session.get_bind().dialect.name), values)
    return None if row.id is None else row


def insert_rows(model, rows: list[dict], *, ids: bool = False) -> list[int] | None:
    """Insert many rows: COPY on PostgreSQL (a city's day of records or month of sheets in well under
    a second), executemany elsewhere. With `ids`: the new rows' ids, in the order of `rows` (on PostgreSQL taken
    from the table's sequence first and written with the rows; elsewhere answered by the insert)."""
    if not rows:
        return [] if ids else None
    table = model.__table__
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if ids:
            return list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
        session.execute(insert(table), rows)
        return None
    new_ids = None
    if ids:
        new_ids = list(session.scalars(text("select nextval(pg_get_serial_sequence(:table, 'id')) "
                                            "from generate_series(1, :count)"),
                                       {"table": table.name, "count": len(rows)}))
    columns = list(rows[0])
    # COPY takes a JSON column's value as its text, an enum as its stored word
    converted = [(name, _json_text if isinstance(table.c[name].type, JSON) else _word) for name in columns]
    written = ["id", *columns] if ids else columns
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(written)}) FROM STDIN") as copy:
            for number, row in enumerate(rows):
                values = [convert(row.get(name)) for name, convert in converted]
                copy.write_row([new_ids[number], *values] if ids else values)
    return new_ids


def _json_text(value):
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _word(value):
    return value.value if isinstance(value, enum.Enum) else value


# How long a SQLite connection waits for another's lock before "database is locked" (a request then answers 503
# database_unavailable): an example default, set with the URL's `?timeout=` (seconds), README "Settings".
SQLITE_TIMEOUT_SECONDS = 30.0


def sqlite_timeout(url: str) -> float:
    """The seconds a SQLite connection of `url` waits for a lock: its `?timeout=`, else SQLITE_TIMEOUT_SECONDS."""
    given = make_url(url).query.get("timeout")
    if given is None:
        return SQLITE_TIMEOUT_SECONDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86400:
        raise ValueError(f"DATABASE_URL: timeout={given!r} should be the seconds to wait for a lock (0 or more)")
    return seconds


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        timeout = sqlite_timeout(url)
        engine = create_engine(url, connect_args={"timeout": timeout, "isolation_level": None})
        event.listen(engine, "connect", functools.partial(_tune_sqlite, busy_ms=round(timeout * 1000)))
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # No `pool_pre_ping`: its SELECT 1 on every checkout was a round trip on every request. A connection the server
    # dropped (a restart) fails its request with 503 database_unavailable instead (`database_unavailable`), and
    # SQLAlchemy then replaces every connection of the pool made before the failure.
    return create_engine(url)


def _tune_sqlite(dbapi_connection, _record, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", f"busy_timeout={busy_ms}", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


# SQLite's primary result codes of a database that another holds or that cannot be reached now (the others, a
# missing table or a syntax error, are our own faults).
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot serve now, so that the same request may succeed later: SQLite
    locked or busy past its timeout; PostgreSQL unreachable, restarting, out of connections or a lock or
    statement timeout (the driver's OperationalError); a connection lost or the pool exhausted."""
    if isinstance(error, PoolTimeout) or (isinstance(error, DBAPIError) and error.connection_invalidated):
        return True
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(driver_error, sqlite3.OperationalError):
        return (getattr(driver_error, "sqlite_errorname", "") or "").startswith(_SQLITE_UNAVAILABLE)
    return type(driver_error).__module__.startswith("psycopg") and _is_operational(driver_error)


def _is_operational(driver_error: BaseException) -> bool:
    import psycopg  # only a PostgreSQL driver's error gets here

    return isinstance(driver_error, psycopg.OperationalError)


def _begin_sqlite(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_writes.get() else "BEGIN")


class _AppSession(Session):
    """A session bound to the current app's engine unless bound explicitly (tests bind a connection)."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["db_engine"]


def _scope() -> int:
    """One session per request, or per app context outside requests (jobs, CLI)."""
    context = request_ctx if request_ctx else app_ctx
    try:
        return id(context._get_current_object())
    except RuntimeError:  # outside any context a session would leak; refuse instead
        raise RuntimeError("the database session needs an application context") from None


session = scoped_session(sessionmaker(class_=_AppSession, expire_on_commit=False), scopefunc=_scope)
