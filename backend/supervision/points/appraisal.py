"""季评价 and 年考核: quarters follow their month sheets, years follow their quarters.

Every change to a month sheet (late data, a manual item, a rule version, an adjustment, a lock)
brings the officer's quarter and year up to date in the same transaction (`follow_months`), set-based:
one aggregate of the quarter's sheets, one of the year's quarters, each squad ranked once.

Quarterly: score = mean of the quarter's monthly totals + the leader's rating bonus
(POINTS_RATING_BONUS); grade by POINTS_QUARTER_GRADES. A leader confirms it once the quarter is over
and every month it averages is locked (a locked month never changes again: late data becomes a
correction in the next open month; a published one still goes back to draft on late data).

Yearly: score = mean of the year's quarterly scores. Within each squad officers are ranked by
score (higher first), then by fewer deduction points over the year, then by badge number (the
documented tie-break). The first POINTS_EXCELLENT_QUOTA_PERCENT (rounded down) of the squad whose
score reaches POINTS_EXCELLENT_FLOOR are 优秀; below POINTS_UNQUALIFIED_FLOOR is 不称职; below
POINTS_BASIC_FLOOR is 基本称职; everyone else 称职. A leader confirms it once the year is over and
every quarter it averages is confirmed. Confirmed rows never change. Every number here is an example
default the district sets (README, "Where the numbers come from").
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from flask import current_app
from sqlalchemy import BigInteger, case, cast, func, insert, or_, select

from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.org.models import Officer
from backend.supervision.points.models import (STATE_NAMES, AppraisalState, MonthlyPoints, QuarterlyEvaluation,
                                               SheetState, YearlyAppraisal)
from backend.supervision.points.scoring import CENT, month_after

RATING_NAMES = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
LOWEST_QUARTER_GRADE = "差"
YEAR_GRADE_NAMES = {"excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
                    "incompetent": "不称职"}


def rating_bonus() -> dict[str, Decimal]:
    """POINTS_RATING_BONUS, "excellent:2,good:1,…": the points each rating adds to the quarter."""
    pairs = (pair.split(":") for pair in current_app.config["POINTS_RATING_BONUS"].split(","))
    return {code.strip(): Decimal(points) for code, points in pairs}


def quarter_grades() -> list[tuple[Decimal, str]]:
    """POINTS_QUARTER_GRADES, "好:100,较好:95,…": each grade's floor, highest first (below all: 差)."""
    pairs = (pair.split(":") for pair in current_app.config["POINTS_QUARTER_GRADES"].split(","))
    return sorted(((Decimal(floor), name.strip()) for name, floor in pairs), reverse=True)


def quarter_grade(score: Decimal) -> str:
    return next((grade for floor, grade in quarter_grades() if score >= floor), LOWEST_QUARTER_GRADE)


def _cents(column):
    """Σ of a points column in exact cents (SQLite would sum the decimals as floats)."""
    return func.sum(cast(func.round(column * 100), BigInteger))


def _mean(cents: int, count: int) -> Decimal:
    return (Decimal(cents).scaleb(-2) / count).quantize(CENT, ROUND_HALF_UP)


def quarter_of(month: date) -> date:
    return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def quarter_end(quarter: date) -> date:
    """The first day after the quarter."""
    return month_after(month_after(month_after(quarter)))


def follow_months(months: Iterable[date], officer_ids: list[int] | None = None) -> None:
    """The quarters of `months`, and their years, follow the month sheets: the given officers' (and
    their squads' ranking) or everyone's."""
    quarters = sorted({quarter_of(month) for month in months})
    for quarter in quarters:
        refresh_quarter(quarter, officer_ids)
    for year in sorted({quarter.year for quarter in quarters}):
        refresh_year(year, officer_ids)


def refresh_quarter(quarter: date, officer_ids: list[int] | None = None) -> int:
    """Draft (or bring up to date) the quarter's evaluations from their month sheets: every officer
    with a sheet in it, or the given ones. Confirmed evaluations never change."""
    locked = func.sum(case((MonthlyPoints.state == SheetState.locked, 1), else_=0))
    stmt = (select(MonthlyPoints.officer_id, Officer.district_id, Officer.squad_id, func.count(),
                   _cents(MonthlyPoints.total), locked)
            .join(Officer, Officer.id == MonthlyPoints.officer_id)
            .where(MonthlyPoints.month >= quarter, MonthlyPoints.month < quarter_end(quarter))
            .group_by(MonthlyPoints.officer_id, Officer.district_id, Officer.squad_id))
    existing_stmt = select(QuarterlyEvaluation).where(QuarterlyEvaluation.quarter == quarter)
    if officer_ids is not None:
        stmt = stmt.where(MonthlyPoints.officer_id.in_(officer_ids))
        existing_stmt = existing_stmt.where(QuarterlyEvaluation.officer_id.in_(officer_ids))
    existing = {evaluation.officer_id: evaluation for evaluation in session.scalars(existing_stmt)}
    created = []
    rows = session.execute(stmt).all()
    for officer_id, district_id, squad_id, months, cents, months_final in rows:
        values = dict(district_id=district_id, squad_id=squad_id, months=months, months_final=int(months_final),
                      points_average=_mean(cents, months))
        evaluation = existing.get(officer_id)
        if evaluation is None:
            score = _quarter_score(values["points_average"], None)
            created.append(dict(officer_id=officer_id, quarter=quarter, state=AppraisalState.draft, score=score,
                                grade=quarter_grade(score), **values))
        elif evaluation.state == AppraisalState.draft:
            for name, value in values.items():
                setattr(evaluation, name, value)
            _score_quarter(evaluation)
    if created:
        session.execute(insert(QuarterlyEvaluation), created)
    session.flush()
    return len(rows)


def _quarter_score(points_average: Decimal, rating: str | None) -> Decimal:
    return points_average + rating_bonus().get(rating or "fair", Decimal(0))


def _score_quarter(evaluation: QuarterlyEvaluation) -> None:
    score = _quarter_score(evaluation.points_average, evaluation.rating)
    if evaluation.score != score:
        evaluation.score, evaluation.grade = score, quarter_grade(score)


def months_not_final(evaluation: QuarterlyEvaluation) -> list[MonthlyPoints]:
    """The quarter's month sheets not yet locked."""
    return list(session.scalars(select(MonthlyPoints).where(
        MonthlyPoints.officer_id == evaluation.officer_id, MonthlyPoints.month >= evaluation.quarter,
        MonthlyPoints.month < quarter_end(evaluation.quarter), MonthlyPoints.state != SheetState.locked)
        .order_by(MonthlyPoints.month)))


def quarter_confirmable(evaluation: QuarterlyEvaluation) -> bool:
    """The quarter is over and every month it averages is locked."""
    return local_day() >= quarter_end(evaluation.quarter) and evaluation.months_final == evaluation.months


def confirm_quarter(actor: Officer, evaluation: QuarterlyEvaluation, rating: str) -> QuarterlyEvaluation:
    """The leader rates the quarter and confirms it, once its months are final; the year follows."""
    if evaluation.officer_id == actor.id:
        raise Forbidden("不能评价本人的季度考核", code="own_evaluation")
    if evaluation.state == AppraisalState.confirmed:
        raise Conflict("该季评价已确认", code="already_confirmed")
    if rating not in RATING_NAMES:
        raise Invalid("评价等次无效", code="invalid_rating")
    name = f"{evaluation.quarter.year}年第{(evaluation.quarter.month - 1) // 3 + 1}季度"
    if local_day() < quarter_end(evaluation.quarter):
        raise Conflict(f"{name}尚未结束，本季各月积分锁定后才能确认季评价", code="months_not_final")
    pending = months_not_final(evaluation)
    if pending:
        months = "、".join(f"{sheet.month:%Y年%m月}（{STATE_NAMES[sheet.state]}）" for sheet in pending)
        raise Conflict(f"{name}的月积分尚未全部锁定：{months}；锁定后才能确认季评价", code="months_not_final")
    evaluation.rating = rating
    _score_quarter(evaluation)
    evaluation.state, evaluation.confirmed_by_id, evaluation.confirmed_at = AppraisalState.confirmed, actor.id, utcnow()
    session.flush()
    refresh_year(evaluation.quarter.year, [evaluation.officer_id])
    return evaluation


def refresh_year(year: int, officer_ids: list[int] | None = None) -> int:
    """Draft (or bring up to date) the year's appraisals, ranked and graded within each squad: every
    officer with a quarter in the year, or the squads of the given officers."""
    in_year = (QuarterlyEvaluation.quarter >= date(year, 1, 1), QuarterlyEvaluation.quarter < date(year + 1, 1, 1))
    confirmed = func.sum(case((QuarterlyEvaluation.state == AppraisalState.confirmed, 1), else_=0))
    stmt = (select(Officer, func.count(), _cents(QuarterlyEvaluation.score), confirmed)
            .join(QuarterlyEvaluation, QuarterlyEvaluation.officer_id == Officer.id).where(*in_year)
            .group_by(Officer.id))
    if officer_ids is not None:
        squads = set(session.scalars(select(Officer.squad_id).where(Officer.id.in_(officer_ids))))
        members = Officer.squad_id.in_(squads - {None})
        stmt = stmt.where(or_(members, Officer.squad_id.is_(None)) if None in squads else members)
    rows = session.execute(stmt).all()
    if not rows:
        return 0
    ids = [officer.id for officer, *_ in rows]
    deductions = dict(session.execute(
        select(MonthlyPoints.officer_id, _cents(MonthlyPoints.deductions))
        .where(MonthlyPoints.officer_id.in_(ids), MonthlyPoints.month >= date(year, 1, 1),
               MonthlyPoints.month < date(year + 1, 1, 1)).group_by(MonthlyPoints.officer_id)).all())
    existing = {a.officer_id: a for a in session.scalars(select(YearlyAppraisal).where(
        YearlyAppraisal.year == year, YearlyAppraisal.officer_id.in_(ids)))}
    squads: dict[int | None, list] = defaultdict(list)
    for officer, quarters, cents, quarters_final in rows:
        squads[officer.squad_id].append(dict(officer=officer, quarters=quarters, quarters_final=int(quarters_final),
                                             score=_mean(cents, quarters),
                                             deductions=Decimal(deductions.get(officer.id) or 0).scaleb(-2)))
    created = []
    for members in squads.values():
        created += _rank_squad(year, members, existing)
    if created:
        session.execute(insert(YearlyAppraisal), created)
    session.flush()
    return len(rows)


def _rank_squad(year: int, members: list[dict], existing: dict[int, YearlyAppraisal]) -> list[dict]:
    """Rank and grade one squad's year: the drafts changed in place, the rows of new appraisals."""
    config = current_app.config
    excellent_floor, basic_floor, unqualified_floor = (
        Decimal(config[name]) for name in ("POINTS_EXCELLENT_FLOOR", "POINTS_BASIC_FLOOR", "POINTS_UNQUALIFIED_FLOOR"))
    quota = len(members) * int(config["POINTS_EXCELLENT_QUOTA_PERCENT"]) // 100
    ranked = sorted(members, key=lambda m: (-m["score"], -m["deductions"], m["officer"].badge_no))
    created = []
    for rank, member in enumerate(ranked, start=1):
        officer, score = member.pop("officer"), member["score"]
        if score < unqualified_floor:
            grade = "incompetent"
        elif rank <= quota and score >= excellent_floor:
            grade = "excellent"
        elif score < basic_floor:
            grade = "basically_competent"
        else:
            grade = "competent"
        values = dict(district_id=officer.district_id, squad_id=officer.squad_id, rank=rank, grade=grade, **member)
        appraisal = existing.get(officer.id)
        if appraisal is None:
            created.append(dict(officer_id=officer.id, year=year, state=AppraisalState.draft, **values))
        elif appraisal.state == AppraisalState.draft:
            for name, value in values.items():
                setattr(appraisal, name, value)
    return created


def year_confirmable(appraisal: YearlyAppraisal) -> bool:
    """The year is over and every quarter it averages is confirmed."""
    return local_day() >= date(appraisal.year + 1, 1, 1) and appraisal.quarters_final == appraisal.quarters


def confirm_year(actor: Officer, appraisal: YearlyAppraisal) -> YearlyAppraisal:
    """The leader confirms the year's grade, once its quarters are confirmed."""
    if appraisal.officer_id == actor.id:
        raise Forbidden("不能确认本人的年度考核", code="own_appraisal")
    if appraisal.state == AppraisalState.confirmed:
        raise Conflict("该年考核已确认", code="already_confirmed")
    if not year_confirmable(appraisal):
        raise Conflict(f"{appraisal.year}年尚未结束或季评价尚未全部确认（已确认 {appraisal.quarters_final}/"
                       f"{appraisal.quarters} 个季度）；全部确认后才能确认年考核", code="quarters_not_final")
    appraisal.state, appraisal.confirmed_by_id, appraisal.confirmed_at = AppraisalState.confirmed, actor.id, utcnow()
    session.flush()
    return appraisal
