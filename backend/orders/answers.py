"""Answers back to a source: each step it wants to know is an outbox message to its callback URL, signed as
its orders are (HMAC-SHA256 with its key over `<timestamp>.<body>`), retried by the outbox until delivered."""
from __future__ import annotations

import json
import time

import requests

from backend.config import settings
from backend.db import session
from backend.orders.intake import signature, source_key
from backend.orders.models import OrderSource, WorkOrder, WorkOrderEvent
from backend.outbox import Delivery, SendFailed, enqueue

CHANNEL = "orders.answer"
ALWAYS_ANSWERED = frozenset({"reply", "extension"})  # not a status change, still the source's to know


def status_word(source: OrderSource, event: WorkOrderEvent) -> str | None:
    """The source's first word for our status, or None when it does not follow that status."""
    return next((word for word, ours in source.status_map.items() if ours == event.status.value), None)


def queue_answer(order: WorkOrder, event: WorkOrderEvent) -> None:
    """Queue the event's answer in the event's transaction, if the source has a callback URL and wants it."""
    source = order.source
    word = status_word(source, event)
    if not source.callback_url or (word is None and event.kind not in ALWAYS_ANSWERED):
        return
    answer = {"order_id": order.source_order_id, "event": event.kind, "status": word, "note": event.note,
              "department": event.department, "reply": order.reply, "at": event.at.isoformat(),
              "extension_until": order.extension_until.isoformat() if event.kind == "extension" else None}
    enqueue(CHANNEL, district_id=source.district_id, recipients=[source.name],
            title=f"回传{source.title}工单 {order.source_order_id}：{event.kind}",
            payload={"source_id": source.id, "event_id": event.id, "answer": answer})


def send_answer(recipients: list[str], payload: dict) -> Delivery:
    """POST one answer, signed now, to the source's callback URL; anything but a 2xx is retried."""
    source = session.get(OrderSource, payload["source_id"])
    body = json.dumps(payload["answer"], ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    try:
        response = requests.post(source.callback_url, data=body, timeout=settings().ORDERS_CALLBACK_TIMEOUT_SECONDS,
                                 headers={"Content-Type": "application/json", "X-Timestamp": timestamp,
                                          "X-Signature": signature(source_key(source), timestamp, body)},
                                 allow_redirects=False)
    except requests.RequestException as error:
        raise SendFailed(f"{source.title}回传地址不可达：{type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise SendFailed(f"{source.title}回传返回 HTTP {response.status_code}", errcode=response.status_code)
    return Delivery(frozenset())
