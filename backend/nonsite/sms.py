"""The SMS gateway, the fallback when 随申办 cannot deliver a document or the party has no account: a short
text naming the document goes to the party's registered phone, and the gateway's signed receipt confirms
delivery. The outbox row names the document, never the phone: it is decrypted only when the text is sent."""
from __future__ import annotations

import json

from sqlalchemy import select

from backend import outbox
from backend.config import settings
from backend.db import session
from backend.nonsite import parties
from backend.nonsite.models import CaseDocument
from backend.nonsite.suishenban import post_signed

CALLER = "sms"  # how the gateway names itself to us


def send_sms(recipients: list[str], payload: dict) -> outbox.Delivery:
    """POST one text to the gateway; the recipient is the document's number."""
    url, key = settings().NONSITE_SMS_URL, settings().NONSITE_SMS_KEY
    if not url or not key:
        raise outbox.NotConfigured("未配置短信网关地址或密钥（NONSITE_SMS_URL、NONSITE_SMS_KEY）")
    [number] = recipients
    document = session.scalars(select(CaseDocument).where(CaseDocument.number == number)).one()
    phone = document.case.party and parties.phone_of(document.case.party)
    if not phone:
        return outbox.Delivery(frozenset(recipients))  # nobody to text: the squad serves it by post
    body = json.dumps({"phone": phone, "reference": number, "text": payload["text"]}, ensure_ascii=False).encode()
    post_signed(f"{url.rstrip('/')}/sms", key, body, "短信网关")
    return outbox.Delivery(frozenset())
