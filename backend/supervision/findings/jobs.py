"""The hourly notice check: one overdue warning per notice and deadline to its recipients and issuer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.config import settings
from backend.db import session, utcnow
from backend.supervision.findings.models import NOTICE_NAMES, Notice, NoticeStatus
from backend.supervision.findings.operations import recipients

OPEN_STATUSES = (NoticeStatus.issued, NoticeStatus.returned)


def warn_overdue_notices(now: datetime | None = None) -> int:
    """Warn once per notice whose rectification deadline passed without an answer; returns notices warned.

    The mark is written with the message, so a rerun skips the notice; the outbox delivers the
    message. A new deadline (a notice returned with one) clears the mark.
    """
    from backend.wechat.messages import queue_text_card

    now = now or utcnow()
    overdue = session.scalars(select(Notice).where(
        Notice.status.in_(OPEN_STATUSES), Notice.due_at <= now, Notice.overdue_warned_at.is_(None),
    ).order_by(Notice.id)).all()
    warned = 0
    for notice in overdue:
        people = recipients(notice)
        if notice.issued_by not in people:
            people.append(notice.issued_by)
        notice.overdue_warned_at = now
        whom = notice.officer.name if notice.officer else notice.squad.name
        queue_text_card(people, title=f"整改超期预警：{notice.number}",
                        description=(f"{NOTICE_NAMES[notice.kind]}（{whom}）整改期限 {notice.rectify_by:%Y年%m月%d日} "
                                     "已过，尚未完成整改，请尽快整改并回复。"),
                        url=settings().SUPERVISION_NOTICE_URL.format(id=notice.id))
        warned += 1
    session.flush()
    return warned


def hourly() -> int:
    """The scheduler's entry point (takes no period): warn about overdue notices now."""
    return warn_overdue_notices()
