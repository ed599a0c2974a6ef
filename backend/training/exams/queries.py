"""What reads the question bank and exams: lists within the data scope."""
from __future__ import annotations

from sqlalchemy import Select, select

from backend.org.models import Officer
from backend.org.scope import get_visible, scoped
from backend.training.exams.models import Attempt, Paper, Question, QuestionBank, QuestionTag


def banks(actor: Officer) -> Select:
    return scoped(QuestionBank, actor).order_by(QuestionBank.id)


def questions(actor: Officer, bank_id: int, *, tag: str | None = None, difficulty: int | None = None) -> Select:
    get_visible(QuestionBank, bank_id, actor, what="题库")  # another district's bank is 404, not an empty list
    stmt = scoped(Question, actor).where(Question.bank_id == bank_id).order_by(Question.id)
    if tag:
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag)))
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    return stmt


def papers(actor: Officer) -> Select:
    return scoped(Paper, actor).order_by(Paper.id.desc())


def attempts(actor: Officer, *, paper_id: int | None = None, officer_id: int | None = None) -> Select:
    stmt = scoped(Attempt, actor).order_by(Attempt.id.desc())
    if paper_id:
        stmt = stmt.where(Attempt.paper_id == paper_id)
    if officer_id:
        stmt = stmt.where(Attempt.officer_id == officer_id)
    return stmt
