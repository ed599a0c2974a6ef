"""The 街镇依法行政指数 (seed 004): per 街镇 and month, 100 × Σ weight × rate / Σ weight over the components that
have a rate (queries.COMPONENTS), with the weights in force for the 街镇's district (weights.py; the city's seeded
ones are example defaults: the seeds give no weights). Ranked in the city and in each district, highest first; a
街镇 without any rate has no index and comes last."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend import periods
from backend.cityreports.queries import COMPONENTS, figures_by, no_figures, with_rates
from backend.cityreports.weights import in_force_of
from backend.db import session
from backend.exports import workbook
from backend.org.models import District, Officer, Squad, Town
from backend.org.roles import TOWN_INDEX_READERS, require
from backend.org.scope import get_visible, scoped


def index_of(rates: dict, weights: dict[str, int]) -> float | None:
    """100 × Σ weight × rate / Σ weight over the components that have a rate; None when none has."""
    counted = [(weights.get(component, 0), rates[rate]) for component, (_, rate) in COMPONENTS.items()
               if rates[rate] is not None]
    total = sum(weight for weight, _ in counted)
    return round(100 * sum(weight * rate for weight, rate in counted) / total, 2) if total else None


def towns_in_scope(actor: Officer, district_id: int | None = None) -> list[Town]:
    """The 街镇 `actor` may read the index of, of one district if asked (NotFound outside their scope)."""
    require(actor, TOWN_INDEX_READERS, "您的角色无权查看街镇指数")
    query = scoped(Town, actor).order_by(Town.district_id, Town.id)
    if district_id is not None:
        get_visible(District, district_id, actor, what="区局")
        query = query.where(Town.district_id == district_id)
    return list(session.scalars(query))


def town_index(actor: Officer, month: date, district_id: int | None = None) -> list[dict]:
    """One row per 街镇 in `actor`'s scope: its index for `month`, the components and the weights it used, its
    rank in what the reader sees and in its district."""
    first = periods.start("month", month)
    towns = towns_in_scope(actor, district_id)
    squads = select(Squad.id).where(Squad.town_id.in_([town.id for town in towns]))
    figures = figures_by(Squad.town_id, squads, first)
    weights = in_force_of(sorted({town.district_id for town in towns}))
    districts = {d.id: d.name for d in session.scalars(select(District).where(
        District.id.in_([town.district_id for town in towns])))}
    rows = []
    for town in towns:
        rates = with_rates({**no_figures(), **figures.get(town.id, {})})
        used = weights[town.district_id]
        rows.append({
            "town_id": town.id, "town": town.name, "district_id": town.district_id,
            "district": districts[town.district_id], "month": first,
            "index": index_of(rates, used["weights"]),
            "components": [{"component": code, "name": name, "rate": rates[rate],
                            "weight": used["weights"].get(code, 0)} for code, (name, rate) in COMPONENTS.items()],
            "weights": used,
        })
    _rank(rows, "rank")
    for district in {row["district_id"] for row in rows}:
        _rank([row for row in rows if row["district_id"] == district], "district_rank")
    return sorted(rows, key=lambda row: (row["rank"] is None, row["rank"] or 0, row["town_id"]))


def _rank(rows: list[dict], key: str) -> None:
    """Competition ranking by index (1, 2, 2, 4), highest first; None for a row without an index."""
    ranked = sorted((row for row in rows if row["index"] is not None), key=lambda row: -row["index"])
    for position, row in enumerate(ranked):
        row[key] = position + 1 if position == 0 or row["index"] != ranked[position - 1]["index"] else \
            ranked[position - 1][key]
    for row in rows:
        row.setdefault(key, None)


def town_workbook(rows: list[dict]) -> bytes:
    """The 街镇 index as an Excel workbook: a row per 街镇 with its rank, index, each component's rate (as a
    percentage) and weight, and whether the weights are example defaults."""
    header = ["名次", "区内名次", "街镇", "区局", "月份", "指数",
              *(f"{name}（权重）" for name, _ in COMPONENTS.values()), *(name for name, _ in COMPONENTS.values()),
              "权重来源"]
    rates = [chr(ord("G") + len(COMPONENTS) + n) for n in range(len(COMPONENTS))]
    return workbook("街镇依法行政指数", header, ([
        row["rank"], row["district_rank"], row["town"], row["district"], f"{row['month']:%Y-%m}", row["index"],
        *(c["weight"] for c in row["components"]), *(c["rate"] for c in row["components"]),
        "示例默认值（待设定）" if row["weights"]["example_default"] else
        ("市局设定" if row["weights"]["level"] == "city" else "区局设定")] for row in rows),
        percent_columns=tuple(rates))
