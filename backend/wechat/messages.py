"""Text cards to officers: queued in the outbox with the record they are about, sent by its job.

`queue_text_card` is what every reminder, warning and notice calls; `send_text_card` is the outbox
channel that makes the call to government WeChat.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import requests
from wechatpy.exceptions import WeChatClientException

from backend import outbox
from backend.config import settings
from backend.errors import ServiceUnavailable
from backend.org.models import Officer
from backend.wechat.client import wechat_client

TEXT_CARD = "wechat.text_card"
NO_VALID_RECIPIENT = 81013  # WeCom's answer when every UserId of the message is invalid


def queue_text_card(officers: Iterable[Officer], *, title: str, description: str, url: str,
                    btntxt: str = "详情") -> int:
    """Queue a text card to every officer with a WeChat account (a message per district); how many."""
    by_district: dict[int, set[str]] = defaultdict(set)
    for officer in officers:
        if officer.wechat_userid:
            by_district[officer.district_id].add(officer.wechat_userid)
    payload = {"title": title, "description": description, "url": url, "btntxt": btntxt}
    for district_id, userids in by_district.items():
        outbox.enqueue(TEXT_CARD, district_id=district_id, recipients=sorted(userids), title=title, payload=payload)
    return sum(map(len, by_district.values()))


def send_text_card(userids: list[str], card: dict) -> outbox.Delivery:
    """Send one text card to at most 1000 UserIds; the ones WeChat refused (it answers them lower-cased)."""
    try:
        client = wechat_client()
    except ServiceUnavailable as error:
        raise outbox.NotConfigured(error.message) from error
    try:
        result = client.message.send_text_card(int(settings().WECHAT_AGENT_ID), userids, card["title"],
                                               card["description"], card["url"], btntxt=card["btntxt"])
    except WeChatClientException as error:
        if error.errcode == NO_VALID_RECIPIENT:
            return outbox.Delivery(frozenset(userids), NO_VALID_RECIPIENT)
        detail = f"（错误码 {error.errcode}）" if error.errcode is not None else ""
        raise outbox.SendFailed(f"政务微信返回错误{detail}", error.errcode) from error
    except requests.RequestException as error:
        raise outbox.SendFailed(f"无法连接政务微信：{type(error).__name__}") from error
    invalid = {userid.lower() for userid in result.get("invaliduser", "").split("|") if userid}
    return outbox.Delivery(frozenset(userid for userid in userids if userid.lower() in invalid))
