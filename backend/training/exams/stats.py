"""Item statistics of a paper, from its closed attempts.

- Facility (难度系数 / 通过率) of a question: the mean share of its points earned, over the closed
  attempts that contained it. 1.0 = everyone got it fully right, 0.0 = nobody did.
- Discrimination (区分度, the upper–lower index D): rank the closed attempts by total score as a share
  of the maximum (ties by attempt id, earlier first); the upper group is the top 27 % and the lower group
  the bottom 27 % (each at least one attempt, at most half, n = round(0.27 × N)). D = the question's
  facility within the upper group − its facility within the lower group, between −1 and 1; a question
  missing from a group (random papers) has no D. Needs at least two closed attempts.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.org.models import Officer
from backend.org.scope import get_visible
from backend.training.common import require_manager
from backend.training.exams.models import Attempt, ExamAttemptStatus, Paper

GROUP_SHARE = Decimal("0.27")


def _facility(shares: list[Decimal]) -> Decimal | None:
    return sum(shares, Decimal(0)) / len(shares) if shares else None


def item_statistics(actor: Officer, paper_id: int) -> dict:
    require_manager(actor)
    paper = get_visible(Paper, paper_id, actor, what="试卷")
    attempts = session.scalars(
        select(Attempt).options(selectinload(Attempt.items))
        .where(Attempt.paper_id == paper.id, Attempt.status != ExamAttemptStatus.open).order_by(Attempt.id)).all()
    ranked = sorted(attempts, key=lambda a: (-(a.score / a.max_score if a.max_score else 0), a.id))
    size = min(max(1, int((GROUP_SHARE * len(ranked)).to_integral_value())), len(ranked) // 2)
    upper, lower = {a.id for a in ranked[:size]}, {a.id for a in ranked[len(ranked) - size:]} if size else set()
    per_question: dict[int, dict[str, list[Decimal]]] = {}
    for attempt in attempts:
        for item in attempt.items:
            share = item.earned / item.points if item.points else Decimal(0)
            groups = per_question.setdefault(item.question_id, {"all": [], "upper": [], "lower": []})
            groups["all"].append(share)
            if attempt.id in upper:
                groups["upper"].append(share)
            if attempt.id in lower:
                groups["lower"].append(share)
    items = []
    for question_id, groups in sorted(per_question.items()):
        high, low = _facility(groups["upper"]), _facility(groups["lower"])
        items.append({"question_id": question_id, "attempts": len(groups["all"]),
                      "facility": _rounded(_facility(groups["all"])),
                      "discrimination": _rounded(high - low) if high is not None and low is not None else None})
    return {"paper_id": paper.id, "attempts": len(attempts), "group_size": size, "items": items}


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.001"))
