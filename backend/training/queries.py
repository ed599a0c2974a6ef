"""What reads training: lists within the data scope, and the daily facts for the points engine."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Select, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from backend.db import session
from backend.org.models import Officer
from backend.org.scope import get_visible, scoped, visible
from backend.training.exams.models import Attempt, ExamAttemptStatus
from backend.training.models import Attendance, Course, CourseCompletion, LiveClass, Teacher, TrainingPlan


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
    that day; see live/classes.py for presence), summed and floored to minutes; exams_passed / exams_failed:
    exam attempts closed that day (submitted, or closed at the deadline) that passed / failed.
    """
    timed = [source(day).add_columns(literal(0).label("passed"), literal(0).label("failed"))
             for source in TRAINING_TIME_SOURCES]
    exams = (select(Attempt.officer_id, literal(0).label("seconds"),
                    case((Attempt.passed.is_(True), 1), else_=0).label("passed"),
                    case((Attempt.passed.is_(True), 0), else_=1).label("failed"))
             .where(Attempt.closed_on == day, Attempt.status != ExamAttemptStatus.open))
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


def course_completions(actor: Officer, course_id: int) -> Select:
    """Who completed a course of the actor's district (those in the actor's scope), when, with its hours."""
    get_visible(Course, course_id, actor, what="课程")
    officer = aliased(Officer, name="officer")
    return (select(officer, CourseCompletion.completed_on, Course.category, Course.credit_hours)
            .select_from(CourseCompletion).join(officer, officer.id == CourseCompletion.officer_id)
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.course_id == course_id, visible(CourseCompletion, actor))
            .order_by(CourseCompletion.completed_on.desc(), officer.badge_no))


def plans(actor: Officer, *, year: int | None = None) -> Select:
    stmt = scoped(TrainingPlan, actor).order_by(TrainingPlan.id)
    return stmt.where(TrainingPlan.year == year) if year else stmt


def live_classes(actor: Officer, *, day: date | None = None) -> Select:
    stmt = scoped(LiveClass, actor).order_by(LiveClass.starts_at)
    return stmt.where(LiveClass.held_on == day) if day else stmt
