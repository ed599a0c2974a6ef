"""The citizen services platform (一网通办-随申办): documents go out through the outbox, signed with our key;
its delivery and payment callbacks come back signed with its key (NONSITE_SUISHENBAN_KEY, both ways)."""
from __future__ import annotations

import base64
import json
import time

import requests

from backend import outbox
from backend.config import settings
from backend.nonsite import pdf
from backend.nonsite.signing import signature

SENDER = "chengguan"  # how we name ourselves to 随申办
CALLER = "suishenban"  # how it names itself to us


def send_document(recipients: list[str], payload: dict) -> outbox.Delivery:
    """POST one document to 随申办 for its party (the one recipient: the plate or the shop)."""
    url, key = settings().NONSITE_SUISHENBAN_URL, settings().NONSITE_SUISHENBAN_KEY
    if not url or not key:
        raise outbox.NotConfigured("未配置随申办地址或密钥（NONSITE_SUISHENBAN_URL、NONSITE_SUISHENBAN_KEY）")
    if "pdf_key" in payload:  # rows queued before 0093 carry the PDF itself
        stored = pdf.stored(payload["pdf_key"])
        payload = {**{name: value for name, value in payload.items() if name != "pdf_key"},
                   "pdf": base64.b64encode(stored).decode()}
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()  # the party is in it
    post_signed(f"{url.rstrip('/')}/documents", key, body, "随申办")
    return outbox.Delivery(frozenset())


def post_signed(url: str, key: str, body: bytes, who: str) -> None:
    """POST a JSON body signed as we sign to outside platforms; SendFailed (retried) unless it answers 200."""
    stamp = str(int(time.time()))
    try:
        response = requests.post(url, data=body, timeout=10, headers={
            "Content-Type": "application/json", "X-Sender": SENDER, "X-Timestamp": stamp,
            "X-Signature": signature(key, stamp, body)})
    except requests.RequestException as error:
        raise outbox.SendFailed(f"无法连接{who}：{type(error).__name__}") from error
    if response.status_code != 200:
        raise outbox.SendFailed(f"{who}返回 HTTP {response.status_code}", response.status_code)
