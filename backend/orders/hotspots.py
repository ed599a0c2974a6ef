"""Hot spots: orders and residents' complaints counted per grid cell, category and season; the duty guidance
(勤务指导意见: where and when to patrol) drawn from them; and the figure tying each squad's case-count target
to its complaint volume (办案量考核指标与…热线投诉举报数量进行关联, seed 003).

Cells are squares of ORDERS_HOTSPOT_CELL_M metres on a fixed grid (rows of latitude, each row cut into
columns of that width at its middle latitude), so a cell's id is stable from one report to the next.
Seasons and hours are Asia/Shanghai's: spring March–May, summer June–August, autumn September–November.
"""
from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from sqlalchemy import func, select

from backend.community.models import CATEGORY_NAMES, Category, Complaint
from backend.config import settings
from backend.db import LOCAL_TZ, session
from backend.geo import EARTH_RADIUS_M
from backend.images import CJK_FONT_FILE
from backend.orders.models import WorkOrder
from backend.orders.reports import squads_in_scope
from backend.org.models import Officer
from backend.supervision.cases.models import Case

FONT = "Noto Sans CJK SC"

SEASONS = {"spring": "春季", "summer": "夏季", "autumn": "秋季", "winter": "冬季"}
_SEASON_OF_MONTH = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                    6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


def season_of(moment: datetime) -> str:
    return _SEASON_OF_MONTH[moment.astimezone(LOCAL_TZ).month]


@dataclass(frozen=True)
class Cell:
    row: int
    col: int

    @property
    def id(self) -> str:
        return f"{self.row}:{self.col}"


def _degrees_per_cell() -> float:
    return math.degrees(settings().ORDERS_HOTSPOT_CELL_M / EARTH_RADIUS_M)


def _column_width(row: int, dlat: float) -> float:
    middle = (row + 0.5) * dlat
    return dlat / max(math.cos(math.radians(middle)), 1e-6)


def cell_of(lat: float, lng: float) -> Cell:
    dlat = _degrees_per_cell()
    row = math.floor(lat / dlat)
    return Cell(row, math.floor(lng / _column_width(row, dlat)))


def cell_polygon(cell: Cell) -> list[list[float]]:
    """The cell's closed ring as GeoJSON [lng, lat] pairs (GCJ-02, as every stored place)."""
    dlat = _degrees_per_cell()
    width = _column_width(cell.row, dlat)
    south, west = cell.row * dlat, cell.col * width
    north, east = south + dlat, west + width
    return [[round(x, 7), round(y, 7)] for x, y in
            ((west, south), (east, south), (east, north), (west, north), (west, south))]


@dataclass(frozen=True)
class Spot:
    """One order or complaint with a place: what hot spots are counted from."""

    kind: str
    squad_id: int
    category: Category
    at: datetime
    lat: float
    lng: float
    place: str | None


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the first day's start to the end of the last day, Asia/Shanghai."""
    return datetime.combine(first, time(), LOCAL_TZ), datetime.combine(last + timedelta(days=1), time(), LOCAL_TZ)


def spots(actor: Officer, first: date, last: date, *, squad_id: int | None = None,
          category: Category | None = None) -> list[Spot]:
    """The orders and complaints with a place in `actor`'s squads (or the one asked for), on those days."""
    start, end = day_bounds(first, last)
    ids = [squad.id for squad in squads_in_scope(actor, squad_id)]
    found = []
    for kind, model, at in (("order", WorkOrder, WorkOrder.received_at), ("complaint", Complaint,
                                                                          Complaint.submitted_at)):
        query = select(model.squad_id, model.category, at, model.lat, model.lng, model.place).where(
            model.squad_id.in_(ids), at >= start, at < end, model.lat.is_not(None), model.lng.is_not(None))
        if category is not None:
            query = query.where(model.category == category)
        found += [Spot(kind, *row) for row in session.execute(query)]
    return found


def hotspots(found: list[Spot], *, season: str | None = None) -> dict:
    """A GeoJSON FeatureCollection: one feature per cell, category and season, the busiest first."""
    groups: dict[tuple[Cell, Category, str], list[Spot]] = defaultdict(list)
    for spot in found:
        spot_season = season_of(spot.at)
        if season is None or spot_season == season:
            groups[cell_of(spot.lat, spot.lng), spot.category, spot_season].append(spot)
    features = [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [cell_polygon(cell)]},
        "properties": {"cell": cell.id, "category": category.value, "category_name": CATEGORY_NAMES[category],
                       "season": spot_season, "season_name": SEASONS[spot_season], "count": len(members),
                       "orders": sum(m.kind == "order" for m in members),
                       "complaints": sum(m.kind == "complaint" for m in members),
                       "place": _usual_place(members)},
    } for (cell, category, spot_season), members in groups.items()]
    features.sort(key=lambda f: (-f["properties"]["count"], f["properties"]["cell"], f["properties"]["category"],
                                 f["properties"]["season"]))
    return {"type": "FeatureCollection", "features": features}


def _usual_place(members: list[Spot]) -> str | None:
    places = Counter(m.place for m in members if m.place)
    return min(places, key=lambda p: (-places[p], p)) if places else None


@functools.cache
def _pyplot():
    """matplotlib's pyplot on the Agg backend (no display) with the CJK font: loaded on the first chart, not with
    every worker."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    font_manager.fontManager.addfont(str(CJK_FONT_FILE))
    return pyplot


def _png(figure) -> bytes:
    data = BytesIO()
    figure.savefig(data, format="png", dpi=100)
    _pyplot().close(figure)
    return data.getvalue()


def hotspot_chart(collection: dict, *, top: int = 10) -> bytes:
    """The busiest cells (category, season) as a horizontal bar chart, PNG."""
    shown = collection["features"][:top]
    figure, axes = _pyplot().subplots(figsize=(9, 1.2 + 0.45 * max(len(shown), 1)))
    labels = [f"{f['properties']['place'] or '网格 ' + f['properties']['cell']}·{f['properties']['category_name']}"
              f"·{f['properties']['season_name']}" for f in shown]
    axes.barh(range(len(shown)), [f["properties"]["count"] for f in shown], color="#c0392b")
    axes.set_yticks(range(len(shown)), labels, fontfamily=FONT)
    axes.invert_yaxis()
    axes.set_xlabel("工单与诉件数", fontfamily=FONT)
    axes.set_title("热点网格（按类别、季节）" if shown else "热点网格：所选时段无工单与诉件", fontfamily=FONT)
    figure.tight_layout()
    return _png(figure)


def duty_guidance(found: list[Spot], *, season: str | None = None) -> list[dict]:
    """勤务指导意见: the ORDERS_GUIDANCE_TOP_CELLS busiest cells, each with its main categories and the hours
    (Asia/Shanghai) most of its orders and complaints came in: where and when to patrol."""
    cells: dict[Cell, list[Spot]] = defaultdict(list)
    for spot in found:
        if season is None or season_of(spot.at) == season:
            cells[cell_of(spot.lat, spot.lng)].append(spot)
    busiest = sorted(cells.items(), key=lambda item: (-len(item[1]), item[0].id))[:settings().ORDERS_GUIDANCE_TOP_CELLS]
    guidance = []
    for cell, members in busiest:
        hours = Counter(m.at.astimezone(LOCAL_TZ).hour for m in members)
        peak = sorted(hours, key=lambda h: (-hours[h], h))[:3]
        categories = Counter(m.category for m in members)
        main = sorted(categories, key=lambda c: (-categories[c], c.value))
        place = _usual_place(members) or f"网格 {cell.id}"
        ring = cell_polygon(cell)
        guidance.append({
            "cell": cell.id, "place": place, "count": len(members),
            "lat": round((ring[0][1] + ring[2][1]) / 2, 6), "lng": round((ring[0][0] + ring[2][0]) / 2, 6),
            "categories": [{"category": c.value, "category_name": CATEGORY_NAMES[c], "count": categories[c]}
                           for c in main],
            "peak_hours": sorted(peak),
            "advice": f"建议在{place}于{'、'.join(f'{h:02d}:00–{h + 1:02d}:00' for h in sorted(peak))}加强巡查"
                      f"（{'、'.join(f'{CATEGORY_NAMES[c]} {categories[c]} 起' for c in main[:3])}）",
        })
    return guidance


def case_targets(actor: Officer, first: date, last: date) -> list[dict]:
    """Per squad: its orders and complaints on those days, the cases it registered on them, and the
    case-count target that volume sets (ORDERS_CASE_TARGET_PER_100 per 100, rounded up)."""
    start, end = day_bounds(first, last)
    squads = squads_in_scope(actor)
    ids = [squad.id for squad in squads]
    volume: Counter = Counter()
    for model, at in ((WorkOrder, WorkOrder.received_at), (Complaint, Complaint.submitted_at)):
        volume.update(dict(session.execute(select(model.squad_id, func.count()).where(
            model.squad_id.in_(ids), at >= start, at < end).group_by(model.squad_id)).all()))
    cases = dict(session.execute(select(Case.squad_id, func.count()).where(
        Case.squad_id.in_(ids), Case.registered_on >= first, Case.registered_on <= last)
        .group_by(Case.squad_id)).all())
    per_100 = settings().ORDERS_CASE_TARGET_PER_100
    return [{"squad_id": squad.id, "squad": squad.name, "complaints": volume[squad.id],
             "cases": cases.get(squad.id, 0), "target": math.ceil(volume[squad.id] * per_100 / 100),
             "reached": cases.get(squad.id, 0) >= math.ceil(volume[squad.id] * per_100 / 100)} for squad in squads]


def case_target_chart(rows: list[dict]) -> bytes:
    """Each squad's complaint volume, case-count target and cases registered, side by side, PNG."""
    figure, axes = _pyplot().subplots(figsize=(max(6, 1.6 * len(rows) + 2), 4.5))
    positions = range(len(rows))
    for offset, (key, label, colour) in enumerate((("complaints", "工单与诉件", "#7f8c8d"),
                                                   ("target", "办案量指标", "#2980b9"),
                                                   ("cases", "实际立案", "#27ae60"))):
        axes.bar([p + (offset - 1) * 0.27 for p in positions], [row[key] for row in rows], width=0.27,
                 label=label, color=colour)
    axes.set_xticks(list(positions), [row["squad"] for row in rows], fontfamily=FONT)
    axes.set_title("办案量考核指标与热线投诉举报数量", fontfamily=FONT)
    axes.legend(prop={"family": FONT})
    figure.tight_layout()
    return _png(figure)
