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

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, bindparam, select, text

from backend import periods
from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.org.models import Officer
from backend.org.roles import SQUAD_MANAGERS, require
from backend.supervision.points import parameters
from backend.supervision.points.models import (
    STATE_NAMES,
    AppraisalState,
    MonthlyPoints,
    QuarterlyEvaluation,
    SheetState,
    YearlyAppraisal,
)

RATING_NAMES = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
LOWEST_QUARTER_GRADE = "差"
YEAR_GRADE_NAMES = {"excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
                    "incompetent": "不称职"}


def rating_bonus(district_id: int, quarter: date, in_force: parameters.InForce) -> dict[str, Decimal]:
    """POINTS_RATING_BONUS: the points each rating (excellent, good, fair, poor) adds to the quarter (the
    district's, in force in the quarter's last month)."""
    return in_force.value("POINTS_RATING_BONUS", district_id, last_month("quarter", quarter))


def district_quarter_grades(district_id: int, quarter: date,
                            in_force: parameters.InForce) -> tuple[tuple[Decimal, str], ...]:
    """POINTS_QUARTER_GRADES: the district's grade floors in force in the quarter's last month, highest first
    (below all: 差)."""
    return in_force.value("POINTS_QUARTER_GRADES", district_id, last_month("quarter", quarter))


def last_month(kind: str, first: date) -> date:
    """The first day of the last month of the quarter or year starting on `first`."""
    return periods.shift("month", periods.shift(kind, first, 1), -1)


# The sums of the month totals and of the quarterly scores, in cents, exactly (no float on the way).
MONTH_CENTS = "cast(sum(cast(round(m.total * 100) as bigint)) as bigint)"
QUARTER_CENTS = "cast(sum(cast(round(q.score * 100) as bigint)) as bigint)"


def _half_up(total: str, count: str) -> str:
    """SQL: the mean of integer cents, in cents, half away from zero (integer division on both databases)."""
    return (f"(case when {total} < 0 then -((2 * -{total} + {count}) / (2 * {count})) "
            f"else (2 * {total} + {count}) / (2 * {count}) end)")


def _stage(name: str, sql: str, params: dict, expanding: str | None) -> None:
    """Create the temporary table `name` from `sql` (dates bound as dates), indexed by officer."""
    session.flush()
    session.execute(text(f"drop table if exists {name}"))
    binds = [bindparam(key, type_=Date) for key in ("start", "end")]
    if expanding:
        binds.append(bindparam(expanding, expanding=True))
    session.execute(text(f"create temporary table {name} as {sql}").bindparams(*binds), params)
    session.execute(text(f"create index {name}_officer on {name} (officer_id)"))


def _expire(model) -> None:
    """Rows changed in SQL: the session's copies are read again when next used."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, model):
            session.expire(instance)


def follow_months(months: Iterable[date], officer_ids: list[int] | None = None,
                  in_force: parameters.InForce | None = None) -> None:
    """The quarters of `months`, and their years, follow the month sheets: the given officers' (and
    their squads' ranking) or everyone's. `in_force`: the parameters the caller's refresh read (else read here
    once, for every quarter and year)."""
    in_force = in_force or parameters.InForce()
    quarters = sorted({periods.quarter(month) for month in months})
    for quarter in quarters:
        refresh_quarter(quarter, officer_ids, in_force)
    for year in sorted({quarter.year for quarter in quarters}):
        refresh_year(year, officer_ids, in_force)


QUARTER_STAGE = "points_quarter_stage"


def _districts(first: date, end: date, officer_ids: list[int] | None, model, column) -> list[int]:
    """The districts of the given officers, or of everyone with a row of `model` in [first, end)."""
    stmt = select(Officer.district_id).distinct()
    if officer_ids is not None:
        return sorted(session.scalars(stmt.where(Officer.id.in_(officer_ids))))
    return sorted(session.scalars(stmt.join(model, model.officer_id == Officer.id).where(column >= first,
                                                                                         column < end)))


def refresh_quarter(quarter: date, officer_ids: list[int] | None = None,
                    in_force: parameters.InForce | None = None) -> int:
    """Draft (or bring up to date) the quarter's evaluations from their month sheets, in SQL, district by district
    (each with its own rating bonus and grades): every officer with a sheet in it, or the given ones. Confirmed
    evaluations never change."""
    end = periods.shift("quarter", quarter, 1)
    in_force = in_force or parameters.InForce()
    return sum(_refresh_quarter(quarter, district_id, officer_ids, in_force)
               for district_id in _districts(quarter, end, officer_ids, MonthlyPoints, MonthlyPoints.month))


def _refresh_quarter(quarter: date, district_id: int, officer_ids: list[int] | None,
                     in_force: parameters.InForce) -> int:
    grades = district_quarter_grades(district_id, quarter, in_force)
    fair = rating_bonus(district_id, quarter, in_force).get("fair", 0)
    grade = " ".join(f"when score_cents >= :floor{n} then :grade{n}" for n in range(len(grades)))
    params = {"start": quarter, "end": periods.shift("quarter", quarter, 1), "lowest": LOWEST_QUARTER_GRADE,
              "district": district_id, "fair_cents": int(fair * 100),
              **{f"floor{n}": int(floor * 100) for n, (floor, _) in enumerate(grades)},
              **{f"grade{n}": name for n, (_, name) in enumerate(grades)}}
    if officer_ids is not None:
        params["officers"] = officer_ids
    _stage(
        QUARTER_STAGE,
        f"""
        select officer_id, district_id, squad_id, months, months_final, average_cents, score_cents,
               case {grade} else :lowest end as grade
        from (select officer_id, district_id, squad_id, months, months_final, average_cents,
                     average_cents + :fair_cents as score_cents
              from (select m.officer_id, o.district_id, o.squad_id, count(*) as months,
                           sum(case when m.state = 'locked' then 1 else 0 end) as months_final,
                           {_half_up(MONTH_CENTS, "count(*)")} as average_cents
                    from points_monthly m join officer o on o.id = m.officer_id
                    where m.month >= :start and m.month < :end and o.district_id = :district
                          {"" if officer_ids is None else "and m.officer_id in :officers"}
                    group by m.officer_id, o.district_id, o.squad_id) as totals) as scored
        """,
        params,
        None if officer_ids is None else "officers",
    )
    quarter_param = {"quarter": quarter}
    dated = bindparam("quarter", type_=Date)
    session.execute(text(f"""
        update points_quarterly set district_id = s.district_id, squad_id = s.squad_id, months = s.months,
               months_final = s.months_final, points_average = s.average_cents / 100.0,
               score = s.score_cents / 100.0, grade = s.grade
        from {QUARTER_STAGE} s
        where s.officer_id = points_quarterly.officer_id and points_quarterly.quarter = :quarter
              and points_quarterly.state = 'draft'""").bindparams(dated), quarter_param)
    session.execute(text(f"""
        insert into points_quarterly (officer_id, quarter, district_id, squad_id, months, months_final,
                                      points_average, score, grade, state)
        select s.officer_id, :quarter, s.district_id, s.squad_id, s.months, s.months_final,
               s.average_cents / 100.0, s.score_cents / 100.0, s.grade, 'draft'
        from {QUARTER_STAGE} s
        where not exists (select 1 from points_quarterly q where q.officer_id = s.officer_id and q.quarter = :quarter)
        """).bindparams(dated), quarter_param)
    count = session.scalar(text(f"select count(*) from {QUARTER_STAGE}"))
    session.execute(text(f"drop table {QUARTER_STAGE}"))
    _expire(QuarterlyEvaluation)
    return count


def _score_quarter(evaluation: QuarterlyEvaluation, in_force: parameters.InForce) -> None:
    bonus = rating_bonus(evaluation.district_id, evaluation.quarter, in_force)
    score = evaluation.points_average + bonus.get(evaluation.rating or "fair", Decimal(0))
    if evaluation.score != score:
        grades = district_quarter_grades(evaluation.district_id, evaluation.quarter, in_force)
        evaluation.score = score
        evaluation.grade = next((grade for floor, grade in grades if score >= floor), LOWEST_QUARTER_GRADE)


def months_not_final(evaluation: QuarterlyEvaluation) -> list[MonthlyPoints]:
    """The quarter's month sheets not yet locked."""
    return list(session.scalars(select(MonthlyPoints).where(
        MonthlyPoints.officer_id == evaluation.officer_id, MonthlyPoints.month >= evaluation.quarter,
        MonthlyPoints.month < periods.shift("quarter", evaluation.quarter, 1),
        MonthlyPoints.state != SheetState.locked)
        .order_by(MonthlyPoints.month)))


def quarter_confirmable(evaluation: QuarterlyEvaluation) -> bool:
    """The quarter is over and every month it averages is locked."""
    over = local_day() >= periods.shift("quarter", evaluation.quarter, 1)
    return over and evaluation.months_final == evaluation.months


def confirm_quarter(actor: Officer, evaluation: QuarterlyEvaluation, rating: str) -> QuarterlyEvaluation:
    """The leader rates the quarter and confirms it, once its months are final; the year follows."""
    require(actor, SQUAD_MANAGERS)
    if evaluation.officer_id == actor.id:
        raise Forbidden("不能评价本人的季度考核", code="own_evaluation")
    if evaluation.state == AppraisalState.confirmed:
        raise Conflict("该季评价已确认", code="already_confirmed")
    if rating not in RATING_NAMES:
        raise Invalid("评价等次无效", code="invalid_rating")
    name = f"{evaluation.quarter.year}年第{periods.quarter_number(evaluation.quarter)}季度"
    if local_day() < periods.shift("quarter", evaluation.quarter, 1):
        raise Conflict(f"{name}尚未结束，本季各月积分锁定后才能确认季评价", code="months_not_final")
    pending = months_not_final(evaluation)
    if pending:
        months = "、".join(f"{sheet.month:%Y年%m月}（{STATE_NAMES[sheet.state]}）" for sheet in pending)
        raise Conflict(f"{name}的月积分尚未全部锁定：{months}；锁定后才能确认季评价", code="months_not_final")
    evaluation.rating = rating
    in_force = parameters.InForce()
    _score_quarter(evaluation, in_force)
    evaluation.state, evaluation.confirmed_by_id, evaluation.confirmed_at = AppraisalState.confirmed, actor.id, utcnow()
    session.flush()
    refresh_year(evaluation.quarter.year, [evaluation.officer_id], in_force)
    return evaluation


YEAR_STAGE = "points_year_stage"


def refresh_year(year: int, officer_ids: list[int] | None = None,
                 in_force: parameters.InForce | None = None) -> int:
    """Draft (or bring up to date) the year's appraisals, ranked and graded within each squad, in SQL, district by
    district (each with its quota and floors in force in December): every officer with a quarter in the year, or
    the squads of the given officers."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    in_force = in_force or parameters.InForce()
    return sum(_refresh_year(year, district_id, officer_ids, in_force) for district_id in _districts(
        start, end, officer_ids, QuarterlyEvaluation, QuarterlyEvaluation.quarter))


def _refresh_year(year: int, district_id: int, officer_ids: list[int] | None, in_force: parameters.InForce) -> int:
    december = date(year, 12, 1)
    number = {name: in_force.value(name, district_id, december) for name in (
        "POINTS_EXCELLENT_QUOTA_PERCENT", "POINTS_EXCELLENT_FLOOR", "POINTS_BASIC_FLOOR", "POINTS_UNQUALIFIED_FLOOR")}
    params = {"start": date(year, 1, 1), "end": date(year + 1, 1, 1), "district": district_id,
              "quota_percent": number["POINTS_EXCELLENT_QUOTA_PERCENT"],
              **{name: int(number[f"POINTS_{name.upper()}_FLOOR"] * 100)
                 for name in ("excellent", "basic", "unqualified")}}
    squads = ""
    if officer_ids is not None:
        squad_ids = set(session.scalars(select(Officer.squad_id).where(Officer.id.in_(officer_ids))))
        params["squads"] = sorted(squad_ids - {None}) or [0]
        squads = f"and (o.squad_id in :squads{' or o.squad_id is null' if None in squad_ids else ''})"
    _stage(
        YEAR_STAGE,
        f"""
        select officer_id, district_id, squad_id, quarters, quarters_final, score_cents, deduction_cents, squad_rank,
               case when score_cents < :unqualified then 'incompetent'
                    when squad_rank <= quota and score_cents >= :excellent then 'excellent'
                    when score_cents < :basic then 'basically_competent' else 'competent' end as grade
        from (select officer_id, district_id, squad_id, quarters, quarters_final, score_cents, deduction_cents,
                     row_number() over (partition by squad_id
                                        order by score_cents desc, deduction_cents desc, badge_no) as squad_rank,
                     count(*) over (partition by squad_id) * :quota_percent / 100 as quota
              from (select o.id as officer_id, o.district_id, o.squad_id, o.badge_no, count(*) as quarters,
                           sum(case when q.state = 'confirmed' then 1 else 0 end) as quarters_final,
                           {_half_up(QUARTER_CENTS, "count(*)")} as score_cents,
                           coalesce((select cast(sum(cast(round(m.deductions * 100) as bigint)) as bigint)
                                     from points_monthly m
                                     where m.officer_id = o.id and m.month >= :start and m.month < :end), 0)
                               as deduction_cents
                    from points_quarterly q join officer o on o.id = q.officer_id
                    where q.quarter >= :start and q.quarter < :end and o.district_id = :district {squads}
                    group by o.id, o.district_id, o.squad_id, o.badge_no) as totals) as ranked
        """,
        params,
        "squads" if squads else None,
    )
    session.execute(text(f"""
        update points_yearly set district_id = s.district_id, squad_id = s.squad_id, quarters = s.quarters,
               quarters_final = s.quarters_final, score = s.score_cents / 100.0,
               deductions = s.deduction_cents / 100.0, rank = s.squad_rank, grade = s.grade
        from {YEAR_STAGE} s
        where s.officer_id = points_yearly.officer_id and points_yearly.year = :year and points_yearly.state = 'draft'
        """), {"year": year})
    session.execute(text(f"""
        insert into points_yearly (officer_id, year, district_id, squad_id, quarters, quarters_final, score,
                                   deductions, rank, grade, state)
        select s.officer_id, :year, s.district_id, s.squad_id, s.quarters, s.quarters_final, s.score_cents / 100.0,
               s.deduction_cents / 100.0, s.squad_rank, s.grade, 'draft'
        from {YEAR_STAGE} s
        where not exists (select 1 from points_yearly y where y.officer_id = s.officer_id and y.year = :year)
        """), {"year": year})
    count = session.scalar(text(f"select count(*) from {YEAR_STAGE}"))
    session.execute(text(f"drop table {YEAR_STAGE}"))
    _expire(YearlyAppraisal)
    return count


def year_confirmable(appraisal: YearlyAppraisal) -> bool:
    """The year is over and every quarter it averages is confirmed."""
    return local_day() >= date(appraisal.year + 1, 1, 1) and appraisal.quarters_final == appraisal.quarters


def confirm_year(actor: Officer, appraisal: YearlyAppraisal) -> YearlyAppraisal:
    """The leader confirms the year's grade, once its quarters are confirmed."""
    require(actor, SQUAD_MANAGERS)
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
