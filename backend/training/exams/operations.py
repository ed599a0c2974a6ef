"""Papers and exam attempts: drawing, shuffling, the server-kept deadline, grading, review.

The deadline is the server's: started_at + time limit (and never after the paper closes). An answer
or a submission after it is refused; an open attempt past its deadline closes itself on the next
access (and by the `close_expired_attempts` job), graded on the answers saved before the deadline.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.org.models import Officer
from backend.org.roles import TRAINEES, require
from backend.org.scope import get_visible
from backend.training.common import check_category, require_author, require_city_wide
from backend.training.exams.grading import earned_points
from backend.training.exams.models import (
    Attempt,
    AttemptItem,
    ExamAttemptStatus,
    Paper,
    PaperMode,
    PaperQuestion,
    PaperRule,
    Question,
    QuestionBank,
    QuestionKind,
    QuestionTag,
)

_shuffler = random.SystemRandom()


def create_paper(actor: Officer, *, title: str, mode: PaperMode, time_limit_minutes: int, max_attempts: int,
                 pass_percent: int, category: str, credit_hours: Decimal, shuffle: bool = True,
                 opens_at: datetime | None = None, closes_at: datetime | None = None,
                 questions: list[dict] = (), rules: list[dict] = ()) -> Paper:
    """A paper of the actor's district, or a city-wide one (no district, of the city's bank) when the city trainer
    makes it: the officers of every district take it."""
    require_author(actor)
    check_category(actor.district_id, category)
    if opens_at and closes_at and closes_at <= opens_at:
        raise Invalid("关闭时间必须晚于开放时间", code="closes_before_opens")
    paper = Paper(district_id=actor.district_id, title=title, mode=mode, time_limit_minutes=time_limit_minutes,
                  max_attempts=max_attempts, pass_percent=pass_percent, shuffle=shuffle, category=category,
                  credit_hours=credit_hours, opens_at=opens_at, closes_at=closes_at, created_by_id=actor.id)
    if mode == PaperMode.fixed:
        paper.questions = _fixed_questions(actor, questions)
    else:
        paper.rules = _rules(actor, rules)
    session.add(paper)
    session.flush()
    return paper


def paper_for_trainer(actor: Officer, paper_id: int, *, contents: bool = True) -> Paper:
    """A paper with its questions (fixed) or its drawing rules (random), answers included: trainers only, the city
    trainer none of a district's. A city-wide paper's contents are the city trainer's alone (403
    city_paper_contents): a district's staff run it for their officers with its details, their officers' results and
    the item statistics over them (`contents=False`), and its answer key in a district would leak the city's exam."""
    require_author(actor)
    paper = get_visible(Paper, paper_id, actor, what="试卷")
    require_author(actor, paper, change=False)
    if contents and paper.district_id is None and actor.district_id is not None:
        raise Forbidden("全市试卷的题目和答案由市局培训管理员掌握，区局不能查看；"
                        "区局可查看试卷信息、本区人员的成绩和题目分析", code="city_paper_contents")
    return paper


def _fixed_questions(actor: Officer, questions: list[dict]) -> list[PaperQuestion]:
    if not questions:
        raise Invalid("固定试卷至少需要一道题", code="paper_without_questions")
    ids = [q["question_id"] for q in questions]
    if len(set(ids)) != len(ids):
        raise Invalid("试卷中题目重复", code="duplicate_question")
    for question_id in ids:
        question = get_visible(Question, question_id, actor, what="题目")
        require_city_wide(actor, question, "question", "题目")
        if not question.active:
            raise Invalid("题目已停用", code="question_inactive")
    return [PaperQuestion(question_id=q["question_id"], position=i, points=q["points"])
            for i, q in enumerate(questions)]


def _rule_pool(rule: PaperRule | dict):
    get = rule.get if isinstance(rule, dict) else lambda name: getattr(rule, name)
    stmt = select(Question.id).where(Question.bank_id == get("bank_id"), Question.active.is_(True))
    if get("tag"):
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == get("tag"))))
    if get("difficulty"):
        stmt = stmt.where(Question.difficulty == get("difficulty"))
    return stmt


def _rules(actor: Officer, rules: list[dict]) -> list[PaperRule]:
    if not rules:
        raise Invalid("随机试卷至少需要一条抽题规则", code="paper_without_rules")
    for index, rule in enumerate(rules):
        require_city_wide(actor, get_visible(QuestionBank, rule["bank_id"], actor, what="题库"), "bank", "题库")
        available = session.scalar(select(func.count()).select_from(_rule_pool(rule).subquery()))
        if available < rule["count"]:
            raise Invalid(f"第 {index + 1} 条规则需要 {rule['count']} 道题，题库中只有 {available} 道符合条件",
                          code="not_enough_questions", errors={"rule": index, "available": available})
    return [PaperRule(**rule) for rule in rules]


def start_attempt(actor: Officer, paper_id: int) -> Attempt:
    """Start (or resume the open) attempt: questions drawn and shuffled for this attempt only."""
    require(actor, TRAINEES, "只有执法队员和中队长参加考试")
    paper = get_visible(Paper, paper_id, actor, what="试卷")
    now = utcnow()
    if paper.opens_at and now < paper.opens_at:
        raise Conflict("考试尚未开放", code="exam_not_open")
    if paper.closes_at and now >= paper.closes_at:
        raise Conflict("考试已结束", code="exam_closed")
    attempts = session.scalars(select(Attempt).where(Attempt.paper_id == paper.id, Attempt.officer_id == actor.id)
                               .order_by(Attempt.number)).all()
    for attempt in attempts:
        close_if_expired(attempt)
        if attempt.status == ExamAttemptStatus.open:
            return attempt
    if len(attempts) >= paper.max_attempts:
        raise Conflict(f"本试卷最多可考 {paper.max_attempts} 次，已用完", code="no_attempts_left")
    deadline = now + timedelta(minutes=paper.time_limit_minutes)
    if paper.closes_at:
        deadline = min(deadline, paper.closes_at)
    chosen = _draw(paper, actor.id)
    if paper.shuffle:
        _shuffler.shuffle(chosen)
    attempt = Attempt(paper=paper, officer_id=actor.id, number=len(attempts) + 1, status=ExamAttemptStatus.open,
                      started_at=now, deadline_at=deadline, max_score=sum((p for _, p in chosen), Decimal(0)))
    attempt.items = [AttemptItem(question=q, position=i, points=p, option_order=_option_order(q, paper.shuffle))
                     for i, (q, p) in enumerate(chosen)]
    try:
        with session.begin_nested():  # two devices starting at once: the unique number lets one win
            session.add(attempt)
    except IntegrityError:
        raise Conflict("本次考试已在其他设备开始，请刷新后继续", code="attempt_started_elsewhere") from None
    return attempt


def _draw(paper: Paper, officer_id: int) -> list[tuple[Question, Decimal]]:
    if paper.mode == PaperMode.fixed:  # deactivated questions are left out of new attempts
        rows = session.scalars(select(PaperQuestion).join(PaperQuestion.question)
                               .options(contains_eager(PaperQuestion.question))
                               .where(PaperQuestion.paper_id == paper.id, Question.active.is_(True))
                               .order_by(PaperQuestion.position)).all()
        if not rows:
            raise Conflict("试卷中的题目均已停用，请联系教员", code="not_enough_questions")
        return [(pq.question, pq.points) for pq in rows]
    seen = (select(AttemptItem.question_id).join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.officer_id == officer_id))
    chosen: list[tuple[Question, Decimal]] = []
    for rule in paper.rules:
        taken = [q.id for q, _ in chosen]
        stmt = (_rule_pool(rule).where(Question.id.not_in(taken))
                .order_by(case((Question.id.in_(seen), 1), else_=0), func.random()).limit(rule.count))
        ids = session.scalars(stmt).all()
        if len(ids) < rule.count:
            raise Conflict("题库中符合规则的题目不足，请联系教员", code="not_enough_questions")
        questions = session.scalars(select(Question).where(Question.id.in_(ids))).all()
        chosen += [(q, rule.points) for q in questions]
    return chosen


def _option_order(question: Question, shuffle: bool) -> list[int]:
    order = list(range(len(question.options)))
    if shuffle and question.kind in (QuestionKind.single, QuestionKind.multiple):
        _shuffler.shuffle(order)
    return order


def own_attempt(actor: Officer, attempt_id: int) -> Attempt:
    attempt = session.scalars(
        select(Attempt).options(selectinload(Attempt.items).joinedload(AttemptItem.question), joinedload(Attempt.paper))
        .where(Attempt.id == attempt_id)).one_or_none()
    if attempt is None or attempt.officer_id != actor.id:
        raise NotFound("答卷不存在", code="not_found")
    return attempt


def visible_attempt(actor: Officer, attempt_id: int) -> Attempt:
    attempt = get_visible(Attempt, attempt_id, actor, what="答卷")
    close_if_expired(attempt)
    return attempt


def save_answers(actor: Officer, attempt_id: int, answers: list[dict]) -> Attempt:
    """Save answers (shown option indices, or text for fill) of items of this attempt, before the deadline."""
    attempt = own_attempt(actor, attempt_id)
    _require_open(attempt)
    _apply_answers(attempt, answers)
    session.flush()
    return attempt


def _apply_answers(attempt: Attempt, answers: list[dict]) -> None:
    items = {item.id: item for item in attempt.items}
    unknown = [a["item_id"] for a in answers if a["item_id"] not in items]
    if unknown:
        raise Invalid("答案对应的题目不在本次考试中", code="item_not_in_attempt", errors={"item_ids": unknown})
    for answer in answers:
        item = items[answer["item_id"]]
        item.response = _original_response(item, answer["answer"])


def _require_open(attempt: Attempt) -> None:
    if close_if_expired(attempt):
        raise Conflict("考试时间已到，答卷已自动交卷，本次提交未被接受", code="time_is_up")
    if attempt.status != ExamAttemptStatus.open:
        raise Conflict("答卷已提交，不能再次作答或提交", code="already_submitted")


def _original_response(item: AttemptItem, shown: list) -> list:
    kind = item.question.kind
    if kind == QuestionKind.fill:
        if len(shown) > 1 or not all(isinstance(s, str) for s in shown):
            raise Invalid("填空题答案应为一个文本", code="bad_answer")
        return [s.strip() for s in shown if s.strip()]
    if not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(item.option_order) for s in shown):
        raise Invalid("答案应为选项序号", code="bad_answer")
    if kind != QuestionKind.multiple and len(shown) > 1:
        raise Invalid("单选题和判断题只能选一个选项", code="bad_answer")
    return sorted({item.option_order[s] for s in shown})


def submit(actor: Officer, attempt_id: int, answers: list[dict] = ()) -> Attempt:
    attempt = own_attempt(actor, attempt_id)
    _require_open(attempt)
    _apply_answers(attempt, answers)
    _close(attempt, ExamAttemptStatus.submitted, utcnow())
    return attempt


def close_if_expired(attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an open attempt whose deadline has passed; True if it is (now) closed by the deadline."""
    if attempt.status == ExamAttemptStatus.open and (now or utcnow()) > attempt.deadline_at:
        _close(attempt, ExamAttemptStatus.expired, attempt.deadline_at)
    return attempt.status == ExamAttemptStatus.expired


def _close(attempt: Attempt, status: ExamAttemptStatus, at: datetime) -> None:
    for item in attempt.items:
        item.earned = earned_points(item.question, item.points, item.response)
    attempt.score = sum((item.earned for item in attempt.items), Decimal(0))
    attempt.passed = attempt.score * 100 >= attempt.paper.pass_percent * attempt.max_score
    attempt.status, attempt.closed_at, attempt.closed_on = status, at, local_day(at)
    session.flush()


def attempt_view(attempt: Attempt) -> dict:
    """The attempt as the trainee sees it: shown order; answers and points only after it is closed."""
    closed = attempt.status != ExamAttemptStatus.open
    items = []
    for item in attempt.items:
        question, order = item.question, item.option_order
        entry = {"item_id": item.id, "position": item.position, "kind": question.kind.value, "stem": question.stem,
                 "options": [question.options[j] for j in order], "points": item.points,
                 "answer": _shown(item, item.response)}
        if closed:
            entry.update(correct_answer=_shown(item, question.answer), earned=item.earned,
                         explanation=question.explanation)
        items.append(entry)
    return {"id": attempt.id, "paper_id": attempt.paper_id, "paper_title": attempt.paper.title,
            "number": attempt.number, "status": attempt.status.value, "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at, "closed_at": attempt.closed_at, "max_score": attempt.max_score,
            "score": attempt.score if closed else None, "passed": attempt.passed if closed else None,
            "pass_percent": attempt.paper.pass_percent, "items": items}


def _shown(item: AttemptItem, original: list | None):
    if original is None or item.question.kind == QuestionKind.fill:
        return original
    return sorted(item.option_order.index(j) for j in original)
