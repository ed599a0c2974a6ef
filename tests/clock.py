"""Clocks for tests: one that tests move by hand (handed to the scheduler's Runner as its `clock`), and a module's
tests pinned to the day they were written about."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from backend.db import LOCAL_TZ


class Clock:
    """Starts at a local (Asia/Shanghai) time; `advance(days=…, hours=…)` moves it."""

    def __init__(self, *args):
        self.now = datetime(*args, tzinfo=LOCAL_TZ)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def pinned(*args):
    """An autouse fixture (assign it in a test module) that starts each of the module's tests at a local
    (Asia/Shanghai) time, the clock ticking on from there: for tests whose fixed dates describe one calendar
    situation, which the API's windows relative to today would otherwise refuse as the real calendar moves on."""

    @pytest.fixture(autouse=True)
    def _pinned_clock():
        with time_machine.travel(datetime(*args, tzinfo=LOCAL_TZ), tick=True):
            yield

    return _pinned_clock
