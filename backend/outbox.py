"""The outbox: every outbound message is a row written in the transaction of the record it is about,
and the `outbox.deliver` job sends it; no request waits on (or fails because of) an outside system.

A channel (government-WeChat text cards today) is one line in CHANNELS: how it sends a batch and how
many recipients one call may carry. The job claims due messages (a lease; FOR UPDATE SKIP LOCKED on
PostgreSQL, a conditional UPDATE on SQLite, so no two senders, in any processes, take the same one),
sends messages with the same content together, records every attempt, retries a failure after the
next step of OUTBOX_RETRY_MINUTES and, when the schedule is used up, leaves the message dead for
district staff to see and resend. A channel that is not configured (the demo) leaves its messages
unsent and untried.
"""
from __future__ import annotations

import importlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.config import settings
from backend.db import Base, UTCDateTime, session, utcnow
from backend.errors import Conflict
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, require

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
STATE_NAMES = {PENDING: "未发送", DELIVERED: "已送达", DEAD: "发送失败，已停止重试"}
# What one attempt came to: delivered; delivered to nobody (every recipient was refused); failed (retried).
ATTEMPT_DELIVERED, ATTEMPT_NOBODY, ATTEMPT_FAILED = "delivered", "nobody", "failed"
CLAIM_BATCH = 50  # messages one sender claims at a time


class Delivery(NamedTuple):
    """What a channel reports of a call it made: the recipients it refused (unknown, left, out of the
    app's visible range) and its answer code (0, or e.g. 81013 when it refused them all)."""

    rejected: frozenset[str]
    errcode: int = 0


class SendFailed(Exception):
    """A call that did not get through (an outage, an error answer): the message is retried."""

    def __init__(self, detail: str, errcode: int | None = None):
        super().__init__(detail)
        self.detail, self.errcode = detail, errcode


class NotConfigured(SendFailed):
    """The channel has no settings (the demo): its messages stay unsent, and no attempt is counted."""


class Channel(NamedTuple):
    send: str  # "module.function": (recipients, payload) -> Delivery, raising SendFailed
    max_recipients: int  # recipients one call may carry


CHANNELS: dict[str, Channel] = {
    # message/send takes at most 1000 UserIds in `touser`, joined by "|"
    "wechat.text_card": Channel("backend.wechat.messages.send_text_card", 1000),
    # a work order's answer to the platform it came from: one source per call
    "orders.answer": Channel("backend.orders.answers.send_answer", 1),
    # a non-site case's notice or decision to its party on 随申办, one party a call
    "suishenban.document": Channel("backend.nonsite.suishenban.send_document", 1),
    # its SMS fallback: one document (whose party's phone is looked up when sent) a call
    "nonsite.sms": Channel("backend.nonsite.sms.send_sms", 1),
}


class OutboxMessage(Base):
    """One outbound message to some recipients of one district, and how its delivery stands."""

    __tablename__ = "outbox_message"
    __scope__ = ("district", "district_id")
    __table_args__ = (Index("ix_outbox_message_due", "state", "next_attempt_at"),)  # the sender's claim

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of CHANNELS
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))  # what staff see in the list
    recipients: Mapped[str] = mapped_column(Text)  # the channel's addresses (WeChat UserIds), "|"-separated
    payload: Mapped[dict] = mapped_column(JSON)  # what the channel sends
    state: Mapped[str] = mapped_column(String(16), default=PENDING)  # pending | delivered | dead
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed attempts since queued or resent
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_count: Mapped[int | None] = mapped_column(Integer)  # recipients the channel accepted
    rejected: Mapped[str | None] = mapped_column(Text)  # recipients it refused, "|"-separated
    last_error: Mapped[str | None] = mapped_column(String(200))

    attempts: Mapped[list[OutboxAttempt]] = relationship(order_by="OutboxAttempt.id", back_populates="message")

    @property
    def recipient_list(self) -> list[str]:
        return self.recipients.split("|") if self.recipients else []


class OutboxAttempt(Base):
    """One call that tried to deliver a message: when, what came of it, the channel's answer code."""

    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | nobody | failed
    errcode: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))

    message: Mapped[OutboxMessage] = relationship(back_populates="attempts")


def retry_schedule() -> list[timedelta]:
    """The waits after the 1st, 2nd … failure; a message failing once more than this is dead."""
    return [timedelta(minutes=int(step)) for step in settings().OUTBOX_RETRY_MINUTES.split(",")]


def enqueue(kind: str, *, district_id: int | None, recipients: list[str], title: str,
            payload: dict) -> list[OutboxMessage]:
    """Queue a message in the current transaction (one row per call's worth of recipients)."""
    limit = CHANNELS[kind].max_recipients
    now = utcnow()
    messages = [OutboxMessage(kind=kind, district_id=district_id, title=title[:128],
                              recipients="|".join(recipients[start:start + limit]), payload=payload,
                              state=PENDING, created_at=now, next_attempt_at=now, failures=0)
                for start in range(0, len(recipients), limit)]
    session.add_all(messages)
    session.flush()
    return messages


def resend(actor: Officer, message: OutboxMessage) -> OutboxMessage:
    """District administrators send a dead (or still waiting) message again now, with a fresh retry schedule."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以重发消息")
    if message.state == DELIVERED:
        raise Conflict("该消息已送达，无需重发", code="message_delivered")
    message.state, message.failures, message.next_attempt_at = PENDING, 0, utcnow()
    session.flush()
    return message


# -- the sender job --------------------------------------------------------------------------------

def deliver() -> dict:
    """Send every due message: claim some, send and record each call's worth, commit; until none is due."""
    counts = {"delivered": 0, "failed": 0, "dead": 0, "unsent": 0}
    unconfigured: set[str] = set()
    while claimed := _claim(unconfigured):
        for batch in _batches(claimed):
            _send(batch, counts, unconfigured)
            session.commit()  # each call's outcome stands, whatever happens to the next
    return counts


def _claim(skip_kinds: set[str]) -> list[OutboxMessage]:
    """Take up to CLAIM_BATCH due messages for this sender, committed, so no other sender takes them."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = select(OutboxMessage.id).where(
        OutboxMessage.state == PENDING, OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        OutboxMessage.kind.not_in(skip_kinds),
    ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(CLAIM_BATCH)
    if session.connection().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # On SQLite the UPDATE holds the database's write lock from its start, so its conditions are
    # checked and the rows claimed in one step.
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
                    .values(claimed_by=token,
                            claimed_until=now + timedelta(seconds=settings().OUTBOX_LEASE_SECONDS))
                    .execution_options(synchronize_session=False))
    claimed = list(session.scalars(select(OutboxMessage).where(OutboxMessage.claimed_by == token)
                                   .order_by(OutboxMessage.id).execution_options(populate_existing=True)))
    session.commit()
    return claimed


def _batches(messages: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Messages with the same kind and content, packed into calls of at most the channel's recipients."""
    same = defaultdict(list)
    for message in messages:
        same[(message.kind, json.dumps(message.payload, sort_keys=True, ensure_ascii=False))].append(message)
    batches = []
    for (kind, _), group in same.items():
        limit, batch, people = CHANNELS[kind].max_recipients, [], set()
        for message in group:
            if batch and len(people | set(message.recipient_list)) > limit:
                batches.append(batch)
                batch, people = [], set()
            batch.append(message)
            people |= set(message.recipient_list)
        batches.append(batch)
    return batches


def _resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _send(batch: list[OutboxMessage], counts: dict, unconfigured: set[str]) -> None:
    first = batch[0]
    recipients = sorted({person for message in batch for person in message.recipient_list})
    now = utcnow()
    try:
        delivery = _resolve(CHANNELS[first.kind].send)(recipients, first.payload)
    except NotConfigured as error:
        unconfigured.add(first.kind)
        for message in batch:
            message.claimed_by = message.claimed_until = None
            message.last_error = error.detail[:200]
            counts["unsent"] += 1
        return
    except Exception as error:  # noqa: BLE001 — an outage, or a channel's own bug, fails this batch only
        failure = error if isinstance(error, SendFailed) else SendFailed(f"发送出错：{type(error).__name__}")
        log.warning("outbox messages %s not sent: %s", [m.id for m in batch], failure.detail,
                    exc_info=not isinstance(error, SendFailed))
        for message in batch:
            _failed(message, now, failure, counts)
        return
    refused = {person.lower() for person in delivery.rejected}
    for message in batch:
        rejected = [person for person in message.recipient_list if person.lower() in refused]
        accepted = len(message.recipient_list) - len(rejected)
        message.state, message.delivered_at, message.delivered_count = DELIVERED, now, accepted
        message.rejected = "|".join(rejected) or None
        message.claimed_by = message.claimed_until = None
        session.add(OutboxAttempt(
            message_id=message.id, attempted_at=now, outcome=ATTEMPT_DELIVERED if accepted else ATTEMPT_NOBODY,
            errcode=delivery.errcode, detail=f"无效接收人：{message.rejected}"[:200] if rejected else None))
        counts["delivered"] += 1


def _failed(message: OutboxMessage, now: datetime, error: SendFailed, counts: dict) -> None:
    schedule = retry_schedule()
    message.failures += 1
    message.last_error = error.detail[:200]
    message.claimed_by = message.claimed_until = None
    session.add(OutboxAttempt(message_id=message.id, attempted_at=now, outcome=ATTEMPT_FAILED, errcode=error.errcode,
                                          detail=error.detail[:200]))
    if message.failures > len(schedule):
        message.state = DEAD
        counts["dead"] += 1
        log.error("outbox message %s is dead after %d failed attempts: %s", message.id, message.failures, error.detail)
    else:
        message.next_attempt_at = now + schedule[message.failures - 1]
        counts["failed"] += 1

