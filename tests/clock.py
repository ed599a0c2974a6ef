"""A clock that tests move by hand (handed to the scheduler's Runner as its `clock`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from backend.db import LOCAL_TZ


class Clock:
    """Starts at a local (Asia/Shanghai) time; `advance(days=…, hours=…)` moves it."""

    def __init__(self, *args):
        self.now = datetime(*args, tzinfo=LOCAL_TZ)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)
