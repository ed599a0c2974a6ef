"""In-class quizzes (随堂测验): the trainer pushes a question to a live class; trainees answer once.

Mechanism: short polling. The light app asks `GET …/live-classes/<id>/quiz` every few seconds (one
indexed read) and the big screen polls the distribution about once a second (one GROUP BY over the
quiz's answers: a few rows per option, whatever the class size). Both work behind any number of
gunicorn workers with no sticky sessions and no long-held connections, which matters with 2,000 phones
in one class. An answer is, besides the token check, one INSERT … ON CONFLICT DO NOTHING that inserts
only while the quiz is open, the trainee is in the class and the answer fits the question: a second
answer inserts nothing and none is lost. Whether an answer is correct is not stored: the distribution
grades each distinct response against the question, which never changes once asked (bank.edit_question).
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from sqlalchemy import JSON, Boolean, Integer, Text, and_, bindparam, cast, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from backend.audit import with_audit_row
from backend.db import UTCDateTime, compiled_once, session, utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.org.auth import token_hash, token_holder
from backend.org.models import Officer
from backend.org.roles import TRAINEES, require
from backend.org.scope import get_visible, scoped
from backend.training.exams.bank import OPTION_LETTERS, normalise
from backend.training.exams.grading import is_correct
from backend.training.exams.models import Question, QuestionKind
from backend.training.live.classes import head_count, live_class_for, managed_class
from backend.training.models import Attendance, LiveQuiz, LiveQuizAnswer


def push_quiz(actor: Officer, live_class_id: int, *, question_id: int, seconds: int) -> LiveQuiz:
    """Open a question for everyone in the class for `seconds`; an open quiz closes when a new one opens. A
    city-wide class asks a question of the city's bank (a district's bank is not every district's to read)."""
    live_class = managed_class(actor, live_class_id)
    question = get_visible(Question, question_id, actor, what="题目")
    if question.district_id != live_class.district_id:
        raise Invalid("全市直播课只能推送市局题库的题目", code="district_question",
                      errors={"question_id": [question_id]})
    if not question.active:
        raise Invalid("题目已停用", code="question_inactive")
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


def _answer_statement(insert_, by_token: bool = False):
    """INSERT the answer only if the quiz is open in the actor's district or city-wide (a quiz's whole scope),
    the trainee is in its class and the answer fits the question (a text for fill, existing options for choice,
    one option unless multiple choice); a repeat inserts nothing. `by_token`: the actor is who holds the token
    hashed as `token_hash`, in force, of a trainee's role (org.auth `token_holder`), checked in the same statement."""
    answered_at = bindparam("answered_at", type_=UTCDateTime)
    if by_token:
        holder = token_holder(TRAINEES, answered_at)
        officer_id, district_id = holder.c.id, holder.c.district_id
    else:
        officer_id, district_id = bindparam("officer_id", type_=Integer), bindparam("district_id", type_=Integer)
    fits = or_(and_(bindparam("text_answer", type_=Boolean), Question.kind == QuestionKind.fill),
               and_(bindparam("choice_answer", type_=Boolean), Question.kind != QuestionKind.fill,
                    func.json_array_length(Question.options) > bindparam("highest_option", type_=Integer),
                    or_(Question.kind == QuestionKind.multiple, bindparam("options_chosen", type_=Integer) == 1)))
    row = (select(LiveQuiz.id, officer_id, bindparam("response", type_=JSON), answered_at)
           .join(Question, Question.id == LiveQuiz.question_id)
           .where(LiveQuiz.id == bindparam("quiz_id", type_=Integer),
                  or_(LiveQuiz.district_id == district_id, LiveQuiz.district_id.is_(None)),
                  LiveQuiz.closes_at > answered_at, fits,
                  exists().where(Attendance.live_class_id == LiveQuiz.live_class_id,
                                 Attendance.officer_id == officer_id, Attendance.left_at.is_(None))))
    # On the table, not the mapped class: with parameters, an ORM insert would be read as a bulk insert.
    table = LiveQuizAnswer.__table__
    return (insert_(table).from_select(["quiz_id", "officer_id", "response", "answered_at"], row)
            .on_conflict_do_nothing().returning(table.c.id, table.c.officer_id))


# Compiled once: the hot path then only binds values (see backend.db.compiled_once).
_ANSWER = {"postgresql": compiled_once(_answer_statement(postgresql.insert), "postgresql"),
           "sqlite": compiled_once(_answer_statement(sqlite.insert), "sqlite")}
# The same, writing the request's audit row too when it inserts (PostgreSQL): one round trip for both.
_AUDITED_ANSWER = compiled_once(with_audit_row(_answer_statement(postgresql.insert)), "postgresql")
# An answer by who holds the token, the token checked in the same statement (and the audit row, PostgreSQL).
_ANSWER_BY_TOKEN = {
    "postgresql": compiled_once(with_audit_row(_answer_statement(postgresql.insert, by_token=True),
                                               actor="officer_id"), "postgresql"),
    "sqlite": compiled_once(_answer_statement(sqlite.insert, by_token=True), "sqlite")}


def answer_by_token(token: str, quiz_id: int, answer: list, audit: dict | None = None) -> tuple[dict, int] | None:
    """The hot path of a city-wide class: the answer of who holds `token`, in one statement that checks the
    token (in force, a trainee's, as `authenticate` would) with everything `answer_quiz` checks, and writes
    the audit row on PostgreSQL (`audit`: api.audit `audit_params`). The answer and who gave it (their id);
    None when it stored nothing: then
    `answer_quiz`, after `authenticate`, says why (the token, the role, the quiz, the answer or a repeat)."""
    response = _plain_response(answer)
    text = isinstance(response[0], str)
    now = utcnow()
    dialect = session.get_bind().dialect.name
    stored = session.execute(_ANSWER_BY_TOKEN[dialect], {
        "quiz_id": quiz_id, "token_hash": token_hash(token), "response": response, "answered_at": now,
        "text_answer": text, "choice_answer": not text, "highest_option": 0 if text else response[-1],
        "options_chosen": len(response), **(audit or {})}).first()
    return None if stored is None else ({"quiz_id": quiz_id, "answered_at": now}, stored.officer_id)


def answer_quiz(actor: Officer, quiz_id: int, answer: list, audit: dict | None = None) -> dict:
    """A trainee in the class answers once, inside the window (option indices, or one text for fill).

    One statement besides the token check: an INSERT … SELECT that checks the quiz is open, the trainee in the
    class and the answer fitting the question (`answer_by_token` folds the token check in too). Why nothing
    was inserted (closed, a bad answer, answered already, not in the class) is only looked up then.
    `audit`: the request's audit row (api.audit `audit_params`), written by the same statement when it inserts.
    """
    require(actor, TRAINEES, "只有执法队员和中队长作答课堂测验")
    response = _plain_response(answer)
    text = isinstance(response[0], str)
    now = utcnow()
    statement = _AUDITED_ANSWER if audit is not None else _ANSWER[session.get_bind().dialect.name]
    inserted = session.execute(statement, {
        "quiz_id": quiz_id, "district_id": actor.district_id, "officer_id": actor.id, "response": response,
        "answered_at": now, "text_answer": text, "choice_answer": not text,
        "highest_option": 0 if text else response[-1], "options_chosen": len(response), **(audit or {})}).scalar()
    if inserted is None:
        _refuse_answer(actor, quiz_id, answer, now)
    return {"quiz_id": quiz_id, "answered_at": now}


def _plain_response(answer: list) -> list:
    """The answer as stored, before it meets the question: one text, or sorted distinct option indices."""
    if len(answer) == 1 and isinstance(answer[0], str) and answer[0].strip():
        return [answer[0].strip()]
    if answer and all(isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in answer):
        return sorted(set(answer))
    raise Invalid("答案应为已有选项的序号，填空题为一个文本", code="bad_answer")


def _refuse_answer(actor: Officer, quiz_id: int, answer: list, now) -> None:
    quiz = quiz_for(actor, quiz_id)
    if now >= quiz.closes_at:
        raise Conflict("答题时间已结束", code="quiz_closed")
    _checked_response(quiz.question, answer)
    if session.scalar(select(exists().where(LiveQuizAnswer.quiz_id == quiz_id,
                                            LiveQuizAnswer.officer_id == actor.id))):
        raise Conflict("您已作答，不能重复提交", code="already_answered")
    raise Conflict("您尚未加入该课堂，请先扫码加入", code="not_joined")


def _checked_response(question: Question, answer: list) -> None:
    """Say why an answer does not fit the question (what the INSERT's condition checks, with a reason)."""
    if question.kind == QuestionKind.fill:
        if len(answer) != 1 or not isinstance(answer[0], str) or not answer[0].strip():
            raise Invalid("填空题答案应为一个文本", code="bad_answer")
        return
    if not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(question.options) for a in answer):
        raise Invalid("答案应为已有选项的序号", code="bad_answer")
    if question.kind != QuestionKind.multiple and len(set(answer)) > 1:
        raise Invalid("单选题和判断题只能选一个选项", code="bad_answer")


def distribution(quiz: LiveQuiz) -> dict:
    """How the class answered: counts per option (a multiple-choice answer counts for every option it
    chose) or per answer text for fill; the correct options only once the quiz is closed.

    One GROUP BY per poll: a row per distinct response, however many answered.
    """
    question = quiz.question
    as_text = cast(LiveQuizAnswer.response, Text)  # json has no equality on PostgreSQL; its text is ours
    rows = session.execute(select(as_text, func.count()).where(LiveQuizAnswer.quiz_id == quiz.id)
                           .group_by(as_text)).all()
    responses = [(json.loads(text), count) for text, count in rows]
    present = head_count(quiz.live_class_id)["present"]
    closed = utcnow() >= quiz.closes_at
    if question.kind == QuestionKind.fill:
        texts = Counter()
        for response, count in responses:
            texts[normalise(response[0])] += count
        options = [{"label": text, "text": text, "count": count} for text, count in texts.most_common(10)]
    else:
        counts = Counter()
        for response, count in responses:
            for choice in response:
                counts[choice] += count
        options = [{"label": OPTION_LETTERS[i] if question.kind != QuestionKind.true_false else text,
                    "text": text, "count": counts[i]} for i, text in enumerate(question.options)]
    return {"quiz_id": quiz.id, "live_class_id": quiz.live_class_id, "question_id": question.id,
            "kind": question.kind.value, "stem": question.stem, "opened_at": quiz.opened_at,
            "closes_at": quiz.closes_at, "closed": closed, "present": present,
            "answered": sum(count for _, count in responses),
            "correct": sum(count for answer, count in responses if is_correct(question, answer)), "options": options,
            "correct_answer": question.answer if closed else None}
