"""A test source of daily facts, and helpers that run the points jobs in the test's session."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from backend.db import session
from backend.supervision.points import jobs
from backend.supervision.points.sources import SOURCES, Fact


class FactsSource:
    """Facts a test sets per day, served as the daily-record source "test"."""

    def __init__(self):
        self.facts: dict[date, list[Fact]] = defaultdict(list)

    def add(self, officer, day: date, item: str, quantity="1", ref: str = "测试来源") -> None:
        self.facts[day].append(Fact(officer.id, item, Decimal(quantity), ref))

    def __call__(self, day: date) -> list[Fact]:
        return list(self.facts[day])


@pytest.fixture
def facts(monkeypatch) -> FactsSource:
    source = FactsSource()
    monkeypatch.setitem(SOURCES, "test", source)
    return source


@pytest.fixture
def run_daily():
    """Run the nightly daily-records job for the given days, as the scheduler would."""
    def run(*days: date) -> None:
        for day in days:
            jobs.daily_records(day)
        session.commit()
    return run
