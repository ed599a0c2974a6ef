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
