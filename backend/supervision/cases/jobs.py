"""The hourly case check: flag cases whose deadlines passed, warn before and when they pass."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.org.models import Officer, Role
from backend.supervision.cases.models import Case, CaseWarning
from backend.supervision.cases.operations import _chunks, evaluate_cases

log = logging.getLogger(__name__)

STAGE_NAMES = {"registration": "立案", "handling": "办案"}


def _open_near_deadline(horizon: date):
    """Cases still waiting for registration or closing whose deadline is on or before `horizon`."""
    waiting_registration = and_(Case.registered_on.is_(None), Case.registration_due_on <= horizon)
    waiting_closing = and_(Case.registered_on.is_not(None), Case.closed_on.is_(None), Case.handling_due_on <= horizon)
    return session.scalars(select(Case).where(Case.withdrawn_on.is_(None), or_(waiting_registration, waiting_closing))
                           .order_by(Case.id)).all()


def _people(case: Case) -> list[Officer]:
    leaders = session.scalars(select(Officer).where(
        Officer.squad_id == case.squad_id, Officer.role == Role.squad_leader, Officer.active.is_(True),
        Officer.id != case.officer_id)).all()
    return [case.officer, *leaders]


def _card(case: Case, stage: str, due: date, today: date) -> dict:
    name = STAGE_NAMES[stage]
    if today > due:
        title = f"案件{name}超期预警"
        state = f"{name}期限 {due:%Y年%m月%d日} 已过 {(today - due).days} 天，请立即处理并说明原因。"
    else:
        title = f"案件{name}即将超期"
        state = f"{name}期限 {due:%Y年%m月%d日}，还剩 {(due - today).days} 天，请抓紧办理。"
    return dict(title=title, description=f"案件 {case.number}（承办人 {case.officer.name}）\n{state}",
                url=settings().CASE_OFFICER_URL.format(id=case.id))


def warn_case_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Flag newly overdue cases and send each case's due and overdue warning once per stage.

    The warning row and its message are written in a savepoint, so a rerun skips it; the outbox
    delivers the message.
    """
    from backend.wechat.messages import queue_text_card

    now = now or utcnow()
    today = local_day(now)
    cases = _open_near_deadline(today + timedelta(days=settings().CASE_WARNING_DAYS))
    flagged = evaluate_cases(list(cases), today, now)
    warned = set()
    for chunk in _chunks([case.id for case in cases]):
        warned.update(session.execute(select(CaseWarning.case_id, CaseWarning.kind)
                                      .where(CaseWarning.case_id.in_(chunk))).tuples())
    queued = 0
    for case in cases:
        stage, due = (("registration", case.registration_due_on) if case.registered_on is None
                      else ("handling", case.handling_due_on))
        kind = f"{stage}_{'overdue' if today > due else 'due'}"
        if (case.id, kind) in warned:
            continue
        try:
            with session.begin_nested():
                warning = CaseWarning(case_id=case.id, kind=kind, sent_at=now, recipients=0)
                session.add(warning)
                session.flush()
                warning.recipients = queue_text_card(_people(case), **_card(case, stage, due, today))
        except IntegrityError:  # another runner was first
            log.info("case warning %s for case %s already given", kind, case.id)
            continue
        queued += 1
    session.flush()
    return {"warnings": queued, "flags": sum(flagged.values())}


def hourly() -> dict[str, int]:
    """The scheduler's entry point (takes no period): check case deadlines now."""
    return warn_case_deadlines()
