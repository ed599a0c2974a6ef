"""What else an officer has to do today, as the domains declare it (`Domain.today_items`): duty lists it beside the
shifts without importing those domains (their functions are import strings, resolved here)."""
from __future__ import annotations

from datetime import date

from backend.domains import DOMAINS
from backend.org.models import Officer
from backend.registry import TodayItem, resolve


def today_items(officer: Officer, day: date) -> list[TodayItem]:
    """Every domain's items for `officer` on `day`: overdue first, then by due day (none last), in domain order."""
    found = [item for domain in DOMAINS for target in domain.today_items for item in resolve(target)(officer, day)]
    return sorted(found, key=lambda item: (not item.overdue, item.due_on is None, item.due_on or day))
