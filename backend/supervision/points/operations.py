"""What changes points: daily records, manual items, rule versions, month sheets and their states."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Date, String, bindparam, case, cast, column, delete, func, select, table, text

from backend.config import settings
from backend.db import insert_rows, local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.org.models import Officer, Squad
from backend.org.queries import person
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS, SQUAD_MEMBERS, require
from backend.periods import month_after
from backend.supervision.points import parameters
from backend.supervision.points.appraisal import follow_months
from backend.supervision.points.catalogue import ITEMS
from backend.supervision.points.models import (
    Adjustment,
    DailyItem,
    ManualItem,
    MonthlyLine,
    MonthlyPoints,
    Parameter,
    ScoringRule,
    SheetState,
)
from backend.supervision.points.scoring import (
    STAGE,
    ZERO,
    RuleBook,
    draft_lines,
    lines_digest,
    score_lines,
    staged_month,
)
from backend.supervision.points.sources import SOURCES

CHUNK = 500


# -- daily records ---------------------------------------------------------------------------------

def build_daily_records(day: date, sources: list[str] | None = None) -> int:
    """Replace `day`'s daily records of the given sources (all by default) from their facts."""
    names = list(SOURCES) if sources is None else sources
    rows: dict[tuple, dict] = {}
    for name in names:
        for fact in SOURCES[name](day):
            if fact.item not in ITEMS:
                raise ValueError(f"source {name} yields unknown item {fact.item!r}")
            key = (fact.officer_id, fact.item, name)
            if key in rows:
                rows[key]["quantity"] += fact.quantity
                rows[key]["source_ref"] = f"{rows[key]['source_ref']}；{fact.source_ref}"[:256]
            else:
                rows[key] = dict(day=day, officer_id=fact.officer_id, item=fact.item, quantity=fact.quantity,
                                 source=name, source_ref=fact.source_ref[:256], built_at=utcnow())
    session.execute(delete(DailyItem).where(DailyItem.day == day, DailyItem.source.in_(names)))
    values = [row for row in rows.values() if row["quantity"]]
    insert_rows(DailyItem, values)
    session.flush()
    return len(values)


def rebuild_past_day(day: date, source: str) -> None:
    """Late data changed what `source` derives for a past `day`: rebuild that day's records of the source
    and bring the month of each officer whose records changed up to date (a locked month's difference
    becomes a correction in the next open month)."""
    def rows() -> set[tuple]:
        return set(session.execute(select(DailyItem.officer_id, DailyItem.item, DailyItem.quantity)
                                   .where(DailyItem.day == day, DailyItem.source == source)).tuples())
    before = rows()
    build_daily_records(day, [source])
    changed = sorted({officer_id for officer_id, _, _ in before ^ rows()})
    if changed:
        refresh_month(day.replace(day=1), officer_ids=changed)


def record_manual_item(actor: Officer, *, officer_id: int, day: date, item: str, quantity: Decimal,
                       note: str) -> ManualItem:
    """A leader records a commendation or cases handled; the day's records and month follow at once."""
    require(actor, SQUAD_MANAGERS)
    officer = person(actor, officer_id)
    if officer.id == actor.id:
        raise Forbidden("不能为本人登记加减分事项，须由上级或区局登记", code="own_sheet")
    if item not in ITEMS or not ITEMS[item].manual:
        names = "、".join(f"{code}（{kind.name}）" for code, kind in ITEMS.items() if kind.manual)
        raise Invalid(f"该条目不能手工登记；可登记：{names}", code="not_a_manual_item")
    if day > local_day():
        raise Invalid("不能登记未来日期的事项", code="future_day")
    entry = ManualItem(officer_id=officer.id, day=day, item=item, quantity=quantity, note=note,
                       recorded_by_id=actor.id)
    session.add(entry)
    session.flush()
    build_daily_records(day, ["manual"])
    refresh_month(day.replace(day=1), officer_ids=[officer.id])
    return entry


# -- scoring rules ---------------------------------------------------------------------------------

def create_rule(actor: Officer, *, item: str, category: str, points_per_unit: Decimal,
                monthly_cap: Decimal | None, effective_from: date) -> ScoringRule:
    """A new version of an item's rule for the actor's district, from the first of a month on."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以制定积分规则")
    if item not in ITEMS:
        raise Invalid(f"未知的积分条目：{item}", code="unknown_item")
    if effective_from.day != 1:
        raise Invalid("规则按月生效，生效日期须为某月 1 日", code="effective_from_not_month_start",
                      errors={"effective_from": ["须为某月 1 日。"]})
    if monthly_cap is not None and monthly_cap < 0:
        raise Invalid("月封顶不能为负数", code="negative_cap")
    clash = session.scalar(select(ScoringRule.id).where(
        ScoringRule.district_id == actor.district_id, ScoringRule.item == item,
        ScoringRule.effective_from == effective_from))
    if clash is not None:
        raise Conflict(f"该条目在 {effective_from:%Y-%m} 已有生效的规则版本，生效期重叠", code="rule_overlaps",
                       errors={"effective_from": ["该月已有本区的规则版本。"]})
    _refuse_rule_for_own_sheet(actor, item, effective_from)
    rule = ScoringRule(district_id=actor.district_id, item=item, category=category, points_per_unit=points_per_unit,
                       monthly_cap=monthly_cap, effective_from=effective_from, created_by_id=actor.id)
    session.add(rule)
    session.flush()
    rescore_open_sheets(actor.district_id, effective_from)
    return rule


def _refuse_rule_for_own_sheet(actor: Officer, item: str, since: date) -> None:
    """A new version of an item rescores every open sheet with that item: not if one is the actor's."""
    for month in session.scalars(select(MonthlyPoints.month).where(
            MonthlyPoints.officer_id == actor.id, MonthlyPoints.month >= since,
            MonthlyPoints.state != SheetState.locked)):
        if session.scalar(select(DailyItem.id).where(
                DailyItem.officer_id == actor.id, DailyItem.item == item, DailyItem.day >= month,
                DailyItem.day < month_after(month)).limit(1)) is not None:
            raise Forbidden(f"新规则会改变本人 {month:%Y年%m月} 的积分，须由区局其他管理员制定",
                            code="own_sheet")


def rescore_open_sheets(district_id: int, since: date) -> None:
    """The district's sheets not yet locked, from `since` on, scored again at once (a sheet the new rule or
    parameter changes returns to draft); locked months keep the rules they were locked with."""
    open_sheets = defaultdict(list)
    for month, officer_id in session.execute(select(MonthlyPoints.month, MonthlyPoints.officer_id).where(
            MonthlyPoints.district_id == district_id, MonthlyPoints.month >= since,
            MonthlyPoints.state != SheetState.locked)):
        open_sheets[month].append(officer_id)
    for month, officer_ids in sorted(open_sheets.items()):
        refresh_month(month, officer_ids=officer_ids)


# -- parameters (考核参数) ---------------------------------------------------------------------------

def _last_final_month(district_id: int) -> date | None:
    return session.scalar(select(func.max(MonthlyPoints.month)).where(
        MonthlyPoints.district_id == district_id,
        MonthlyPoints.state.in_((SheetState.published, SheetState.locked))))


def set_parameter(actor: Officer, *, name: str, value: str, effective_from: date) -> Parameter:
    """The district administrator's new version of a parameter from `effective_from` (a month) on."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设定考核参数")
    parsed = parameters.parse(name, value)
    final = _last_final_month(actor.district_id)
    if final is not None and effective_from <= final:
        raise Conflict(f"本区 {final:%Y年%m月} 的月积分已公布或锁定，新参数最早自其次月起生效",
                       code="month_published", errors={"effective_from": ["须晚于已公布或锁定的月份。"]})
    parameters.require_consistent(actor.district_id, name, parsed, effective_from)
    row = session.scalar(select(Parameter).where(Parameter.district_id == actor.district_id, Parameter.name == name,
                                                 Parameter.effective_from == effective_from))
    if row is None:
        row = Parameter(district_id=actor.district_id, name=name, effective_from=effective_from)
        session.add(row)
    row.value, row.created_by_id, row.created_at = parameters.as_text(name, parsed), actor.id, utcnow()
    session.flush()
    rescore_open_sheets(actor.district_id, effective_from)
    return row


# -- monthly points --------------------------------------------------------------------------------

def _officers(officer_ids: list[int] | None, with_records: set[int]) -> list:
    """(id, district_id, squad_id) of the officers a month is computed for: the given ones, or every
    active squad member and anyone (since left) with records that month."""
    stmt = select(Officer.id, Officer.district_id, Officer.squad_id, Officer.active).order_by(Officer.id)
    if officer_ids is not None:
        return list(session.execute(stmt.where(Officer.id.in_(officer_ids))))
    return [row for row in session.execute(stmt.where(Officer.role.in_(SQUAD_MEMBERS)))
            if row.active or row.id in with_records]


def _retotal(sheet: MonthlyPoints) -> None:
    sheet.adjustments_total = session.scalar(
        select(func.coalesce(func.sum(Adjustment.points), 0)).where(Adjustment.monthly_points_id == sheet.id))
    sheet.total = sheet.base + sheet.items_total + Decimal(sheet.adjustments_total)


def _reopen(sheet: MonthlyPoints) -> None:
    """A changed sheet goes back to draft: the leader reviews (and publishes) it again; its stored
    lines go, a draft's lines are computed when read."""
    if sheet.state != SheetState.draft:
        session.execute(delete(MonthlyLine).where(MonthlyLine.monthly_points_id == sheet.id))
    sheet.state = SheetState.draft
    sheet.reviewed_by_id = sheet.reviewed_at = sheet.published_at = None


def refresh_month(month: date, officer_ids: list[int] | None = None) -> dict[str, int]:
    """Bring `month`'s sheets up to date with the daily records, all officers or the given ones.

    The month is scored set-based (scoring.staged_month) into each officer's items total and lines
    digest; new sheets and open sheets whose lines differ take them (a changed sheet returns to
    draft). No lines are stored: a draft's are computed when read, and stored when it is reviewed.
    A locked sheet never changes: the difference late data makes becomes a correction in the
    officer's next open month.
    """
    rules, in_force = RuleBook(month), parameters.InForce()
    with staged_month(month, month_after(month), officer_ids, rules):
        scores = _month_scores()
        locked_quantities = _locked_quantities(month)
    officers = _officers(officer_ids, set(scores))
    stmt = select(MonthlyPoints).where(MonthlyPoints.month == month)
    if officer_ids is not None:
        stmt = stmt.where(MonthlyPoints.officer_id.in_(officer_ids))
    sheets = {sheet.officer_id: sheet for sheet in session.scalars(stmt)}
    created, changed, locked = _update_sheets(month, officers, sheets, scores, in_force)
    insert_rows(MonthlyPoints, created)
    counts = {"created": len(created), "recomputed": changed, "corrected": 0,
              "unchanged": len(officers) - len(created) - changed - len(locked)}
    frozen = _frozen_lines([sheet.id for _, sheet in locked])
    for officer, sheet in locked:
        lines = score_lines(locked_quantities.get(officer.id, {}), officer.district_id, rules, frozen[sheet.id])
        corrected = _carry_correction(sheet, sum((line.points for line in lines), ZERO), in_force)
        counts["corrected" if corrected else "unchanged"] += 1
    follow_months([month], officer_ids, in_force)
    return counts


def _month_scores() -> dict[int, tuple[Decimal, Decimal, str]]:
    """(Σ capped item points, Σ negative ones, lines digest) per officer of the staged month."""
    stage = table(STAGE, column("officer_id"), column("item", String), column("rule_id"), column("quantity_milli"),
                  column("points_cents"))
    line = (stage.c.item + ":" + func.coalesce(cast(stage.c.rule_id, String), "") + ":"
            + cast(stage.c.quantity_milli, String) + ":" + cast(stage.c.points_cents, String))
    negative = func.sum(case((stage.c.points_cents < 0, stage.c.points_cents), else_=0))
    return {officer_id: (Decimal(cents).scaleb(-2), Decimal(negative_cents).scaleb(-2), lines_digest(lines.split(";")))
            for officer_id, cents, negative_cents, lines in session.execute(
                select(stage.c.officer_id, func.sum(stage.c.points_cents), negative, func.aggregate_strings(line, ";"))
                .group_by(stage.c.officer_id))}


EMPTY = (ZERO, ZERO, lines_digest([]))  # an officer without records


def _update_sheets(month: date, officers: list, sheets: dict[int, MonthlyPoints],
                   scores: dict[int, tuple[Decimal, Decimal, str]],
                   in_force: parameters.InForce) -> tuple[list[dict], int, list]:
    """Retotal the open sheets that changed (back to draft); the rows of new sheets, how many
    changed and the (officer, sheet) pairs of locked ones."""
    bases = in_force.values("POINTS_MONTHLY_BASE", month, {officer.district_id for officer in officers})
    now = utcnow()
    created, changed, locked = [], 0, []
    for officer in officers:
        base = bases[officer.district_id]
        sheet = sheets.get(officer.id)
        items_total, deductions, digest = scores.get(officer.id, EMPTY)
        if sheet is None:
            created.append(dict(officer_id=officer.id, month=month, district_id=officer.district_id,
                                squad_id=officer.squad_id, state=SheetState.draft, base=base, items_total=items_total,
                                adjustments_total=ZERO, total=base + items_total, deductions=deductions,
                                lines_digest=digest, version=1, computed_at=now))
        elif sheet.state == SheetState.locked:
            locked.append((officer, sheet))
        elif sheet.lines_digest != digest or sheet.base != base or sheet.squad_id != officer.squad_id:
            _reopen(sheet)
            sheet.base, sheet.items_total, sheet.squad_id, sheet.lines_digest = (
                base,
                items_total,
                officer.squad_id,
                digest,
            )
            sheet.deductions = deductions
            sheet.total = base + items_total + sheet.adjustments_total
            sheet.computed_at = now
            changed += 1
    session.flush()
    return created, changed, locked


def _locked_quantities(month: date) -> dict[int, dict[str, Decimal]]:
    """The staged quantities of the officers whose sheet of the month is locked."""
    quantities: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for officer_id, item, milli in session.execute(text(f"""
            select c.officer_id, c.item, c.quantity_milli from {STAGE} c
            join points_monthly s on s.officer_id = c.officer_id and s.month = :month where s.state = 'locked'
            """).bindparams(bindparam("month", type_=Date)), {"month": month}):
        quantities[officer_id][item] = Decimal(milli).scaleb(-3)
    return quantities


def _frozen_lines(sheet_ids: list[int]) -> dict[int, dict[str, object]]:
    """The stored lines of sheets (plain rows)."""
    lines: dict[int, dict[str, object]] = defaultdict(dict)
    for start in range(0, len(sheet_ids), CHUNK):
        for line in session.execute(select(
                MonthlyLine.monthly_points_id, MonthlyLine.item, MonthlyLine.rule_id, MonthlyLine.category,
                MonthlyLine.quantity, MonthlyLine.points_per_unit, MonthlyLine.monthly_cap, MonthlyLine.points)
                .where(MonthlyLine.monthly_points_id.in_(sheet_ids[start:start + CHUNK]))):
            lines[line.monthly_points_id][line.item] = line
    return lines


def _carry_correction(locked: MonthlyPoints, items_total_now: Decimal, in_force: parameters.InForce) -> bool:
    """Post what late data changed in a locked month to the officer's next open month, once."""
    carried = session.scalar(select(func.coalesce(func.sum(Adjustment.points), 0)).join(MonthlyPoints).where(
        MonthlyPoints.officer_id == locked.officer_id, Adjustment.corrects_month == locked.month))
    difference = items_total_now - locked.items_total - Decimal(carried)
    if not difference:
        return False
    target = _next_open_sheet(locked)
    session.add(Adjustment(
        monthly_points_id=target.id, points=difference, corrects_month=locked.month,
        reason=f"{locked.month:%Y年%m月}积分锁定后补录数据的更正（条目分应为 {items_total_now}，"
               f"锁定时为 {locked.items_total}）"))
    session.flush()
    _retotal(target)
    if target.state != SheetState.draft:
        _reopen(target)
    follow_months([target.month], [target.officer_id], in_force)
    return True


def _next_open_sheet(locked: MonthlyPoints) -> MonthlyPoints:
    month = month_after(locked.month)
    while True:
        sheet = session.scalar(select(MonthlyPoints).where(
            MonthlyPoints.officer_id == locked.officer_id, MonthlyPoints.month == month))
        if sheet is None:
            refresh_month(month, officer_ids=[locked.officer_id])
            continue
        if sheet.state != SheetState.locked:
            return sheet
        month = month_after(month)


# -- leaders' work on a sheet ----------------------------------------------------------------------

def _require_open(sheet: MonthlyPoints) -> None:
    if sheet.state == SheetState.locked:
        raise Conflict("该月积分已锁定，不能修改；如需更正，请在下一个未锁定月份中调整", code="month_locked")


def add_adjustment(actor: Officer, sheet: MonthlyPoints, *, points: Decimal, reason: str) -> Adjustment:
    """The leader's adjustment with its reason, within ±POINTS_ADJUSTMENT_LIMIT; the sheet returns to
    draft, its quarter and year follow."""
    require(actor, SQUAD_MANAGERS)
    refuse_own_sheet(actor, sheet)
    _require_open(sheet)
    in_force = parameters.InForce()
    limit = in_force.value("POINTS_ADJUSTMENT_LIMIT", sheet.district_id, sheet.month)
    if not points or abs(points) > limit:
        raise Invalid(f"调整分值须在 -{limit} 到 {limit} 之间且不为 0", code="adjustment_out_of_range")
    if not reason.strip():
        raise Invalid("调整必须说明理由", code="reason_required")
    adjustment = Adjustment(monthly_points_id=sheet.id, points=points, reason=reason.strip(), created_by_id=actor.id)
    session.add(adjustment)
    session.flush()
    _retotal(sheet)
    _reopen(sheet)
    session.flush()
    follow_months([sheet.month], [sheet.officer_id], in_force)
    return adjustment


def refuse_own_sheet(actor: Officer, sheet: MonthlyPoints) -> None:
    """Nobody adjusts, reviews, publishes or locks their own month."""
    if sheet.officer_id == actor.id:
        raise Forbidden("不能调整、审核、公布或锁定本人的积分", code="own_sheet")


def review(actor: Officer, sheet: MonthlyPoints) -> MonthlyPoints:
    """draft → reviewed, by the squad's leader (or district staff); the lines the leader saw are
    stored with it, and from now on shown as stored (a changed rule never changes them)."""
    require(actor, SQUAD_MANAGERS)
    refuse_own_sheet(actor, sheet)
    _require_open(sheet)
    if sheet.state != SheetState.draft:
        raise Conflict("只有草稿状态的月积分可以审核", code="not_draft")
    session.add_all(MonthlyLine(monthly_points_id=sheet.id, **line._asdict()) for line in draft_lines(sheet))
    sheet.state, sheet.reviewed_by_id, sheet.reviewed_at = SheetState.reviewed, actor.id, utcnow()
    session.flush()
    return sheet


def publish(actor: Officer, sheet: MonthlyPoints) -> MonthlyPoints:
    """reviewed → published; a government-WeChat card with the score is queued for the officer."""
    from backend.wechat.messages import queue_text_card

    require(actor, SQUAD_MANAGERS)
    refuse_own_sheet(actor, sheet)
    _require_open(sheet)
    if sheet.state != SheetState.reviewed:
        raise Conflict("月积分须先审核，才能公布", code="not_reviewed")
    sheet.state, sheet.published_at = SheetState.published, utcnow()
    session.flush()
    queue_text_card([sheet.officer], title=f"{sheet.month:%Y年%m月}积分已公布",
                   description=f"{sheet.officer.name}：本月积分 {sheet.total} 分（基础分 {sheet.base}，"
                               f"条目 {sheet.items_total:+}，调整 {sheet.adjustments_total:+}）",
                   url=settings().POINTS_SHEET_URL.format(id=sheet.id))
    return sheet


class SquadOutcome(NamedTuple):
    sheet: MonthlyPoints
    outcome: str  # done | skipped
    code: str | None  # why a sheet was skipped: own_sheet, not_draft, not_reviewed, month_locked
    message: str | None


def for_squad(actor: Officer, squad: Squad, month: date, operation) -> list[SquadOutcome]:
    """`review` or `publish` every eligible sheet of the squad's month; what happened to each sheet.

    The leader's own sheet and sheets in another state are skipped with the reason; the rest move."""
    require(actor, SQUAD_MANAGERS)
    outcomes = []
    for sheet in session.scalars(select(MonthlyPoints).where(MonthlyPoints.month == month,
                                                             MonthlyPoints.squad_id == squad.id)
                                 .order_by(MonthlyPoints.officer_id)):
        try:
            operation(actor, sheet)
        except (Conflict, Forbidden) as refused:
            outcomes.append(SquadOutcome(sheet, "skipped", refused.code, refused.message))
        else:
            outcomes.append(SquadOutcome(sheet, "done", None, None))
    return outcomes


def lock_published(day: date) -> int:
    """Lock every published sheet of the months whose lock day has come by `day`: day POINTS_LOCK_DAY (the
    district's, in force in the sheet's month) of the following month (a sheet published after that is locked at
    the next run)."""
    published = session.scalars(select(MonthlyPoints).where(MonthlyPoints.state == SheetState.published,
                                                            MonthlyPoints.month < day.replace(day=1))).all()
    in_force = parameters.InForce()
    lock_days = {month: in_force.values("POINTS_LOCK_DAY", month, {sheet.district_id for sheet in published})
                 for month in {sheet.month for sheet in published}}
    sheets = [sheet for sheet in published
              if day >= month_after(sheet.month).replace(day=lock_days[sheet.month][sheet.district_id])]
    now = utcnow()
    for sheet in sheets:
        sheet.state, sheet.locked_at = SheetState.locked, now
    session.flush()
    if sheets:
        follow_months({sheet.month for sheet in sheets}, list({sheet.officer_id for sheet in sheets}), in_force)
    return len(sheets)


def lock(actor: Officer, sheet: MonthlyPoints) -> MonthlyPoints:
    """published → locked, by district staff: the month never changes again; its quarter counts it final."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以锁定月积分")
    refuse_own_sheet(actor, sheet)
    _require_open(sheet)
    if sheet.state != SheetState.published:
        raise Conflict("月积分须先公布，才能锁定", code="not_published")
    sheet.state, sheet.locked_at = SheetState.locked, utcnow()
    session.flush()
    follow_months([sheet.month], [sheet.officer_id])
    return sheet
