"""Scheduled training work."""
from __future__ import annotations

from sqlalchemy import select

from backend.db import session, utcnow
from backend.training.exams.models import Attempt, ExamAttemptStatus
from backend.training.exams.operations import close_if_expired


def close_expired_attempts() -> int:
    """Close every open exam attempt past its deadline (graded on the answers saved in time); idempotent."""
    now = utcnow()
    expired = session.scalars(select(Attempt).where(Attempt.status == ExamAttemptStatus.open,
                                                    Attempt.deadline_at < now)).all()
    for attempt in expired:
        close_if_expired(attempt, now)
    return len(expired)
