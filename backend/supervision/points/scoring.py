"""Scoring: which rule version applies, and an item's capped points for a month.

A whole month is scored set-based in SQL (`staged_month`): the daily records summed per officer ×
item, joined with the rule in effect for the officer's district, multiplied and capped in exact
integers (thousandths of a unit, cents) so that PostgreSQL and SQLite agree with `capped` to the
cent (half away from zero). `score_lines` scores one officer in Python: a draft sheet, whose lines
are not stored but computed when read (`draft_lines`), and a locked month, whose lines keep the rule
they were scored with.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import Date, bindparam, select, text

from backend.db import session
from backend.org.models import District
from backend.org.roles import SQUAD_MEMBERS
from backend.periods import month_after
from backend.supervision.points.catalogue import ITEMS
from backend.supervision.points.models import DailyItem, MonthlyLine, MonthlyPoints, ScoringRule

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
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
    """The rule versions in effect for one month, per district, the city-wide defaults behind them;
    only those that existed at `as_of` if given (a draft is shown as it was last computed)."""

    def __init__(self, month: date, as_of: datetime | None = None):
        self.by_district: dict[int | None, dict[str, ScoringRule]] = defaultdict(dict)
        stmt = select(ScoringRule).where(ScoringRule.effective_from <= month)
        if as_of is not None:
            stmt = stmt.where(ScoringRule.created_at <= as_of)
        rules = session.scalars(stmt.order_by(ScoringRule.effective_from, ScoringRule.id))
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


def draft_lines(sheet: MonthlyPoints) -> list[Line]:
    """A draft's lines: its month's daily records now, scored with the rules as of its computation.

    Whatever rebuilds daily records refreshes their month in the same transaction (the daily job, a
    manual item, the backfill command), so these are the lines `refresh_month` scored for the sheet:
    they add up to its items_total and have its lines_digest."""
    quantities: dict[str, Decimal] = defaultdict(Decimal)
    for item, quantity in session.execute(select(DailyItem.item, DailyItem.quantity).where(
            DailyItem.officer_id == sheet.officer_id, DailyItem.day >= sheet.month,
            DailyItem.day < month_after(sheet.month))):
        quantities[item] += quantity
    return score_lines({item: quantity.quantize(MILLI) for item, quantity in quantities.items()},
                       sheet.officer.district_id, RuleBook(sheet.month, as_of=sheet.computed_at))


def lines_digest(lines: Iterable[str]) -> str:
    """What tells a month's lines apart, kept on the sheet so that a refresh sees whether they
    changed: each line as "item:rule id:quantity in thousandths:points in cents", sorted, hashed."""
    return hashlib.md5(";".join(sorted(lines)).encode()).hexdigest()


# The month's scored lines, one row per officer × item: quantities in thousandths, points in cents.
STAGE = "points_month_stage"
STAGE_RULES = "points_month_rules"  # the rule in effect per district × item


def _drop_stage() -> None:
    for table in (STAGE, STAGE_RULES):
        session.execute(text(f"drop table if exists {table}"))


def _stage_rules(rules: RuleBook) -> None:
    session.execute(text(f"create temporary table {STAGE_RULES} (district_id integer, item varchar(32), "
                         f"rule_id integer, category varchar(32), per_unit_cents bigint, cap_cents bigint)"))
    rows = [dict(district_id=district_id, item=item, rule_id=rule.id, category=rule.category,
                 per_unit_cents=int(rule.points_per_unit * 100),
                 cap_cents=None if rule.monthly_cap is None else int(rule.monthly_cap * 100))
            for district_id in session.scalars(select(District.id)) for item in ITEMS
            if (rule := rules.rule(district_id, item)) is not None]
    if rows:
        session.execute(text(f"insert into {STAGE_RULES} values (:district_id, :item, :rule_id, :category, "
                             f":per_unit_cents, :cap_cents)"), rows)


_STAGE_LINES = f"""
create temporary table {STAGE} as
select officer_id, item, rule_id, category, quantity_milli, per_unit_cents, cap_cents, raw_cents,
       case when cap_cents is null then raw_cents when raw_cents > cap_cents then cap_cents
            when raw_cents < -cap_cents then -cap_cents else raw_cents end as points_cents
from (
    select officer_id, item, rule_id, category, quantity_milli, per_unit_cents, cap_cents,
           case when quantity_milli * per_unit_cents < 0 then -((500 - quantity_milli * per_unit_cents) / 1000)
                else (quantity_milli * per_unit_cents + 500) / 1000 end as raw_cents
    from (
        select q.officer_id, q.item, r.rule_id, coalesce(r.category, '未计分') as category, q.quantity_milli,
               coalesce(r.per_unit_cents, 0) as per_unit_cents, r.cap_cents
        from (select officer_id, item, cast(round(sum(quantity) * 1000) as bigint) as quantity_milli
              from points_daily_item where day >= :start and day < :end {{officers}}
              group by officer_id, item) as q
        join officer o on o.id = q.officer_id {{roles}}
        left join {STAGE_RULES} r on r.district_id = o.district_id and r.item = q.item
    ) as ruled
) as scored
"""


@contextmanager
def staged_month(month: date, end: date, officer_ids: list[int] | None, rules: RuleBook) -> Iterator[None]:
    """Score `month` into the temporary table STAGE for the given officers, or every squad member
    with records; the table is gone afterwards."""
    _drop_stage()  # left over on this connection by a failed run
    _stage_rules(rules)
    params = {"start": month, "end": end}
    if officer_ids is None:
        sql = _STAGE_LINES.format(officers="", roles="and o.role in :roles")
        params["roles"] = [role.value for role in SQUAD_MEMBERS]
    else:
        sql = _STAGE_LINES.format(officers="and officer_id in :officers", roles="")
        params["officers"] = officer_ids
    statement = text(sql).bindparams(bindparam("start", type_=Date), bindparam("end", type_=Date),
                                     bindparam("roles" if officer_ids is None else "officers", expanding=True))
    session.execute(statement, params)
    session.execute(text(f"create index {STAGE}_officer on {STAGE} (officer_id, item)"))
    if session.connection().dialect.name == "postgresql":  # created from a query: no statistics yet
        session.execute(text(f"analyze {STAGE}"))
    yield
    _drop_stage()
