"""Two transactions at once on PostgreSQL, the second made to wait for a row lock the first holds: what a lock
must guarantee is seen only when the second really waited (SQLite takes its write lock for the whole
transaction, so no statement of the second runs while the first writes: the race cannot happen there)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text

from backend.db import session


def postgresql_only(app) -> None:
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite takes its write lock for the whole transaction: no statement runs while another writes")


def second_waits_for_first(app, work: Callable[[str], object]) -> dict[str, object]:
    """`work("first")` then `work("second")`, each in its own thread and transaction: the first keeps its
    transaction open until the second is seen waiting for a lock, then both commit. Their answers by name."""
    first_done, release, answers = threading.Event(), threading.Event(), {}

    def run(name: str, hold: bool) -> None:
        with app.app_context():
            answers[name] = work(name)
            if hold:
                first_done.set()
                release.wait(10)
            session.commit()

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=run, args=("second", False))
    second.start()
    try:
        with app.extensions["db_engine"].connect() as conn:
            for _ in range(100):
                if conn.scalar(text("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second transaction never waited for the first's lock")
    finally:
        release.set()
        first.join(10)
        second.join(10)
    return answers
