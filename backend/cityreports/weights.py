"""The weights of the 街镇依法行政指数, kept as data: the city's (seeded as example defaults: the seeds give no
weights) and a district's own for its 街镇, which replace the city's when the district has set them."""
from __future__ import annotations

from sqlalchemy import delete, select

from backend.cityreports.models import IndexWeight
from backend.cityreports.queries import COMPONENTS
from backend.db import session, utcnow
from backend.errors import Invalid
from backend.org.models import Officer
from backend.org.roles import INDEX_WEIGHT_SETTERS, TOWN_INDEX_READERS, require

# What the migration seeds as the city's rows: example defaults, no city rule (README, "Where the numbers come from").
EXAMPLE_DEFAULTS = {"attendance": 20, "punctuality": 10, "on_time": 20, "satisfaction": 20, "case_compliance": 15,
                    "credit": 10, "points": 5}


def _of(district_id: int | None):
    return IndexWeight.district_id.is_(None) if district_id is None else IndexWeight.district_id == district_id


def _rows(district_id: int | None) -> list[IndexWeight]:
    return list(session.scalars(select(IndexWeight).where(_of(district_id)).order_by(IndexWeight.id)))


def _described(rows: list[IndexWeight], level: str) -> dict:
    return {"level": level, "weights": {row.component: row.weight for row in rows},
            "example_default": all(row.set_by_id is None for row in rows),
            "set_at": max((row.set_at for row in rows), default=None)}


def in_force(district_id: int | None) -> dict:
    """The weights that rank `district_id`'s 街镇: the district's own if it set them, else the city's."""
    return in_force_of([district_id])[district_id]


def in_force_of(district_ids: list[int | None]) -> dict[int | None, dict]:
    """The weights in force for each district of `district_ids` (None: the city's), read at once."""
    rows = session.scalars(select(IndexWeight).where(
        IndexWeight.district_id.is_(None) | IndexWeight.district_id.in_([d for d in district_ids if d is not None]))
        .order_by(IndexWeight.id)).all()
    city = _described([row for row in rows if row.district_id is None], "city")
    own = {d: [row for row in rows if d is not None and row.district_id == d] for d in district_ids}
    return {d: _described(own[d], "district") if own[d] else city for d in district_ids}


def weights(actor: Officer) -> dict:
    """The weights in force for `actor`'s district (the city's for the city's staff), and the city's."""
    require(actor, TOWN_INDEX_READERS, "您的角色无权查看街镇指数")
    return {"city": _described(_rows(None), "city"), "in_force": in_force(actor.district_id)}


def set_weights(actor: Officer, weights: dict[str, int]) -> dict:
    """Replace the weights of `actor`'s district (the city's for a city administrator): every component, whole
    numbers 0..100, not all 0."""
    require(actor, INDEX_WEIGHT_SETTERS, "只有市局或区局管理员可以设置街镇指数权重")
    missing = sorted(set(COMPONENTS) - set(weights))
    if missing or set(weights) - set(COMPONENTS):
        raise Invalid("权重应包含且只包含全部指标：" + "、".join(name for name, _ in COMPONENTS.values()),
                      code="index_weights_incomplete")
    if not any(weights.values()):
        raise Invalid("权重不能全部为 0", code="index_weights_all_zero")
    session.execute(delete(IndexWeight).where(_of(actor.district_id)))
    now = utcnow()
    session.add_all(IndexWeight(district_id=actor.district_id, component=component, weight=weights[component],
                                set_by_id=actor.id, set_at=now) for component in COMPONENTS)
    session.flush()
    return in_force(actor.district_id)
