"""What reads training: lists within the data scope, and the daily facts for the points engine."""
from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy import Select, case, func, literal, select, union_all

from backend.db import session
from backend.org.models import Officer
from backend.org.scope import get_visible, scoped
from backend.training.exam_models import Attempt, AttemptStatus, Paper, Question, QuestionBank, QuestionTag
from backend.training.models import Attendance, Course, LiveClass, Teacher, TrainingPlan


def _live_presence(day: date) -> Select:
    return (select(Attendance.officer_id, Attendance.presence_seconds.label("seconds"))
            .join(LiveClass, LiveClass.id == Attendance.live_class_id)
            .where(LiveClass.held_on == day, Attendance.presence_seconds > 0))


# Selects of (officer_id, seconds) of training time on a day; issue 9 appends its drills here.
TRAINING_TIME_SOURCES: list[Callable[[date], Select]] = [_live_presence]


def daily_training_facts(day: date) -> list:
    """Per officer for one local day, in one set-based query: rows of (officer_id, training_minutes,
    exams_passed, exams_failed).

    training_minutes: seconds of every TRAINING_TIME_SOURCES entry (minutes present in live classes held
    that day; see live.py for presence), summed and floored to minutes; exams_passed / exams_failed:
    exam attempts closed that day (submitted, or closed at the deadline) that passed / failed.
    """
    timed = [source(day).add_columns(literal(0).label("passed"), literal(0).label("failed"))
             for source in TRAINING_TIME_SOURCES]
    exams = (select(Attempt.officer_id, literal(0).label("seconds"),
                    case((Attempt.passed.is_(True), 1), else_=0).label("passed"),
                    case((Attempt.passed.is_(True), 0), else_=1).label("failed"))
             .where(Attempt.closed_on == day, Attempt.status != AttemptStatus.open))
    facts = union_all(*timed, exams).subquery()
    stmt = (select(facts.c.officer_id, (func.sum(facts.c.seconds) // 60).label("training_minutes"),
                   func.sum(facts.c.passed).label("exams_passed"), func.sum(facts.c.failed).label("exams_failed"))
            .group_by(facts.c.officer_id).order_by(facts.c.officer_id))
    return session.execute(stmt).all()


def teachers(actor: Officer) -> Select:
    return scoped(Teacher, actor).order_by(Teacher.id)


def courses(actor: Officer, *, category: str | None = None) -> Select:
    stmt = scoped(Course, actor).order_by(Course.id)
    return stmt.where(Course.category == category) if category else stmt


def plans(actor: Officer, *, year: int | None = None) -> Select:
    stmt = scoped(TrainingPlan, actor).order_by(TrainingPlan.id)
    return stmt.where(TrainingPlan.year == year) if year else stmt


def live_classes(actor: Officer, *, day: date | None = None) -> Select:
    stmt = scoped(LiveClass, actor).order_by(LiveClass.starts_at)
    return stmt.where(LiveClass.held_on == day) if day else stmt


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
