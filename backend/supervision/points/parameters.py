"""考核参数 as district data: the points settings declared `example_default` (基础分、调整上限、锁定日、季评价加减分
与等次、年考核名额与分数线), each a district's own version from a month on, else the deployment's setting.

A value is read for a district and a month: the district's latest version from that month or before, or, when it
has set none, the environment setting (the example default the district sets). A new version may only start after
every month the district has published or locked, so a published month is never recomputed with it; the district's
open months from then on are scored again at once (their quarters and years follow)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from backend.config import settings
from backend.db import session
from backend.errors import Invalid
from backend.supervision.points import DOMAIN
from backend.supervision.points.models import Parameter

PARAMETERS = {setting.name: setting for setting in DOMAIN.settings if setting.example_default}
RATINGS = ("excellent", "good", "fair", "poor")
AMOUNT = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,2})?")
COUNT = re.compile(r"[0-9]{1,3}")
GRADE_NAME = re.compile(r"[^\s:,，：]{1,8}")

# name: (lowest, highest) of a number, in its type
BOUNDS = {
    "POINTS_MONTHLY_BASE": (Decimal(0), Decimal(1000)),
    "POINTS_ADJUSTMENT_LIMIT": (Decimal("0.01"), Decimal(100)),
    "POINTS_LOCK_DAY": (1, 28),
    "POINTS_EXCELLENT_QUOTA_PERCENT": (0, 100),
    "POINTS_EXCELLENT_FLOOR": (Decimal(0), Decimal(1000)),
    "POINTS_BASIC_FLOOR": (Decimal(0), Decimal(1000)),
    "POINTS_UNQUALIFIED_FLOOR": (Decimal(0), Decimal(1000)),
}


def _refuse(message: str, code: str) -> Invalid:
    return Invalid(message, code=code, errors={"value": [message]})


def _pairs(text: str, what: str, example: str) -> list[tuple[str, Decimal]]:
    pairs = []
    for pair in text.split(","):
        key, colon, amount = pair.partition(":")
        if not colon or not AMOUNT.fullmatch(amount.strip()):
            raise _refuse(f"{what}格式应为“{example}”，每项为 名称:分值", "malformed_pairs")
        pairs.append((key.strip(), Decimal(amount.strip())))
    return pairs


def parse(name: str, text: str):
    """`text` as the parameter's value, or 422 naming the value: a Decimal or an int; POINTS_RATING_BONUS as
    {rating: points} (excellent, good, fair, poor); POINTS_QUARTER_GRADES as ((floor, grade), …), highest first
    (below all: 差). The one place the parameters' text is read, a district's own and the environment's alike."""
    if name not in PARAMETERS:
        raise Invalid(f"未知的考核参数：{name[:40]}", code="unknown_parameter",
                      errors={"name": ["应为 GET /api/points/parameters 列出的参数之一。"]})
    setting = PARAMETERS[name]
    text = text.strip()
    if setting.type is int or setting.type is Decimal:
        pattern, kind = (COUNT, "整数") if setting.type is int else (AMOUNT, "至多两位小数的数")
        if not pattern.fullmatch(text):
            raise _refuse(f"{setting.meaning}应为{kind}", "invalid_number")
        value = setting.type(text)
        low, high = BOUNDS[name]
        if not low <= value <= high:
            raise _refuse(f"{setting.meaning}须在 {low} 到 {high} 之间", "out_of_range")
        return value
    if name == "POINTS_RATING_BONUS":
        pairs = _pairs(text, "季评价加减分", "excellent:2,good:1,fair:0,poor:-2")
        if sorted(key for key, _ in pairs) != sorted(RATINGS):
            raise _refuse("季评价加减分须对 excellent、good、fair、poor 各给一个分值", "ratings_incomplete")
        if any(abs(points) > 100 for _, points in pairs):
            raise _refuse("季评价加减分须在 -100 到 100 之间", "out_of_range")
        bonus = dict(pairs)
        return {rating: bonus[rating] for rating in RATINGS}
    pairs = _pairs(text, "季评价等次", "好:100,较好:95,一般:90")
    names, floors = [key for key, _ in pairs], [floor for _, floor in pairs]
    if not all(GRADE_NAME.fullmatch(key) for key in names) or "差" in names:
        raise _refuse("等次名称须为 1 至 8 个字（“差”为低于各最低分者，不必列出）", "invalid_grade_name")
    if len(set(names)) != len(names) or len(set(floors)) != len(floors):
        raise _refuse("等次名称与最低分均不能重复", "duplicate_grade")
    if len(pairs) > 5 or any(not 0 <= floor <= 1000 for floor in floors):
        raise _refuse("至多 5 个等次，最低分须在 0 到 1000 之间", "out_of_range")
    return tuple(sorted(((floor, key) for key, floor in pairs), reverse=True))


def as_text(name: str, parsed) -> str:
    """A parsed value as the text stored and shown ("excellent:2,good:1,…", "好:100,较好:95,…", "100")."""
    if name == "POINTS_RATING_BONUS":
        return ",".join(f"{rating}:{points}" for rating, points in parsed.items())
    if name == "POINTS_QUARTER_GRADES":
        return ",".join(f"{grade}:{floor}" for floor, grade in parsed)
    return str(parsed)


def default(name: str):
    """The deployment's setting as configured (text or number): the example default the district sets."""
    return getattr(settings(), name)


def default_value(name: str):
    """The deployment's setting, parsed as a district's own value is (`parse`)."""
    return parse(name, str(default(name)))


def _latest(names: Iterable[str], month: date, district_ids: Iterable[int]) -> list[Parameter]:
    """Each district's version of each of `names` in force in `month` (none for a name a district never set)."""
    latest = (select(Parameter.district_id, Parameter.name, func.max(Parameter.effective_from).label("since"))
              .where(Parameter.name.in_(list(names)), Parameter.effective_from <= month,
                     Parameter.district_id.in_(list(district_ids)))
              .group_by(Parameter.district_id, Parameter.name).subquery())
    return list(session.scalars(select(Parameter).join(latest, (Parameter.district_id == latest.c.district_id)
                                                       & (Parameter.name == latest.c.name)
                                                       & (Parameter.effective_from == latest.c.since))))


def _versions(name: str, month: date, district_ids: Iterable[int]) -> dict[int, Parameter]:
    """Each district's version of `name` in force in `month` (districts that set none are absent)."""
    return {row.district_id: row for row in _latest([name], month, district_ids)}


def values(name: str, month: date, district_ids: Iterable[int]) -> dict[int, object]:
    """The value of `name` in force in `month` for each district, parsed (the example default too)."""
    district_ids = set(district_ids)
    own = _versions(name, month, district_ids)
    return {district_id: parse(name, own[district_id].value) if district_id in own else default_value(name)
            for district_id in district_ids}


def value(name: str, district_id: int, month: date):
    return values(name, month, [district_id])[district_id]


class InForce:
    """Every district's versions of the parameters, read in one query when a refresh starts and handed down to
    what it computes (each officer, month, quarter and year asks it instead of the database). Made afresh by each
    refresh, after any version it must see is flushed (a parameter set then the months rescored in one request):
    it is never kept beyond the operation that made it."""

    def __init__(self) -> None:
        session.flush()
        self._versions: dict[tuple[int, str], list[tuple[date, str]]] = {}
        for district_id, name, since, text in session.execute(
                select(Parameter.district_id, Parameter.name, Parameter.effective_from, Parameter.value)
                .where(Parameter.name.in_(list(PARAMETERS))).order_by(Parameter.effective_from)):
            self._versions.setdefault((district_id, name), []).append((since, text))
        self._parsed: dict[tuple[str, str | None], object] = {}

    def _parse(self, name: str, text: str | None):
        key = (name, text)
        if key not in self._parsed:
            self._parsed[key] = default_value(name) if text is None else parse(name, text)
        return self._parsed[key]

    def value(self, name: str, district_id: int, month: date):
        """As `value`: the district's latest version from `month` or before, else the example default."""
        own = [text for since, text in self._versions.get((district_id, name), ()) if since <= month]
        return self._parse(name, own[-1] if own else None)

    def values(self, name: str, month: date, district_ids: Iterable[int]) -> dict[int, object]:
        """As `values`."""
        return {district_id: self.value(name, district_id, month) for district_id in set(district_ids)}


# The yearly appraisal's floors, lowest first: below the first 不称职, below the second 基本称职, from the third
# 优秀 (within the quota). A floor above the next one would grade a score two ways.
ORDERED_FLOORS = ("POINTS_UNQUALIFIED_FLOOR", "POINTS_BASIC_FLOOR", "POINTS_EXCELLENT_FLOOR")
FLOOR_NAMES = {"POINTS_UNQUALIFIED_FLOOR": "不称职线", "POINTS_BASIC_FLOOR": "基本称职线",
               "POINTS_EXCELLENT_FLOOR": "优秀线"}


def require_consistent(district_id: int, name: str, parsed, effective_from: date) -> None:
    """422 unless a new value keeps the order the parameters imply: the rating bonus falls from excellent to poor;
    the yearly floors in force with `parsed` as `name` from `effective_from` stay ordered, in that month and in
    each later month where another floor's version of the district starts, until `name`'s own next version (the
    district's other values, own or example default, plus the new one). Checked when a value is set, not when
    one is read: a version already stored is computed with as it is."""
    if name == "POINTS_RATING_BONUS":
        ordered = list(parsed.values())  # excellent, good, fair, poor
        if ordered != sorted(ordered, reverse=True):
            raise _refuse("季评价加减分须按 优 ≥ 良 ≥ 中 ≥ 差 排列（较好的评价不能比较差的少加分）",
                          "ratings_out_of_order")
    if name not in ORDERED_FLOORS:
        return
    later = session.execute(select(Parameter.name, Parameter.effective_from).where(
        Parameter.district_id == district_id, Parameter.name.in_(ORDERED_FLOORS),
        Parameter.effective_from > effective_from)).all()
    until = min((since for other, since in later if other == name), default=None)
    months = {effective_from} | {since for other, since in later if until is None or since < until}
    for month in sorted(months):
        floors = {other: value(other, district_id, month) for other in ORDERED_FLOORS} | {name: parsed}
        ordered = [floors[other] for other in ORDERED_FLOORS]
        if ordered != sorted(ordered):
            shown = " ≤ ".join(f"{FLOOR_NAMES[other]} {floors[other]}" for other in ORDERED_FLOORS)
            raise _refuse(f"年考核分数线须满足 不称职线 ≤ 基本称职线 ≤ 优秀线；自 {month:%Y年%m月} 起将为 {shown}，"
                          "不成立。请先调整另一条分数线（调高时先调优秀线，调低时先调不称职线）", "floors_out_of_order")


def in_force(district_id: int, month: date) -> list[dict]:
    """Every parameter as the district computes `month` with: its value, own or example default, since when."""
    versions = {row.name: row for row in _latest(PARAMETERS, month, [district_id])}
    shown = []
    for name, setting in PARAMETERS.items():
        own = versions.get(name)
        shown.append(dict(name=name, meaning=setting.meaning, value=str(default(name) if own is None else own.value),
                          default=str(default(name)),
                          source="example_default" if own is None else "district",
                          effective_from=None if own is None else own.effective_from,
                          set_by_id=None if own is None else own.created_by_id,
                          set_at=None if own is None else own.created_at))
    return shown
