"""Outbound messages to officers: the one text-card function every reminder and notice goes through.

`send_text_card` fails with ServiceUnavailable when government WeChat is down, for callers that retry
their whole work (the scheduled warnings). `send_text_card_or_queue` is for a notice about a record that
must stand anyway (a supervision finding): the card is kept in the same transaction as the record and
the resend job delivers it once WeChat answers again.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select

from backend.db import session
from backend.errors import ServiceUnavailable
from backend.org.models import Officer
from backend.wechat.client import wechat_client, wechat_errors
from backend.wechat.models import PendingMessage

MAX_RECIPIENTS = 1000  # message/send accepts at most this many UserIds per call
RESEND_BATCH = 500  # pending cards tried per run of the resend job

log = logging.getLogger(__name__)


def _userids(officers: Iterable[Officer]) -> list[str]:
    return sorted({officer.wechat_userid for officer in officers if officer.wechat_userid})


def send_text_card(officers: Iterable[Officer], *, title: str, description: str, url: str,
                   btntxt: str = "详情") -> int:
    """Send a text card to every officer with a WeChat account; the number WeChat accepted."""
    return _send(_userids(officers), title=title, description=description, url=url, btntxt=btntxt)


def send_text_card_or_queue(officers: Iterable[Officer], *, title: str, description: str, url: str,
                            btntxt: str = "详情") -> int:
    """Send now, or keep the card for the resend job if government WeChat is unavailable; the number sent now."""
    userids = _userids(officers)
    try:
        return _send(userids, title=title, description=description, url=url, btntxt=btntxt)
    except ServiceUnavailable as error:
        log.warning("message %r kept for resending: %s", title, error.message)
        session.add(PendingMessage(userids="|".join(userids), title=title, description=description, url=url,
                                   btntxt=btntxt, last_error=error.message[:200]))
        return 0


def resend_pending() -> dict:
    """Deliver the kept cards, oldest first; stop at the first failure (WeChat is still down) and keep the rest."""
    sent = 0
    for message in session.scalars(select(PendingMessage).order_by(PendingMessage.id).limit(RESEND_BATCH)):
        try:
            _send(message.userids.split("|"), title=message.title, description=message.description,
                  url=message.url, btntxt=message.btntxt)
        except ServiceUnavailable as error:
            message.attempts += 1
            message.last_error = error.message[:200]
            break
        session.delete(message)
        sent += 1
    session.flush()
    return {"sent": sent, "pending": session.scalar(select(func.count()).select_from(PendingMessage))}


def _send(userids: list[str], *, title: str, description: str, url: str, btntxt: str) -> int:
    if not userids:
        return 0
    client = wechat_client()
    agent_id = int(current_app.config["WECHAT_AGENT_ID"])
    sent = 0
    for start in range(0, len(userids), MAX_RECIPIENTS):
        batch = userids[start:start + MAX_RECIPIENTS]
        with wechat_errors("发送消息"):
            result = client.message.send_text_card(agent_id, batch, title, description, url, btntxt=btntxt)
        invalid = {userid for userid in result.get("invaliduser", "").split("|") if userid}
        sent += len(set(batch) - invalid)
    return sent
