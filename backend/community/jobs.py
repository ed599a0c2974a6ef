"""The hourly deadline check: one overdue warning per complaint and stage to the squad's leaders."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from backend.community.models import CATEGORY_NAMES, Complaint, OverdueWarning
from backend.community.queries import AWAITING_ACCEPT, OPEN_STATUSES
from backend.config import settings
from backend.db import LOCAL_TZ, session, utcnow
from backend.org.models import Officer, Role
from backend.wechat.messages import queue_text_card

log = logging.getLogger(__name__)

STAGE_NAMES = {"accept": "受理", "resolve": "办结"}


def _overdue(stage: str, now: datetime) -> list[Complaint]:
    due, statuses = ((Complaint.accept_due_at, AWAITING_ACCEPT) if stage == "accept"
                     else (Complaint.resolve_due_at, OPEN_STATUSES))
    warned = exists().where(OverdueWarning.complaint_id == Complaint.id, OverdueWarning.stage == stage)
    return list(session.scalars(select(Complaint).where(Complaint.status.in_(statuses), due < now, ~warned)
                                .order_by(Complaint.id)))


def _leaders(squad_id: int) -> list[Officer]:
    return list(session.scalars(select(Officer).where(
        Officer.squad_id == squad_id, Officer.role == Role.squad_leader, Officer.active.is_(True))))


def _card(complaint: Complaint, stage: str) -> dict:
    due = complaint.accept_due_at if stage == "accept" else complaint.resolve_due_at
    return dict(
        title=f"诉件{STAGE_NAMES[stage]}超期预警",
        description=(f"{complaint.office.name}｜{CATEGORY_NAMES[complaint.category]}\n"
                     f"应于 {due.astimezone(LOCAL_TZ):%m月%d日 %H:%M} 前{STAGE_NAMES[stage]}，现已超期，请尽快处理。"),
        url=settings().COMMUNITY_OFFICER_URL.format(id=complaint.id),
    )


def warn_overdue() -> int:
    """Warn each squad leader once per overdue complaint and stage; returns the warnings queued.

    The warning row and its message are written in a savepoint, so a second runner (or a rerun)
    finds the row and skips; the outbox delivers the message.
    """
    now = utcnow()
    sent = 0
    for stage in ("accept", "resolve"):
        for complaint in _overdue(stage, now):
            try:
                with session.begin_nested():
                    warning = OverdueWarning(complaint_id=complaint.id, stage=stage, sent_at=now, recipients=0)
                    session.add(warning)
                    session.flush()
                    warning.recipients = queue_text_card(_leaders(complaint.squad_id), **_card(complaint, stage))
            except IntegrityError:  # another runner was first
                log.info("overdue warning for complaint %s (%s) already given", complaint.id, stage)
                continue
            sent += 1
    session.flush()
    return sent
