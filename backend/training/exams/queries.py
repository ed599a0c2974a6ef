"""What reads the question bank and exams: lists within the data scope."""
from __future__ import annotations

from sqlalchemy import Select, select

from backend.org.models import Officer
from backend.org.roles import CITY_TRAINING_STAFF
from backend.org.scope import get_visible, scoped
from backend.training.common import require_author
from backend.training.exams.models import Attempt, Paper, Question, QuestionBank, QuestionTag


def banks(actor: Officer) -> Select:
    """The district's banks; the city trainer's list is the city's (a district's bank is the district's tool)."""
    stmt = scoped(QuestionBank, actor).order_by(QuestionBank.id)
    return stmt.where(QuestionBank.district_id.is_(None)) if actor.role in CITY_TRAINING_STAFF else stmt


def questions(actor: Officer, bank_id: int, *, tag: str | None = None, difficulty: int | None = None) -> Select:
    bank = get_visible(QuestionBank, bank_id, actor, what="题库")  # another district's bank is 404, not an empty list
    require_author(actor, bank, change=False)
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
