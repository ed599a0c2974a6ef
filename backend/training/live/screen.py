"""The classroom big screen (智慧教室大屏): what it shows of a live class, behind a signed screen key.

The screen is a browser on the classroom's PC or TV, not a person signed in: the trainer opens the
link the API gives them (`/classroom/<id>?key=…`). The key is an HMAC of the class id (backend/keys.py),
so it opens this class's screen only, shows nothing a trainee in the room cannot see,
and cannot be guessed for another class. The page polls `state()` every CLASSROOM_POLL_SECONDS:
one small JSON of head count, the latest in-class quiz with its distribution, the leaderboard, and
the current join code (it rotates, see classes.py), whose QR image the page reloads when it changes.
"""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select

from backend import keys
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import NotFound
from backend.training.drills.queries import leaderboard
from backend.training.live import classes, quizzes
from backend.training.models import LiveClass, LiveQuiz

PURPOSE = "classroom-screen"
KEY_BYTES = 16


def screen_key(live_class_id: int) -> str:
    return keys.seal(PURPOSE, str(live_class_id), KEY_BYTES)


def screen_url(live_class: LiveClass) -> str:
    query = urlencode({"key": screen_key(live_class.id)})
    return f"{settings().PUBLIC_BASE_URL.rstrip('/')}/classroom/{live_class.id}?{query}"


def screen_class(live_class_id: int, key: str) -> LiveClass:
    """The class a screen key opens; a wrong key looks the same as a missing class to a prober."""
    live_class = session.get(LiveClass, live_class_id)
    if live_class is None or not keys.unseal(PURPOSE, str(live_class_id), key, KEY_BYTES):
        raise NotFound("课堂不存在，或大屏链接无效（请从教员端重新获取）", code="not_found")
    return live_class


def _status(live_class: LiveClass) -> str:
    now = utcnow()
    if now < live_class.starts_at:
        return "未开始"
    return "进行中" if now < live_class.ends_at else "已结束"


def state(live_class: LiveClass) -> dict:
    """Everything the screen shows, read in a few indexed queries."""
    latest = session.scalars(select(LiveQuiz).where(LiveQuiz.live_class_id == live_class.id)
                             .order_by(LiveQuiz.id.desc()).limit(1)).one_or_none()
    counts = classes.head_count(live_class.id)
    return {
        "live_class_id": live_class.id,
        "title": live_class.title,
        "classroom": live_class.classroom,
        "starts_at": live_class.starts_at,
        "ends_at": live_class.ends_at,
        "status": _status(live_class),
        "joined": counts["joined"],
        "present": counts["present"],
        "quiz": quizzes.distribution(latest) if latest is not None else None,
        "leaderboard": leaderboard(live_class.id),
        "poll_seconds": settings().CLASSROOM_POLL_SECONDS,
        "join_code": classes.join_signature(live_class.id),
        "join_code_seconds": settings().TRAINING_JOIN_CODE_SECONDS,
        "server_time": utcnow(),
    }

