"""Item statistics of a paper, from its closed attempts.

- Facility (难度系数 / 通过率) of a question: the mean share of its points earned, over the closed
  attempts that contained it. 1.0 = everyone got it fully right, 0.0 = nobody did.
- Discrimination (区分度, the upper–lower index D): rank the closed attempts by total score as a share
  of the maximum (ties by attempt id, earlier first); the upper group is the top 27 % and the lower group
  the bottom 27 % (each at least one attempt, at most half, n = round(0.27 × N)). D = the question's
  facility within the upper group − its facility within the lower group, between −1 and 1; a question
  missing from a group (random papers) has no D. Needs at least two closed attempts.
- Per question also: how many attempts answered it (a response given), the correct rate (the share of the attempts
  containing it that earned its full points) and, for choice questions, the wrong option chosen most (the
  distractor that drew most trainees; ties by option order), with the question's stem.
- The results: each closed attempt's trainee, score and pass, highest first.

A fixed number of statements whatever the paper's size: the attempts with their trainees' names, their items, the
questions.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.org.models import Officer
from backend.org.scope import visible
from backend.training.exams.models import KIND_NAMES, Attempt, ExamAttemptStatus, Question, QuestionKind
from backend.training.exams.operations import paper_for_trainer

GROUP_SHARE = Decimal("0.27")


def _facility(shares: list[Decimal]) -> Decimal | None:
    return sum(shares, Decimal(0)) / len(shares) if shares else None


def item_statistics(actor: Officer, paper_id: int) -> dict:
    paper = paper_for_trainer(actor, paper_id, contents=False)
    rows = session.execute(  # of a city-wide paper, a district's staff analyse their own officers' attempts
        select(Attempt, Officer.name).join(Officer, Officer.id == Attempt.officer_id)
        .options(selectinload(Attempt.items))
        .where(Attempt.paper_id == paper.id, Attempt.status != ExamAttemptStatus.open, visible(Attempt, actor))
        .order_by(Attempt.id)).all()
    attempts, names = [row[0] for row in rows], {attempt.id: name for attempt, name in rows}
    ranked = sorted(attempts, key=lambda a: (-(a.score / a.max_score if a.max_score else 0), a.id))
    size = min(max(1, int((GROUP_SHARE * len(ranked)).to_integral_value())), len(ranked) // 2)
    upper, lower = {a.id for a in ranked[:size]}, {a.id for a in ranked[len(ranked) - size:]} if size else set()
    per_question: dict[int, dict[str, list]] = {}
    for attempt in attempts:
        for item in attempt.items:
            share = item.earned / item.points if item.points else Decimal(0)
            groups = per_question.setdefault(item.question_id, {"all": [], "upper": [], "lower": [], "responses": []})
            groups["all"].append(share)
            groups["responses"].append(item.response)
            if attempt.id in upper:
                groups["upper"].append(share)
            if attempt.id in lower:
                groups["lower"].append(share)
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(per_question)))}
    items = []
    for question_id, groups in sorted(per_question.items()):
        high, low = _facility(groups["upper"]), _facility(groups["lower"])
        question = questions[question_id]
        items.append({"question_id": question_id, "attempts": len(groups["all"]),
                      "stem": question.stem, "kind_name": KIND_NAMES[question.kind],
                      "answered": sum(1 for response in groups["responses"] if response),
                      "correct_rate": _rounded(Decimal(sum(1 for share in groups["all"] if share == 1))
                                               / len(groups["all"])),
                      "top_distractor": _top_distractor(question, groups["responses"]),
                      "facility": _rounded(_facility(groups["all"])),
                      "discrimination": _rounded(high - low) if high is not None and low is not None else None})
    results = [{"attempt_id": a.id, "officer_name": names[a.id], "number": a.number, "score": a.score,
                "max_score": a.max_score, "passed": a.passed, "closed_at": a.closed_at} for a in ranked]
    return {"paper_id": paper.id, "attempts": len(attempts), "group_size": size, "items": items, "results": results}


OPTION_LETTERS = "ABCDEFGH"


def _top_distractor(question: Question, responses: list) -> dict | None:
    """The wrong option chosen most often (choice questions), with how many chose it; None if nobody chose one."""
    if question.kind == QuestionKind.fill:
        return None
    chosen = Counter(index for response in responses if response for index in response
                     if isinstance(index, int) and index not in question.answer)
    if not chosen:
        return None
    index, count = min(chosen.items(), key=lambda pair: (-pair[1], pair[0]))
    texts = question.options if question.kind != QuestionKind.true_false else ["对", "错"]
    text = texts[index] if index < len(texts) else ""
    label = OPTION_LETTERS[index] if question.kind != QuestionKind.true_false else text
    return {"option": label, "text": text, "chosen": count}


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.001"))
