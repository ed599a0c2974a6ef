"""Outbound messages to officers: the one text-card function every reminder and notice goes through."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from backend.org.models import Officer
from backend.wechat.client import wechat_client, wechat_errors

MAX_RECIPIENTS = 1000  # message/send accepts at most this many UserIds per call


def send_text_card(officers: Iterable[Officer], *, title: str, description: str, url: str,
                   btntxt: str = "详情") -> int:
    """Send a text card to every officer with a WeChat account; the number WeChat accepted."""
    userids = sorted({officer.wechat_userid for officer in officers if officer.wechat_userid})
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
