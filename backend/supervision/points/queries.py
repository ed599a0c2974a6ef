"""What reads points: rule versions, daily records, month sheets, rankings and explanations."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, or_, select

from backend.db import local_day, session
from backend.org.models import Officer
from backend.org.scope import scoped, settings_district
from backend.periods import month_after, shift
from backend.supervision.points.catalogue import ITEMS
from backend.supervision.points.models import (
    STATE_NAMES,
    DailyItem,
    ManualItem,
    MonthlyLine,
    MonthlyPoints,
    QuarterlyEvaluation,
    ScoringRule,
    SheetState,
    YearlyAppraisal,
)
from backend.supervision.points.parameters import in_force
from backend.supervision.points.scoring import Line, draft_lines

EXAMPLE_DEFAULT = "example_default"
EXAMPLE_DEFAULT_NOTE = "示例默认值：源文件未规定此数值，由区局确认或修改"


def parameters(actor: Officer, *, district_id: int | None = None, month: date | None = None) -> list[dict]:
    """The parameters points are computed with in the district in `month` (this month by default): each the
    district's own value, or the deployment's setting, an example default the district sets."""
    return in_force(settings_district(actor, district_id), month or local_day().replace(day=1))


def rule_source(rule: ScoringRule) -> str:
    """example_default for the seeded rules (the source documents give no weights), district for a district's own."""
    return EXAMPLE_DEFAULT if rule.district_id is None else "district"


def rules(actor: Officer, *, item: str | None = None, district_id: int | None = None) -> Select:
    """Rule versions that apply in the actor's district: its own and the example defaults (the city bureau's
    staff, of no district, name the district)."""
    district_id = settings_district(actor, district_id)
    stmt = select(ScoringRule).where(or_(ScoringRule.district_id == district_id, ScoringRule.district_id.is_(None)))
    stmt = stmt.order_by(ScoringRule.item, ScoringRule.effective_from, ScoringRule.district_id.is_(None).desc())
    return stmt.where(ScoringRule.item == item) if item else stmt


def daily_items(actor: Officer, *, officer_id: int | None = None, date_from: date | None = None,
                date_to: date | None = None) -> Select:
    stmt = scoped(DailyItem, actor).order_by(DailyItem.day, DailyItem.officer_id, DailyItem.item)
    if officer_id is not None:
        stmt = stmt.where(DailyItem.officer_id == officer_id)
    if date_from is not None:
        stmt = stmt.where(DailyItem.day >= date_from)
    if date_to is not None:
        stmt = stmt.where(DailyItem.day <= date_to)
    return stmt


def manual_items(actor: Officer, *, officer_id: int | None = None, month: date | None = None) -> Select:
    stmt = scoped(ManualItem, actor).order_by(ManualItem.day.desc(), ManualItem.id.desc())
    if officer_id is not None:
        stmt = stmt.where(ManualItem.officer_id == officer_id)
    if month is not None:
        stmt = stmt.where(ManualItem.day >= month, ManualItem.day < month_after(month))
    return stmt


def sheets(actor: Officer, *, month: date | None = None, squad_id: int | None = None,
           officer_id: int | None = None) -> Select:
    """Month sheets in scope: a month's squad ranking (highest first) or an officer's trend (by month)."""
    stmt = scoped(MonthlyPoints, actor)
    if month is not None:
        stmt = stmt.where(MonthlyPoints.month == month)
    if squad_id is not None:
        stmt = stmt.where(MonthlyPoints.squad_id == squad_id)
    if officer_id is not None:
        stmt = stmt.where(MonthlyPoints.officer_id == officer_id)
    if month is not None:
        return stmt.order_by(MonthlyPoints.total.desc(), MonthlyPoints.officer_id)
    return stmt.order_by(MonthlyPoints.month, MonthlyPoints.officer_id)


def lines_of(sheet: MonthlyPoints) -> list[Line | MonthlyLine]:
    """A sheet's lines, by item: a draft's computed from its daily records (one officer-month), the
    others' as stored when the leader reviewed them."""
    if sheet.state == SheetState.draft:
        return draft_lines(sheet)
    return list(session.scalars(select(MonthlyLine).where(MonthlyLine.monthly_points_id == sheet.id)
                                .order_by(MonthlyLine.item)))


def explain(sheet: MonthlyPoints) -> dict:
    """Why the score is what it is: base, each item down to its daily records, each adjustment."""
    days = defaultdict(list)
    for row in session.scalars(select(DailyItem).where(
            DailyItem.officer_id == sheet.officer_id, DailyItem.day >= sheet.month,
            DailyItem.day < month_after(sheet.month)).order_by(DailyItem.day, DailyItem.source)):
        days[row.item].append(row)
    lines, words = [], [f"基础分 {sheet.base}"]
    for line in lines_of(sheet):
        kind = ITEMS.get(line.item)
        name, unit = (kind.name, kind.unit) if kind else (line.item, "")
        was_capped = line.points != line.raw_points
        sentence = f"{name} {_plain(line.quantity)} {unit} × {line.points_per_unit:+} = {line.raw_points:+}"
        if was_capped:
            sentence += f"，超过月封顶 {line.monthly_cap}，计 {line.points:+}"
        if line.rule_id is None:
            sentence = f"{name} {_plain(line.quantity)} {unit}（无适用规则，不计分）"
        words.append(sentence)
        lines.append({
            "item": line.item, "name": name, "unit": unit, "category": line.category, "rule_id": line.rule_id,
            "quantity": line.quantity, "points_per_unit": line.points_per_unit, "monthly_cap": line.monthly_cap,
            "raw_points": line.raw_points, "points": line.points, "capped": was_capped, "explanation": sentence,
            "days": [{"day": row.day, "quantity": row.quantity, "source": row.source, "source_ref": row.source_ref}
                     for row in days.get(line.item, [])],
        })
    adjustments = []
    for adjustment in sheet.adjustments:
        words.append(f"调整 {adjustment.points:+}（{adjustment.reason}）")
        adjustments.append({"points": adjustment.points, "reason": adjustment.reason,
                            "corrects_month": adjustment.corrects_month, "created_by_id": adjustment.created_by_id,
                            "created_at": adjustment.created_at})
    return {
        "id": sheet.id, "officer_id": sheet.officer_id, "officer_name": sheet.officer.name, "month": sheet.month,
        "state": sheet.state, "state_name": STATE_NAMES[sheet.state], "base": sheet.base,
        "items_total": sheet.items_total, "adjustments_total": sheet.adjustments_total, "total": sheet.total,
        "summary": f"{'；'.join(words)}；合计 {sheet.total} 分。", "lines": lines, "adjustments": adjustments,
    }


def _plain(quantity) -> str:
    """A quantity without trailing zeros: 3, 12.5, 0.125."""
    return format(quantity.normalize(), "f")


def quarterly(actor: Officer, *, quarter: date | None = None, squad_id: int | None = None,
              officer_id: int | None = None) -> Select:
    stmt = scoped(QuarterlyEvaluation, actor)
    if squad_id is not None:
        stmt = stmt.where(QuarterlyEvaluation.squad_id == squad_id)
    if officer_id is not None:
        stmt = stmt.where(QuarterlyEvaluation.officer_id == officer_id)
    if quarter is not None:
        return stmt.where(QuarterlyEvaluation.quarter == quarter).order_by(
            QuarterlyEvaluation.score.desc(), QuarterlyEvaluation.officer_id)
    return stmt.order_by(QuarterlyEvaluation.quarter, QuarterlyEvaluation.officer_id)


def yearly(actor: Officer, *, year: int | None = None, squad_id: int | None = None,
           officer_id: int | None = None) -> Select:
    stmt = scoped(YearlyAppraisal, actor)
    if year is not None:
        stmt = stmt.where(YearlyAppraisal.year == year)
    if squad_id is not None:
        stmt = stmt.where(YearlyAppraisal.squad_id == squad_id)
    if officer_id is not None:
        stmt = stmt.where(YearlyAppraisal.officer_id == officer_id)
    return stmt.order_by(YearlyAppraisal.year, YearlyAppraisal.squad_id, YearlyAppraisal.rank)


def months_of(evaluation: QuarterlyEvaluation) -> list[MonthlyPoints]:
    """The month sheets a quarterly evaluation averages (drill-down: quarter → month)."""
    end = shift("quarter", evaluation.quarter, 1)
    return list(session.scalars(select(MonthlyPoints).where(
        MonthlyPoints.officer_id == evaluation.officer_id, MonthlyPoints.month >= evaluation.quarter,
        MonthlyPoints.month < end).order_by(MonthlyPoints.month)))


def quarters_of(appraisal: YearlyAppraisal) -> list[QuarterlyEvaluation]:
    """The quarterly evaluations a yearly appraisal averages (drill-down: year → quarter)."""
    return list(session.scalars(select(QuarterlyEvaluation).where(
        QuarterlyEvaluation.officer_id == appraisal.officer_id,
        QuarterlyEvaluation.quarter >= date(appraisal.year, 1, 1),
        QuarterlyEvaluation.quarter < date(appraisal.year + 1, 1, 1)).order_by(QuarterlyEvaluation.quarter)))
