"""Alembic environment: DATABASE_URL (or a connection the tests hand over), batch mode for SQLite."""
from alembic import context

import backend.models  # noqa: F401
from backend import config as settings
from backend.db import Base, make_engine
from backend.migrate import not_a_partition

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or settings.load()["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # SQLite's batch mode rebuilds a table (copy, drop, rename); with foreign keys enforced, dropping a table
    # that other rows refer to (officer, say) fails on a database with data. Off while migrating (a no-op
    # inside a transaction, hence first), then every reference checked before the migration commits.
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        _pragma(connection, "foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_name=not_a_partition(connection),
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"迁移后存在失效的外键引用：{broken[:5]}")
    finally:
        if sqlite:
            _pragma(connection, "foreign_keys=ON")


def _pragma(connection, pragma: str) -> None:
    # On the driver's connection: through SQLAlchemy it would run after the BEGIN that backend.db emits.
    connection.connection.driver_connection.execute(f"PRAGMA {pragma}")


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
