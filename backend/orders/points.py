"""Work orders' daily facts for points (考核): handled on time or late, 回访 satisfaction, 退单 the source
refused, repeats of what an officer had resolved (weights: `DOMAIN.points_items`, example defaults)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from backend.orders.queries import daily_order_facts
from backend.supervision.points.sources import Fact, counts, source

WORDS = {"order_on_time": "按时办结", "order_late": "超时办结", "order_satisfied": "回访满意",
         "order_dissatisfied": "回访不满意", "order_return_unjustified": "退单被驳回", "order_repeat": "办结后重复投诉"}


@source("orders")
def order_facts(day: date) -> Iterable[Fact]:
    """One fact per officer and item with a non-zero count for the day."""
    by_officer: dict[int, dict[str, int]] = defaultdict(dict)
    for row in daily_order_facts(day):
        by_officer[row.officer_id][row.item] = row.count
    for officer_id, items in by_officer.items():
        ref = f"{day.isoformat()} 工单：" + "，".join(f"{WORDS[item]} {count}" for item, count in items.items())
        yield from counts(officer_id, items, ref)
