"""Scheduled duty work: close yesterday, remind officers of today's shifts, keep the position partitions."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, select, update

from backend.config import settings
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.duty import partitions
from backend.duty.models import DUTY_TYPE_NAMES, CheckKind, DutyCheck, Shift
from backend.wechat.messages import queue_text_card


def close_day(day: date | None = None, now: datetime | None = None) -> dict:
    """Close every ended shift of `day` (yesterday) or before: no check-in is an absence, no check-out
    is marked. Closed shifts are left alone, so running it twice changes nothing."""
    now = now or utcnow()
    day = day or local_day(now) - timedelta(days=1)
    still_open = and_(Shift.closed_at.is_(None), Shift.day <= day, Shift.ends_at <= now)

    def has(kind: CheckKind):
        return exists().where(DutyCheck.shift_id == Shift.id, DutyCheck.kind == kind)

    absent = session.execute(update(Shift).where(still_open, ~has(CheckKind.check_in))
                             .values(absent=True).execution_options(synchronize_session=False)).rowcount
    unfinished = session.execute(
        update(Shift).where(still_open, has(CheckKind.check_in), ~has(CheckKind.check_out))
        .values(missing_check_out=True).execution_options(synchronize_session=False)).rowcount
    closed = session.execute(update(Shift).where(still_open).values(closed_at=now)
                             .execution_options(synchronize_session=False)).rowcount
    session.expire_all()
    return {"closed": closed, "absent": absent, "missing_check_out": unfinished}


def _card_line(shift: Shift) -> str:
    start = shift.starts_at.astimezone(LOCAL_TZ).strftime("%H:%M")
    end_local = shift.ends_at.astimezone(LOCAL_TZ)
    end = ("次日" if end_local.date() > shift.day else "") + end_local.strftime("%H:%M")
    place = f" · {shift.post.name}" if shift.post is not None else ""
    return f'<div class="normal">{start}–{end} {DUTY_TYPE_NAMES[shift.duty_type]}{place}</div>'


def send_shift_reminders(day: date | None = None, now: datetime | None = None) -> dict:
    """Queue each officer one text card listing the day's shifts; officers with the same shifts share a
    message, and shifts already reminded are skipped, so running it twice queues nothing new."""
    now = now or utcnow()
    day = day or local_day(now)
    due = session.scalars(select(Shift).where(Shift.day == day, Shift.reminded_at.is_(None),
                                              Shift.closed_at.is_(None)).order_by(Shift.starts_at)).all()
    by_officer = defaultdict(list)
    for shift in due:
        by_officer[shift.officer].append(shift)
    by_card = defaultdict(list)
    for officer, shifts in by_officer.items():
        by_card["".join(_card_line(s) for s in shifts)].append(officer)
    queued = 0
    for lines, officers in by_card.items():
        description = (f'<div class="gray">{day.month}月{day.day}日</div>{lines}'
                       '<div class="highlight">请按时到岗签到</div>')
        queued += queue_text_card(officers, title="今日勤务提醒", description=description,
                               url=settings().DUTY_REMINDER_URL, btntxt="查看")
    for shift in due:
        shift.reminded_at = now
    session.flush()
    return {"officers": len(by_officer), "queued": queued}


def position_partitions(month: date) -> dict:
    """PostgreSQL: the month's and the next months' position partitions exist; months past the retention are
    archived to file storage (gzip CSV, SHA-256 recorded) and dropped."""
    return partitions.maintain(month)
