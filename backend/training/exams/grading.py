"""Automatic grading.

- 单选 and 判断: full points when the chosen option is the correct one, else 0.
- 多选 (partial credit): any wrong option chosen → 0; otherwise points × (correct options chosen /
  correct options), rounded half-up to 0.01. All correct options → full points; e.g. 2 of 3 correct
  options and nothing wrong on a 3-point question → 2.00.
- 填空: full points when the answer equals one of the accepted answers after normalisation
  (full-width to half-width, spaces collapsed, case ignored), else 0.
- No answer → 0.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from backend.training.exams.bank import normalise
from backend.training.exams.models import Question, QuestionKind

CENT = Decimal("0.01")


def earned_points(question: Question, points: Decimal, response: list | None) -> Decimal:
    """Points earned by `response` (original option indices, or texts for fill)."""
    if not response:
        return Decimal("0.00")
    if question.kind == QuestionKind.fill:
        accepted = {normalise(a) for a in question.answer}
        return Decimal(points).quantize(CENT) if normalise(response[0]) in accepted else Decimal("0.00")
    chosen, correct = set(response), set(question.answer)
    if question.kind == QuestionKind.multiple:
        if chosen - correct:
            return Decimal("0.00")
        return (Decimal(points) * len(chosen) / len(correct)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(points).quantize(CENT) if chosen == correct else Decimal("0.00")


def is_correct(question: Question, response: list | None) -> bool:
    return earned_points(question, Decimal(1), response) == Decimal("1.00")
