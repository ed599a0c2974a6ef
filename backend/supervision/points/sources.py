"""Where daily records come from: a registry of each domain's set-based facts for a day.

Adding a source is one function in a `points` module of its domain, named in the domain's
`DOMAIN.points_sources`: decorate it with `@source("name")`, take the day, and yield
`Fact(officer_id, item, quantity, source_ref)` rows from one aggregate query of that domain's `queries`.
Each item it yields is declared, with its default rule, in the domain's `DOMAIN.points_items`.
Points' own source (the items leaders record by hand) is below.
"""
from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select

from backend.db import session
from backend.supervision.points.models import ManualItem


class Fact(NamedTuple):
    officer_id: int
    item: str  # a key of catalogue.ITEMS
    quantity: Decimal
    source_ref: str  # which source rows, in words a person can follow


SOURCES: dict[str, Callable[[date], Iterable[Fact]]] = {}


def source(name: str):
    """Register a function `day -> facts` as the daily-record source `name`."""
    def register(func):
        SOURCES[name] = func
        return func
    return register


def counts(officer_id: int, by_item: dict[str, int], ref: str) -> Iterable[Fact]:
    """One fact per non-zero count."""
    for item, count in by_item.items():
        if count:
            yield Fact(officer_id, item, Decimal(count), ref)


@source("manual")
def manual_facts(day: date) -> Iterable[Fact]:
    """Items leaders recorded by hand for the day (commendations, cases handled)."""
    totals: dict[tuple[int, str], list[ManualItem]] = defaultdict(list)
    for entry in session.scalars(select(ManualItem).where(ManualItem.day == day).order_by(ManualItem.id)):
        totals[entry.officer_id, entry.item].append(entry)
    for (officer_id, item), entries in totals.items():
        ref = "；".join(f"手工登记 #{entry.id}：{entry.note}" for entry in entries)
        yield Fact(officer_id, item, sum((entry.quantity for entry in entries), Decimal(0)), ref[:256])


def _register_domain_sources() -> None:
    """Import every domain's points sources (backend/domains.py order), each registering itself."""
    from backend.domains import DOMAINS

    for module in (module for domain in DOMAINS for module in domain.points_sources):
        importlib.import_module(module)


_register_domain_sources()
