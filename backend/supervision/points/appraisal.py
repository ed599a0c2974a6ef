"""季评价 and 年考核: quarters from month sheets and the leader's rating, years ranked per squad.

Quarterly: score = mean of the quarter's monthly totals + the leader's rating bonus (优 +2, 良 +1,
中 0, 差 -2); grade 好 (≥ 100) / 较好 (≥ 95) / 一般 (≥ 90) / 差.

Yearly: score = mean of the year's quarterly scores. Within each squad officers are ranked by
score (higher first), then by fewer deduction points over the year, then by badge number (the
documented tie-break). The first POINTS_EXCELLENT_QUOTA_PERCENT (20%, rounded down) of the squad
whose score reaches POINTS_EXCELLENT_FLOOR are 优秀; below POINTS_UNQUALIFIED_FLOOR is 不称职;
below POINTS_BASIC_FLOOR is 基本称职; everyone else 称职. Confirmed rows never change.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select, text

from backend.db import session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.org.models import Officer
from backend.supervision.points.models import (AppraisalState, MonthlyLine, MonthlyPoints, QuarterlyEvaluation,
                                               SheetState, YearlyAppraisal)
from backend.supervision.points.scoring import CENT, STAGE, RuleBook, month_after, staged_month

RATING_BONUS = {"excellent": Decimal(2), "good": Decimal(1), "fair": Decimal(0), "poor": Decimal(-2)}
RATING_NAMES = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
QUARTER_GRADES = [(Decimal(100), "好"), (Decimal(95), "较好"), (Decimal(90), "一般")]  # else 差
YEAR_GRADE_NAMES = {"excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
                    "incompetent": "不称职"}


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def quarter_grade(score: Decimal) -> str:
    return next((grade for floor, grade in QUARTER_GRADES if score >= floor), "差")


def _quarter_months(quarter: date) -> tuple[date, date]:
    end_index = quarter.year * 12 + quarter.month - 1 + 3
    return quarter, date(end_index // 12, end_index % 12 + 1, 1)


def refresh_quarter(quarter: date) -> int:
    """Draft (or bring up to date) every officer's evaluation of the quarter from their month sheets."""
    start, end = _quarter_months(quarter)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for officer_id, total in session.execute(select(MonthlyPoints.officer_id, MonthlyPoints.total).where(
            MonthlyPoints.month >= start, MonthlyPoints.month < end)):
        totals[officer_id].append(Decimal(total))
    existing = {e.officer_id: e for e in session.scalars(
        select(QuarterlyEvaluation).where(QuarterlyEvaluation.quarter == quarter))}
    officers = session.scalars(select(Officer).where(Officer.id.in_(list(totals)))).all() if totals else []
    for officer in officers:
        evaluation = existing.get(officer.id)
        if evaluation is None:
            evaluation = QuarterlyEvaluation(officer_id=officer.id, quarter=quarter, state=AppraisalState.draft)
            session.add(evaluation)
        elif evaluation.state == AppraisalState.confirmed:
            continue
        evaluation.district_id, evaluation.squad_id = officer.district_id, officer.squad_id
        evaluation.months, evaluation.points_average = len(totals[officer.id]), _mean(totals[officer.id])
        _score_quarter(evaluation)
    session.flush()
    return len(officers)


def _score_quarter(evaluation: QuarterlyEvaluation) -> None:
    evaluation.score = evaluation.points_average + RATING_BONUS.get(evaluation.rating or "fair", Decimal(0))
    evaluation.grade = quarter_grade(evaluation.score)


def confirm_quarter(actor: Officer, evaluation: QuarterlyEvaluation, rating: str) -> QuarterlyEvaluation:
    """The leader rates the quarter and confirms it."""
    if evaluation.officer_id == actor.id:
        raise Forbidden("不能评价本人", code="own_evaluation")
    if evaluation.state == AppraisalState.confirmed:
        raise Conflict("该季评价已确认", code="already_confirmed")
    if rating not in RATING_BONUS:
        raise Invalid("评价等次无效", code="invalid_rating")
    evaluation.rating = rating
    _score_quarter(evaluation)
    evaluation.state, evaluation.confirmed_by_id, evaluation.confirmed_at = AppraisalState.confirmed, actor.id, utcnow()
    session.flush()
    return evaluation


def refresh_year(year_start: date) -> int:
    """Draft every officer's appraisal of the year, ranked and graded within their squad."""
    year = year_start.year
    scores: dict[int, list[Decimal]] = defaultdict(list)
    for officer_id, score in session.execute(select(QuarterlyEvaluation.officer_id, QuarterlyEvaluation.score).where(
            QuarterlyEvaluation.quarter >= date(year, 1, 1), QuarterlyEvaluation.quarter < date(year + 1, 1, 1))):
        scores[officer_id].append(Decimal(score))
    if not scores:
        return 0
    deductions = _deductions(year)
    existing = {a.officer_id: a for a in session.scalars(select(YearlyAppraisal).where(YearlyAppraisal.year == year))}
    squads: dict[int | None, list[Officer]] = defaultdict(list)
    for officer in session.scalars(select(Officer).where(Officer.id.in_(list(scores)))):
        squads[officer.squad_id].append(officer)
    for members in squads.values():
        _rank_squad(year, members, scores, deductions, existing)
    session.flush()
    return len(scores)


def _deductions(year: int) -> dict[int, Decimal]:
    """Σ negative item points of each officer's year: the stored lines of reviewed months, the
    drafts' scored in SQL, a month at a time."""
    in_year = (MonthlyPoints.month >= date(year, 1, 1), MonthlyPoints.month < date(year + 1, 1, 1))
    deductions: dict[int, Decimal] = defaultdict(Decimal)
    for officer_id, points in session.execute(
            select(MonthlyPoints.officer_id, func.sum(MonthlyLine.points))
            .join(MonthlyLine, MonthlyLine.monthly_points_id == MonthlyPoints.id)
            .where(*in_year, MonthlyLine.points < 0).group_by(MonthlyPoints.officer_id)):
        deductions[officer_id] += Decimal(points)
    drafts: dict[date, list[int]] = defaultdict(list)
    for month, officer_id in session.execute(select(MonthlyPoints.month, MonthlyPoints.officer_id)
                                             .where(*in_year, MonthlyPoints.state == SheetState.draft)):
        drafts[month].append(officer_id)
    for month, officer_ids in drafts.items():
        with staged_month(month, month_after(month), officer_ids, RuleBook(month)):
            for officer_id, cents in session.execute(text(
                    f"select officer_id, sum(points_cents) from {STAGE} where points_cents < 0 group by officer_id")):
                deductions[officer_id] += Decimal(cents).scaleb(-2)
    return deductions


def _rank_squad(year: int, members: list[Officer], scores: dict, deductions: dict, existing: dict) -> None:
    config = current_app.config
    excellent_floor, basic_floor, unqualified_floor = (
        Decimal(config[name]) for name in ("POINTS_EXCELLENT_FLOOR", "POINTS_BASIC_FLOOR", "POINTS_UNQUALIFIED_FLOOR"))
    quota = len(members) * int(config["POINTS_EXCELLENT_QUOTA_PERCENT"]) // 100
    score_of = {officer.id: _mean(scores[officer.id]) for officer in members}
    deduction_of = {officer.id: Decimal(deductions.get(officer.id) or 0).quantize(CENT) for officer in members}
    ranked = sorted(members, key=lambda o: (-score_of[o.id], -deduction_of[o.id], o.badge_no))
    for rank, officer in enumerate(ranked, start=1):
        appraisal = existing.get(officer.id)
        if appraisal is None:
            appraisal = YearlyAppraisal(officer_id=officer.id, year=year, state=AppraisalState.draft)
            session.add(appraisal)
        elif appraisal.state == AppraisalState.confirmed:
            continue
        score = score_of[officer.id]
        if score < unqualified_floor:
            grade = "incompetent"
        elif rank <= quota and score >= excellent_floor:
            grade = "excellent"
        elif score < basic_floor:
            grade = "basically_competent"
        else:
            grade = "competent"
        appraisal.district_id, appraisal.squad_id = officer.district_id, officer.squad_id
        appraisal.quarters, appraisal.score, appraisal.deductions = len(scores[officer.id]), score, deduction_of[officer.id]
        appraisal.rank, appraisal.grade = rank, grade


def confirm_year(actor: Officer, appraisal: YearlyAppraisal) -> YearlyAppraisal:
    """The leader confirms the year's grade."""
    if appraisal.officer_id == actor.id:
        raise Forbidden("不能确认本人的年考核", code="own_appraisal")
    if appraisal.state == AppraisalState.confirmed:
        raise Conflict("该年考核已确认", code="already_confirmed")
    appraisal.state, appraisal.confirmed_by_id, appraisal.confirmed_at = AppraisalState.confirmed, actor.id, utcnow()
    session.flush()
    return appraisal
