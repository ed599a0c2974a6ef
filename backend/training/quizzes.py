"""In-class quizzes (随堂测验): the trainer pushes a question to a live class; trainees answer once.

Mechanism: short polling. The light app asks `GET …/live-classes/<id>/quiz` every few seconds (one
indexed read) and the big screen polls the distribution about once a second (one read of the quiz's
answers, counted in the process: 2,000 small rows). Both work behind any number of gunicorn workers
with no sticky sessions and no long-held connections, which matters with 2,000 phones in one class;
an answer is one INSERT guarded by a unique key, so a second answer is refused and none is lost.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import JSON, exists, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from backend.db import UTCDateTime, session, utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.org.models import Officer
from backend.org.scope import get_visible, scoped
from backend.training.bank import OPTION_LETTERS, normalise
from backend.training.common import require_manager
from backend.training.exam_models import Question, QuestionKind
from backend.training.grading import is_correct
from backend.training.live import head_count, live_class_for
from backend.training.models import Attendance, LiveQuiz, LiveQuizAnswer


def push_quiz(actor: Officer, live_class_id: int, *, question_id: int, seconds: int) -> LiveQuiz:
    """Open a question for everyone in the class for `seconds`; an open quiz closes when a new one opens."""
    require_manager(actor)
    live_class = live_class_for(actor, live_class_id)
    question = get_visible(Question, question_id, actor, what="题目")
    now = utcnow()
    current = current_quiz(live_class.id)
    if current is not None:
        current.closes_at = now
    quiz = LiveQuiz(district_id=live_class.district_id, live_class_id=live_class.id, question_id=question.id,
                    opened_at=now, closes_at=now + timedelta(seconds=seconds))
    session.add(quiz)
    session.flush()
    return quiz


def current_quiz(live_class_id: int) -> LiveQuiz | None:
    """The quiz open right now in a class, if any."""
    return session.scalars(select(LiveQuiz).where(LiveQuiz.live_class_id == live_class_id,
                                                  LiveQuiz.closes_at > utcnow())
                           .order_by(LiveQuiz.id.desc()).limit(1)).one_or_none()


def current_quiz_for(actor: Officer, live_class_id: int) -> LiveQuiz | None:
    """What the light app polls: one indexed read of the open quiz and its question, within scope."""
    quiz = session.scalars(scoped(LiveQuiz, actor).options(joinedload(LiveQuiz.question))
                           .where(LiveQuiz.live_class_id == live_class_id, LiveQuiz.closes_at > utcnow())
                           .order_by(LiveQuiz.id.desc()).limit(1)).one_or_none()
    if quiz is None:
        live_class_for(actor, live_class_id)  # a class outside scope (or none) is 404, not "no quiz yet"
    return quiz


def quiz_for(actor: Officer, quiz_id: int) -> LiveQuiz:
    quiz = session.scalars(scoped(LiveQuiz, actor).options(joinedload(LiveQuiz.question))
                           .where(LiveQuiz.id == quiz_id)).one_or_none()
    if quiz is None:
        raise NotFound("随堂测验不存在或不在您的管辖范围内", code="not_found")
    return quiz


def answer_quiz(actor: Officer, quiz_id: int, answer: list) -> dict:
    """A trainee in the class answers once, inside the window (option indices, or one text for fill).

    The hot path of a class of 2,000: one read of the quiz with its question, then one cached
    INSERT … SELECT that inserts only if the trainee is in the class; the unique key refuses a second
    answer (the request boundary rolls that failed transaction back).
    """
    quiz = quiz_for(actor, quiz_id)
    now = utcnow()
    if now >= quiz.closes_at:
        raise Conflict("答题时间已结束", code="quiz_closed")
    response = _checked_response(quiz.question, answer)
    in_class = (select(literal(quiz.id), literal(actor.id), literal(response, JSON), literal(now, UTCDateTime),
                       literal(is_correct(quiz.question, response)))
                .where(exists().where(Attendance.live_class_id == quiz.live_class_id,
                                      Attendance.officer_id == actor.id, Attendance.left_at.is_(None))))
    stmt = (insert(LiveQuizAnswer).from_select(["quiz_id", "officer_id", "response", "answered_at", "correct"],
                                               in_class).returning(LiveQuizAnswer.id))
    try:
        inserted = session.execute(stmt).scalar()
    except IntegrityError:
        raise Conflict("您已作答，不能重复提交", code="already_answered") from None
    if inserted is None:
        raise Conflict("您尚未加入该课堂，请先扫码加入", code="not_joined")
    return {"quiz_id": quiz.id, "answered_at": now}


def _checked_response(question: Question, answer: list) -> list:
    if question.kind == QuestionKind.fill:
        if len(answer) != 1 or not isinstance(answer[0], str) or not answer[0].strip():
            raise Invalid("填空题答案应为一个文本", code="bad_answer")
        return [answer[0].strip()]
    if not answer or not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(question.options)
                             for a in answer):
        raise Invalid("答案应为已有选项的序号", code="bad_answer")
    if question.kind != QuestionKind.multiple and len(answer) > 1:
        raise Invalid("单选题和判断题只能选一个选项", code="bad_answer")
    return sorted(set(answer))


def distribution(quiz: LiveQuiz) -> dict:
    """How the class answered: counts per option (a multiple-choice answer counts for every option it
    chose) or per answer text for fill; the correct options only once the quiz is closed."""
    question = quiz.question
    rows = session.execute(select(LiveQuizAnswer.response, LiveQuizAnswer.correct)
                           .where(LiveQuizAnswer.quiz_id == quiz.id)).all()
    present = head_count(quiz.live_class_id)["present"]
    closed = utcnow() >= quiz.closes_at
    if question.kind == QuestionKind.fill:
        texts = Counter(normalise(response[0]) for response, _ in rows)
        options = [{"label": text, "text": text, "count": count} for text, count in texts.most_common(10)]
    else:
        counts = Counter(choice for response, _ in rows for choice in response)
        options = [{"label": OPTION_LETTERS[i] if question.kind != QuestionKind.true_false else text,
                    "text": text, "count": counts[i]} for i, text in enumerate(question.options)]
    return {"quiz_id": quiz.id, "live_class_id": quiz.live_class_id, "question_id": question.id,
            "kind": question.kind.value, "stem": question.stem, "opened_at": quiz.opened_at,
            "closes_at": quiz.closes_at, "closed": closed, "present": present, "answered": len(rows),
            "correct": sum(1 for _, correct in rows if correct), "options": options,
            "correct_answer": question.answer if closed else None}
