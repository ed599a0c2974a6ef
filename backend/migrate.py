"""Run the Alembic migrations programmatically (the CLI, the tests and `make run` share this)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from backend.config import ROOT


def alembic_config(url: str, connection=None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, connection=None) -> None:
    command.upgrade(alembic_config(url, connection), "head")


def not_a_partition(connection):
    """Alembic's `include_name` for comparing models with the database: a partition (PostgreSQL) is part of its
    table, which the models declare, not a table of its own. The partitions are asked for when first needed,
    inside the comparison's transaction."""
    partitions: set[str] | None = None

    def include_name(name, kind, _parent) -> bool:
        nonlocal partitions
        if kind != "table" or connection.dialect.name != "postgresql":
            return True
        if partitions is None:
            partitions = set(connection.exec_driver_sql("select relname from pg_class where relispartition").scalars())
        return name not in partitions

    return include_name
