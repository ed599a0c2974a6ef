"""What reads drills: lists within scope, a live class's leaderboard, daily facts and the credit source.

Importing this module registers drills as a credit-hour source (`credits.CREDIT_SOURCES`): a drill
counts once per officer, on the day of the first passed attempt, with the drill's category and hours.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select

from backend.db import session
from backend.org.models import Officer
from backend.org.scope import scoped
from backend.training import credits
from backend.training.drills.models import Drill, DrillAttempt, DrillAttemptStatus, DrillKind, ReferenceGesture


def drills(actor: Officer, *, kind: DrillKind | None = None) -> Select:
    stmt = scoped(Drill, actor).order_by(Drill.id.desc())
    return stmt.where(Drill.kind == kind) if kind else stmt


def attempts(actor: Officer, *, drill_id: int | None = None, officer_id: int | None = None) -> Select:
    stmt = scoped(DrillAttempt, actor).order_by(DrillAttempt.id.desc())
    if drill_id:
        stmt = stmt.where(DrillAttempt.drill_id == drill_id)
    if officer_id:
        stmt = stmt.where(DrillAttempt.officer_id == officer_id)
    return stmt


def reference_gestures(actor: Officer) -> Select:
    return scoped(ReferenceGesture, actor).order_by(ReferenceGesture.id)


def leaderboard(live_class_id: int, *, limit: int = 10) -> list[dict]:
    """Who did best in the drills of a live class: per trainee the sum of their best score in each drill."""
    best = (select(DrillAttempt.officer_id, DrillAttempt.drill_id, func.max(DrillAttempt.score).label("best"),
                   func.max(DrillAttempt.done_at).label("last_at"))
            .where(DrillAttempt.live_class_id == live_class_id, DrillAttempt.status == DrillAttemptStatus.scored)
            .group_by(DrillAttempt.officer_id, DrillAttempt.drill_id).subquery())
    total = func.sum(best.c.best).label("total")
    rows = session.execute(
        select(Officer.id, Officer.name, Officer.badge_no, total, func.count().label("drills"))
        .join(best, best.c.officer_id == Officer.id)
        .group_by(Officer.id, Officer.name, Officer.badge_no)
        .order_by(total.desc(), func.max(best.c.last_at), Officer.badge_no).limit(limit)).all()
    return [{"rank": rank, "officer_id": r.id, "name": r.name, "badge_no": r.badge_no, "score": int(r.total),
             "drills": r.drills} for rank, r in enumerate(rows, start=1)]


def daily_drill_facts(day: date) -> list:
    """Per officer for one local day, in one set-based query: rows of (officer_id, drills_completed,
    drill_score_sum) over the scored drill attempts of that day (retakes do not count)."""
    stmt = (select(DrillAttempt.officer_id, func.count().label("drills_completed"),
                   func.sum(DrillAttempt.score).label("drill_score_sum"))
            .where(DrillAttempt.done_on == day, DrillAttempt.status == DrillAttemptStatus.scored)
            .group_by(DrillAttempt.officer_id).order_by(DrillAttempt.officer_id))
    return session.execute(stmt).all()


def passed_drills(start: date, end: date) -> Select:
    """Credit source: (officer_id, category, hours, earned_on) of each drill's first passed attempt."""
    first_pass = (select(DrillAttempt.officer_id, DrillAttempt.drill_id,
                         func.min(DrillAttempt.done_on).label("earned_on"))
                  .where(DrillAttempt.passed.is_(True))
                  .group_by(DrillAttempt.officer_id, DrillAttempt.drill_id).subquery())
    return (select(first_pass.c.officer_id, Drill.category, Drill.credit_hours.label("hours"), first_pass.c.earned_on)
            .join(Drill, Drill.id == first_pass.c.drill_id)
            .where(first_pass.c.earned_on.between(start, end)))


if passed_drills not in credits.CREDIT_SOURCES:
    credits.CREDIT_SOURCES.append(passed_drills)
