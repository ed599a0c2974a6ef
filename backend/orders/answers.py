"""Answers back to a source: each step it wants to know is an outbox message to its callback URL, signed as
its orders are (HMAC-SHA256 with its key over `<timestamp>.<body>`), retried by the outbox until the platform
acknowledges it (a 2xx with `{"code": 0}`): a timeout, an error status or an answer it cannot read is retried.
An answer that arrived but whose acknowledgement did not (a platform slower than our timeout) is sent again
with the same `answer_id`, by which the platform keeps it once.

Result photos (the order's evidence) go inline: `photos: [{"mime", "sha256", "data": base64}]`, the watermarked
copies, at most MAX_PHOTOS an answer. Inline rather than as links the platform fetches from us, because the
answer's signature then covers them; no evidence is served to the internet by a bearer link; a link would
expire while the outbox still retries an answer to a platform that was down; and the platform (inside the
government network) need not reach us. A reply carries the photos taken since the previous reply, the 办结
the newest of all. Each photo sent is written in its evidence's custody log when the answer is queued.
The outbox keeps only the evidence ids; the photos are read when the answer is sent."""
from __future__ import annotations

import base64
import hashlib
import json
import time

import requests
from sqlalchemy import select

from backend.config import settings
from backend.db import session
from backend.evidence import operations as evidence_operations
from backend.evidence.models import Evidence, EvidenceKind, Subject
from backend.orders.intake import signature, source_key
from backend.orders.models import OrderSource, WorkOrder, WorkOrderEvent
from backend.outbox import Delivery, SendFailed, enqueue

CHANNEL = "orders.answer"
ALWAYS_ANSWERED = frozenset({"reply", "extension"})  # not a status change, still the source's to know
NEVER_ANSWERED = frozenset({"evidence"})  # its photos go with the next reply or the 办结
WITH_PHOTOS = frozenset({"reply", "resolve"})
MAX_PHOTOS = 4


def status_word(source: OrderSource, event: WorkOrderEvent) -> str | None:
    """The source's first word for our status, or None when it does not follow that status."""
    return next((word for word, ours in source.status_map.items() if ours == event.status.value), None)


def queue_answer(order: WorkOrder, event: WorkOrderEvent) -> None:
    """Queue the event's answer in the event's transaction, if the source has a callback URL and wants it."""
    source = order.source
    word = status_word(source, event)
    if (not source.callback_url or event.kind in NEVER_ANSWERED
            or (word is None and event.kind not in ALWAYS_ANSWERED)):
        return
    answer = {"answer_id": event.id, "order_id": order.source_order_id, "event": event.kind, "status": word,
              "note": event.note, "department": event.department, "reply": order.reply, "at": event.at.isoformat(),
              "extension_until": order.extension_until.isoformat() if event.kind == "extension" else None}
    photos = _result_photos(order, event) if event.kind in WITH_PHOTOS else []
    for evidence in photos:
        evidence_operations.send_out(event.actor, evidence, f"随答复发给{source.title}（工单 {order.source_order_id}）")
    enqueue(CHANNEL, district_id=source.district_id, recipients=[source.name],
            title=f"回传{source.title}工单 {order.source_order_id}：{event.kind}",
            payload={"source_id": source.id, "event_id": event.id, "answer": answer,
                     "evidence_ids": [evidence.id for evidence in photos]})


def _result_photos(order: WorkOrder, event: WorkOrderEvent) -> list[Evidence]:
    """The order's evidence photos this answer carries: a reply, those since the previous reply; the 办结, the
    newest of all (MAX_PHOTOS at most, oldest first)."""
    query = select(Evidence).where(Evidence.subject_type == Subject.order, Evidence.subject_ref == str(order.id),
                                   Evidence.kind == EvidenceKind.photo)
    if event.kind == "reply":
        previous = [e.at for e in order.events if e.kind == "reply" and e.id != event.id]
        if previous:
            query = query.where(Evidence.received_at > max(previous))
    return list(reversed(session.scalars(query.order_by(Evidence.id.desc()).limit(MAX_PHOTOS)).all()))


def _photo(evidence_id: int) -> dict:
    data = evidence_operations.watermarked_photo(session.get(Evidence, evidence_id))
    return {"mime": "image/jpeg", "sha256": hashlib.sha256(data).hexdigest(), "data": base64.b64encode(data).decode()}


def send_answer(recipients: list[str], payload: dict) -> Delivery:
    """POST one answer, signed now, to the source's callback URL; anything but a 2xx is retried."""
    source = session.get(OrderSource, payload["source_id"])
    photos = [_photo(evidence_id) for evidence_id in payload.get("evidence_ids", [])]
    body = json.dumps({**payload["answer"], "photos": photos}, ensure_ascii=False).encode()
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
    try:  # the platform acknowledges an answer with {"code": 0}; anything else is not an acknowledgement
        acknowledged = response.json().get("code") == 0
    except (ValueError, AttributeError):
        acknowledged = False
    if not acknowledged:
        raise SendFailed(f"{source.title}回传应答无法识别：{response.text[:80]!r}")
    return Delivery(frozenset())
