"""What reads cases: scoped lists, the monthly report per squad, and the daily facts for the points."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, Select, case, exists, func, literal, select, union_all

from backend import periods
from backend.db import session
from backend.org.models import Officer, Squad
from backend.org.scope import get_visible, scoped, visible
from backend.supervision.cases.models import Case, CaseFlag, FlagKind

OVERDUE = (FlagKind.registration_overdue, FlagKind.handling_overdue)


def cases(actor: Officer, *, flag: FlagKind | None = None, squad_id: int | None = None,
          officer_id: int | None = None, open_only: bool = False) -> Select[tuple[Case]]:
    """Cases in `actor`'s scope, newest discovery first."""
    stmt = scoped(Case, actor)
    if flag is not None:
        stmt = stmt.where(exists().where(CaseFlag.case_id == Case.id, CaseFlag.kind == flag))
    if squad_id is not None:
        stmt = stmt.where(Case.squad_id == squad_id)
    if officer_id is not None:
        stmt = stmt.where(Case.officer_id == officer_id)
    if open_only:
        stmt = stmt.where(Case.closed_on.is_(None), Case.withdrawn_on.is_(None))
    return stmt.order_by(Case.discovered_on.desc(), Case.id.desc())


def get_case(case_id: int, actor: Officer) -> Case:
    return get_visible(Case, case_id, actor, what="案件")


def _flag_counts(column):
    """Count columns of the four flag kinds for a union of rows that each carry one flag kind or none."""
    return [case((column == kind, 1), else_=0).label(kind.value) for kind in FlagKind]


def monthly_report(actor: Officer, month: date) -> list[dict]:
    """Per squad in scope, the month's registered and closed cases and the four kinds of flags."""
    start = periods.start("month", month)
    end = periods.month_after(start)
    zero = literal(0, Integer)
    registered = select(Case.squad_id, literal(1, Integer).label("registered"), zero.label("closed"),
                        *[zero.label(kind.value) for kind in FlagKind]).where(
        visible(Case, actor), Case.registered_on >= start, Case.registered_on < end)
    closed = select(Case.squad_id, zero, literal(1, Integer), *[zero for _ in FlagKind]).where(
        visible(Case, actor), Case.closed_on >= start, Case.closed_on < end)
    flags = select(CaseFlag.squad_id, zero, zero, *_flag_counts(CaseFlag.kind)).where(
        visible(CaseFlag, actor), CaseFlag.day >= start, CaseFlag.day < end)
    rows = union_all(registered, closed, flags).subquery()
    totals = (select(rows.c.squad_id, Squad.name, func.sum(rows.c.registered).label("registered"),
                     func.sum(rows.c.closed).label("closed"),
                     *[func.sum(rows.c[kind.value]).label(kind.value) for kind in FlagKind])
              .join(Squad, Squad.id == rows.c.squad_id)
              .group_by(rows.c.squad_id, Squad.name).order_by(Squad.name))
    return [dict(row._mapping, month=periods.key("month", start)) for row in session.execute(totals)]


def daily_case_facts(day: date):
    """Per officer, the cases closed on `day`, and the overdues and arbitraries that happened that day."""
    zero = literal(0, Integer)
    closed = select(Case.officer_id, literal(1, Integer).label("closed"), zero.label("overdue"),
                    zero.label("withdrawal"), zero.label("revocation")).where(Case.closed_on == day)
    flags = select(CaseFlag.officer_id, zero, case((CaseFlag.kind.in_(OVERDUE), 1), else_=0),
                   case((CaseFlag.kind == FlagKind.arbitrary_withdrawal, 1), else_=0),
                   case((CaseFlag.kind == FlagKind.arbitrary_revocation, 1), else_=0)).where(CaseFlag.day == day)
    rows = union_all(closed, flags).subquery()
    return session.execute(
        select(rows.c.officer_id, func.sum(rows.c.closed).label("cases_closed"),
               func.sum(rows.c.overdue).label("cases_overdue"),
               func.sum(rows.c.withdrawal).label("arbitrary_withdrawals"),
               func.sum(rows.c.revocation).label("arbitrary_revocations"))
        .group_by(rows.c.officer_id).order_by(rows.c.officer_id)
    ).all()
