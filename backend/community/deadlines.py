"""How long each category may wait to be accepted and to be resolved; a district may override."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from backend.community.models import Category, CategoryDeadline
from backend.db import session

# category: (hours to accept, days to resolve). Street problems that pass quickly get short deadlines.
DEFAULT_DEADLINES = {
    Category.street_vending: (2, 1),
    Category.shop_overflow: (4, 3),
    Category.road_obstruction: (4, 3),
    Category.illegal_building: (24, 15),
    Category.group_renting: (24, 15),
    Category.waste_sorting: (8, 5),
    Category.noise: (2, 1),
    Category.muck_dumping: (2, 2),
    Category.illegal_advertising: (8, 5),
    Category.other: (24, 7),
}


def district_deadlines(district_id: int) -> dict[Category, tuple[int, int]]:
    """Every category's (accept hours, resolve days) in a district: its overrides over the defaults."""
    rows = session.scalars(select(CategoryDeadline).where(CategoryDeadline.district_id == district_id))
    return {**DEFAULT_DEADLINES, **{row.category: (row.accept_hours, row.resolve_days) for row in rows}}


def due_times(district_id: int, category: Category, submitted_at: datetime) -> tuple[datetime, datetime]:
    accept_hours, resolve_days = district_deadlines(district_id)[category]
    return submitted_at + timedelta(hours=accept_hours), submitted_at + timedelta(days=resolve_days)
