"""The items a daily record counts, and the default scoring rules seeded for every district: assembled from
what each domain declares (`Domain.points_items`, walking backend/domains.py), each beside its points source.

The default rules are effective from 2020-01 (`district_id` NULL, shown as `source: example_default`). The
source documents name the cadence (日记实、月计分、季评价、年考核) but give no weights or caps: every
number is an assumption, an example default the district confirms or replaces with its own version of the
item (README, "Where the numbers come from", a row per item). The migration that brings an item seeds its
default rule (0007, 0012 …).

The monthly cap bounds the size of an item's points in a month (a deduction of at most 10, a bonus
of at most 5 ...). A month's score is POINTS_MONTHLY_BASE (100) + the capped item points + the
leader's adjustments.
"""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from backend.domains import DOMAINS


class ItemKind(NamedTuple):
    name: str
    unit: str
    manual: bool = False  # recorded by a leader rather than read from a domain


DECLARED = [item for domain in DOMAINS for item in domain.points_items]

ITEMS: dict[str, ItemKind] = {item.code: ItemKind(item.name, item.unit, item.manual) for item in DECLARED}

# (item, category, points per unit, monthly cap)
DEFAULT_RULES: list[tuple[str, str, Decimal, Decimal | None]] = [
    (item.code, item.category, Decimal(item.per_unit), None if item.monthly_cap is None else Decimal(item.monthly_cap))
    for item in DECLARED
]
