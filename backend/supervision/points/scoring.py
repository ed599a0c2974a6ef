"""Pure scoring: which rule version applies, and an item's capped points for a month."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import select

from backend.db import session
from backend.supervision.points.models import MonthlyLine, ScoringRule

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class Line(NamedTuple):
    item: str
    category: str
    rule_id: int | None
    quantity: Decimal
    points_per_unit: Decimal
    monthly_cap: Decimal | None
    raw_points: Decimal
    points: Decimal


class RuleBook:
    """The rule versions in effect for one month, per district, the city-wide defaults behind them."""

    def __init__(self, month: date):
        self.by_district: dict[int | None, dict[str, ScoringRule]] = defaultdict(dict)
        rules = session.scalars(select(ScoringRule).where(ScoringRule.effective_from <= month)
                                .order_by(ScoringRule.effective_from, ScoringRule.id))
        for rule in rules:  # later versions replace earlier ones
            self.by_district[rule.district_id][rule.item] = rule

    def rule(self, district_id: int, item: str) -> ScoringRule | None:
        return self.by_district.get(district_id, {}).get(item) or self.by_district[None].get(item)


def capped(quantity: Decimal, points_per_unit: Decimal, cap: Decimal | None) -> tuple[Decimal, Decimal]:
    """(raw points, points within ±cap) of a month's quantity of one item."""
    raw = (quantity * points_per_unit).quantize(CENT, ROUND_HALF_UP)
    return raw, raw if cap is None else max(-cap, min(cap, raw))


def score_lines(quantities: dict[str, Decimal], district_id: int, rules: RuleBook,
                frozen: dict[str, MonthlyLine] | None = None) -> list[Line]:
    """The month's lines; `frozen` lines (a locked month) keep the rule they were scored with."""
    lines = []
    for item in sorted(quantities):
        quantity = quantities[item]
        kept = (frozen or {}).get(item)
        if kept is not None:
            rule_id, category, per_unit, cap = kept.rule_id, kept.category, kept.points_per_unit, kept.monthly_cap
        elif (rule := rules.rule(district_id, item)) is not None:
            rule_id, category, per_unit, cap = rule.id, rule.category, rule.points_per_unit, rule.monthly_cap
        else:  # no rule for this item: recorded, worth nothing
            rule_id, category, per_unit, cap = None, "未计分", ZERO, None
        raw, points = capped(quantity, per_unit, cap)
        lines.append(Line(item, category, rule_id, quantity, per_unit, cap, raw, points))
    return lines
