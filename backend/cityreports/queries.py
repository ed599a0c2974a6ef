"""What the city reports read: a month per district (全市报表) and the 街镇依法行政指数, always in the reader's scope.

Rates are shares (0..1, four decimals), None when nothing counts towards them:
- attendance_rate: shifts not absent / shifts; punctuality_rate: check-ins not late / check-ins;
- on_time_rate: orders and complaints resolved by their deadline / those due (resolved or past the deadline);
- satisfaction_rate: 满意 or 基本满意 回访 and residents' ratings of at least ORDERS_SATISFIED_MIN_RATING / rated;
- case_compliance_rate: cases closed in the month without any of 两超期两随意 / cases closed in the month;
- credit_on_track_rate: trainees on track with their credit hours at the month's end / trainees;
  credit_completion: hours earned this year (capped per category) / the year's requirement;
- points_floor_rate: month sheets at or above the lowest grade floor / sheets; points_mean: the mean total.

The 街镇 index (index.py) weighs the rates of COMPONENTS.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from backend import periods
from backend.cityreports.facts import BANDS, COLUMNS, DECIMALS, grade_floors, grouped
from backend.db import session
from backend.exports import workbook
from backend.org.models import District, Officer, Squad
from backend.org.roles import CITY_REPORT_READERS, require
from backend.org.scope import get_visible, scoped
from backend.supervision.cases.models import FlagKind

# component -> (its name, the rate it takes)
COMPONENTS = {
    "attendance": ("出勤率", "attendance_rate"),
    "punctuality": ("准时签到率", "punctuality_rate"),
    "on_time": ("及时处置率", "on_time_rate"),
    "satisfaction": ("满意率", "satisfaction_rate"),
    "case_compliance": ("结案无两超期两随意率", "case_compliance_rate"),
    "credit": ("学时达标率", "credit_on_track_rate"),
    "points": ("月积分达标率", "points_floor_rate"),
}


def _rate(part, whole) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def no_figures() -> dict:
    return {name: (None if name in ("points_min", "points_max") else _exact(name, 0) if name in DECIMALS else 0)
            for name in COLUMNS}


def with_rates(figures: dict) -> dict:
    """The figures with the rates derived from them (see the module's docstring)."""
    f = figures
    floors = len(grade_floors())
    return {
        **{name: value for name, value in f.items() if name not in BANDS},
        "attendance_rate": _rate(f["shifts"] - f["shifts_absent"], f["shifts"]),
        "punctuality_rate": _rate(f["check_ins"] - f["late"], f["check_ins"]),
        "orders_on_time_rate": _rate(f["orders_on_time"], f["orders_due"]),
        "complaints_on_time_rate": _rate(f["complaints_on_time"], f["complaints_due"]),
        "on_time_rate": _rate(f["orders_on_time"] + f["complaints_on_time"], f["orders_due"] + f["complaints_due"]),
        "satisfaction_rate": _rate(f["orders_satisfied"] + f["complaints_satisfied"],
                                   f["orders_rated"] + f["complaints_rated"]),
        "case_compliance_rate": _rate(f["cases_closed_clean"], f["cases_closed"]),
        "case_flags": sum(f[kind.value] for kind in FlagKind),
        "credit_on_track_rate": _rate(f["trainees_on_track"], f["trainees"]),
        "credit_completion": _rate(f["credit_earned"], f["credit_required"]),
        "points_mean": round(float(f["points_total"]) / f["sheets"], 2) if f["sheets"] else None,
        "points_floor_rate": _rate(sum(f[f"band_{n}"] for n in range(floors)), f["sheets"]),
        "points_bands": [{"grade": name, "floor": floor, "sheets": f[f"band_{n}"]}
                         for n, (floor, name) in enumerate(grade_floors())]
        + [{"grade": "低于最低分档", "floor": None, "sheets": f[f"band_{floors}"]}],
    }


HOURS, POINTS = Decimal("0.1"), Decimal("0.01")


def _exact(name: str, value):
    """A figure as it goes out: hours to a tenth and points to a hundredth (SQLite sums decimals as floats)."""
    if value is None or name == "group_id":
        return value
    if name not in DECIMALS:
        return int(value)  # PostgreSQL sums the arms' counts as numeric
    return Decimal(str(value)).quantize(HOURS if name.startswith("credit") else POINTS)


def figures_by(group, squads, month: date) -> dict[int, dict]:
    """Per group id: the month's figures (one statement over every squad of `squads`)."""
    return {row.group_id: {name: _exact(name, value) for name, value in row._mapping.items()}
            for row in session.execute(grouped(group, squads, month))}


def districts_in_scope(actor: Officer, district_id: int | None = None) -> list[District]:
    """The districts `actor` may read reports of (or the one asked for: NotFound outside their scope)."""
    require(actor, CITY_REPORT_READERS, "您的角色无权查看全市报表")
    if district_id is None:
        return list(session.scalars(scoped(District, actor).order_by(District.id)))
    return [get_visible(District, district_id, actor, what="区局")]


def district_month(actor: Officer, month: date, district_id: int | None = None) -> list[dict]:
    """One row per district in `actor`'s scope (or the one asked for): its figures and rates for `month`."""
    return district_rows(districts_in_scope(actor, district_id), month)


def district_rows(districts: list[District], month: date) -> list[dict]:
    """One row per district of `districts`: its figures and rates for `month` (one statement for them all)."""
    first = periods.start("month", month)
    squads = select(Squad.id).where(Squad.district_id.in_([district.id for district in districts]))
    figures = figures_by(Squad.district_id, squads, first)
    return [{"district_id": district.id, "district": district.name, "month": first,
             **with_rates({**no_figures(), **figures.get(district.id, {})})} for district in districts]


HEADER = ["区局", "月份", "排班", "缺勤", "出勤率", "签到", "迟到", "准时签到率", "外勤签到", "工单",
          "工单及时处置率", "诉件", "诉件及时处置率", "及时处置率", "满意率", "立案", "结案", "结案无两超期两随意率",
          "立案超期", "办案超期", "随意撤案", "随意撤销处罚", "应培训人数", "学时达标率", "学时完成率", "月积分表",
          "平均月积分", "月积分达标率"]
PERCENT = ("E", "H", "K", "M", "N", "O", "R", "X", "Y", "AB")


def district_workbook(rows: list[dict]) -> bytes:
    """The district report as an Excel workbook: one row per district, rates as percentages."""
    return workbook("全市报表", HEADER, ([
        row["district"], f"{row['month']:%Y-%m}", row["shifts"], row["shifts_absent"], row["attendance_rate"],
        row["check_ins"], row["late"], row["punctuality_rate"], row["out_of_area"], row["orders_received"],
        row["orders_on_time_rate"], row["complaints_received"], row["complaints_on_time_rate"], row["on_time_rate"],
        row["satisfaction_rate"], row["cases_registered"], row["cases_closed"], row["case_compliance_rate"],
        *(row[kind.value] for kind in FlagKind), row["trainees"], row["credit_on_track_rate"],
        row["credit_completion"], row["sheets"], row["points_mean"], row["points_floor_rate"]] for row in rows),
        percent_columns=PERCENT)
