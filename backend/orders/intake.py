"""The signed inbound webhook: a source's order checked (signature, time, idempotency, mapping) and stored.

A source signs `<timestamp>.<body>` with HMAC-SHA256 and the key it shares with the district, hex encoded.
The source's order id is the idempotency key: the same order sent again is the same order (answered 200),
the same id with another content is refused (409); a change comes as a status update instead. Every refusal
is a 4xx with a code the source can log and leaves nothing stored, so the source's corrected retry succeeds.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime

import eviltransform
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import select

from backend import keys, webhooks
from backend.community.deadlines import due_times
from backend.community.models import Category
from backend.community.privacy import encrypt_phone, mask_phone, normalize_phone
from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.errors import Conflict, DomainError, Invalid, NotFound
from backend.files import claim_keys
from backend.geo import to_gcj02
from backend.orders import repeats
from backend.orders.models import (
    EXTENSION_GRANTED,
    EXTENSION_REFUSED,
    FINISHED,
    FOLLOWUP_RESULTS,
    RETURN_REJECTED,
    SOURCE_DECIDES,
    STATUS_NAMES,
    OrderSource,
    SourceKind,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from backend.orders.photos import fetch_photos
from backend.supervision.points.operations import rebuild_past_day

MAX_DESCRIPTION = 2000
UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


class BadSignature(DomainError):
    status = 401
    default_code = "bad_signature"
    default_message = "签名无效"


def source_key_cipher() -> MultiFernet:
    """Sources' shared keys at rest, under the keyring (a SECRET_KEY rotation keeps them readable)."""
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys.purpose_keys("order-source-key")])


def seal_source_key(key: str) -> bytes:
    return source_key_cipher().encrypt(key.encode())


def source_key(source: OrderSource) -> bytes:
    return source_key_cipher().decrypt(source.key_encrypted)


# The sources' documented signing: "<timestamp>.<body>"; both headers, then signature, then timestamp.
SCHEME = webhooks.Scheme(
    separator=b".", window=lambda: settings().ORDERS_REPLAY_WINDOW_SECONDS, error=BadSignature,
    refusals={webhooks.MISSING: ("signature_missing", "缺少 X-Timestamp 或 X-Signature 请求头"),
              webhooks.SIGNATURE: ("bad_signature", "签名不符：请用本来源的密钥对「时间戳.请求体」做 HMAC-SHA256"),
              webhooks.TIMESTAMP: ("bad_timestamp", "X-Timestamp 应为 Unix 秒数"),
              webhooks.STALE: ("stale_timestamp", "时间戳超出允许的时间窗（重放或时钟不准）")},
    order=(webhooks.MISSING, webhooks.SIGNATURE, webhooks.TIMESTAMP, webhooks.STALE))


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """What a source (and we, answering it) sends in X-Signature."""
    return webhooks.signature(key, timestamp, body, SCHEME.separator)


def verify(source: OrderSource, body: bytes, timestamp: str | None, given: str | None, now: datetime) -> None:
    """Refuse a missing or wrong signature and a timestamp outside the replay window."""
    webhooks.verify(SCHEME, source_key(source), timestamp, given, body, now)


def _signed_fields(source_name: str, body: bytes, timestamp: str | None, given: str | None,
                   now: datetime) -> tuple[OrderSource, dict]:
    source = session.scalars(select(OrderSource).where(OrderSource.name == source_name,
                                                       OrderSource.kind != SourceKind.internal,
                                                       OrderSource.active.is_(True))).one_or_none()
    if source is None:
        raise NotFound("未知的工单来源", code="unknown_source")
    verify(source, body, timestamp, given, now)
    return source, _parse(body)


def receive(source_name: str, body: bytes, timestamp: str | None, given: str | None) -> tuple[WorkOrder, bool]:
    """Store a source's pushed order, or find it when sent again: (the order, whether it is new)."""
    now = utcnow()
    source, fields = _signed_fields(source_name, body, timestamp, given, now)
    return take(source, fields, now)


def take(source: OrderSource, fields: dict, now: datetime) -> tuple[WorkOrder, bool]:
    """Store one order of `source` (pushed, or read from its list), or find it: (the order, whether it is new).

    The same order is recognised by its content, not its bytes (keys sorted), so an order pushed and later
    read from the list again is one order."""
    _storable(fields)  # a listed order has not been through _parse
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    order_id = _text(fields, "order_id", 64)
    # The platform may send one order twice at once (its retry racing a slow first answer): the second waits
    # here for the first to commit and finds it, rather than failing on the unique key.
    claim_keys([f"work-order:{source.id}:{order_id}"])
    known = _known(source, order_id)
    if known is not None:
        if known.body_sha256 != digest:
            raise Conflict("该工单号已收到过且内容不同；更新请走状态回传，勿重用工单号", code="order_id_reused")
        return known, False
    order = _order(source, order_id, fields, now)
    order.body_sha256 = digest
    fetch_photos(order, fields.get("photos"))  # last: nothing is fetched for an order refused anyway
    session.add(order)
    session.add(WorkOrderEvent(order=order, kind="received", status=order.status, at=now,
                               note=f"收到{source.title}工单 {order_id}"))
    repeats.link_order(order)
    session.flush()
    return order, True


def _known(source: OrderSource, order_id: str) -> WorkOrder | None:
    return session.scalars(select(WorkOrder).where(WorkOrder.source_id == source.id,
                                                   WorkOrder.source_order_id == order_id)).one_or_none()


def _received(source: OrderSource, fields: dict) -> WorkOrder:
    order_id = _text(fields, "order_id", 64)
    order = _known(source, order_id)
    if order is None:
        raise NotFound(f"没有收到过工单 {order_id}", code="unknown_order")
    return order


def receive_followup(source_name: str, body: bytes, timestamp: str | None, given: str | None) -> WorkOrder:
    """回访: the source's follow-up result for a finished order (sent again, it replaces the earlier one)."""
    now = utcnow()
    source, fields = _signed_fields(source_name, body, timestamp, given, now)
    order = _received(source, fields)
    word = _text(fields, "satisfaction", 16)
    if word not in FOLLOWUP_RESULTS:
        raise Invalid(f"未知的满意度：{word}（应为 满意、基本满意 或 不满意）", code="unknown_satisfaction")
    if order.status not in (Status.resolved, Status.closed):
        raise Conflict("工单尚未办结，不能回访", code="not_finished")
    earlier = order.followup_at
    order.followup_result, order.followup_at = FOLLOWUP_RESULTS[word], now
    order.followup_note = _text(fields, "note", 500, required=False)
    session.add(WorkOrderEvent(order=order, kind="followup", status=order.status, at=now,
                               note=f"回访：{word}" + (f"，{order.followup_note}" if order.followup_note else "")))
    session.flush()
    if earlier is not None and local_day(earlier) < local_day(now):
        # only the latest 回访 counts (on its day): the earlier day's records and month no longer count this one
        rebuild_past_day(local_day(earlier), "orders")
    return order


def receive_update(source_name: str, body: bytes, timestamp: str | None, given: str | None) -> WorkOrder:
    """What the source decided about one of its orders, in its own status words: our extension request granted
    (with the new deadline, else the one asked) or refused, our 退单 refused (the order dispatched back to us),
    the order withdrawn or closed by it, or a new resolve deadline. Sent again, it changes nothing more; a word
    the mapping does not know is refused."""
    now = utcnow()
    source, fields = _signed_fields(source_name, body, timestamp, given, now)
    order = _received(source, fields)
    word = _text(fields, "status", 32, required=False)
    due = _deadline(fields, "resolve_due_at", now)
    note = _text(fields, "note", 500, required=False)
    if word is None and due is None:
        raise Invalid("状态更新应带 status 或 resolve_due_at", code="bad_field", errors={"status": ["必填"]})
    if word is not None and word not in source.status_map:
        raise Invalid(f"未配置的状态：{word}", code="unknown_status")
    meaning = source.status_map.get(word)
    if meaning in (EXTENSION_GRANTED, EXTENSION_REFUSED):
        _decide_extension(order, meaning, due, word, note, now)
    elif meaning == RETURN_REJECTED:
        _reject_return(order, word, note, now)
    elif meaning is not None:
        _source_status(order, Status(meaning), word, note, now)
    if due is not None and meaning != EXTENSION_GRANTED and due != order.resolve_due_at:
        order.resolve_due_at, order.deadlines_from_source = due, True
        _source_event(order, "deadline", f"来源调整办结时限为 {due.isoformat()}", note, now)
    session.flush()
    return order


def _source_event(order: WorkOrder, kind: str, what: str, note: str | None, now: datetime) -> None:
    session.add(WorkOrderEvent(order=order, kind=kind, status=order.status, at=now,
                               note=what + (f"：{note}" if note else "")))


def _decide_extension(order: WorkOrder, meaning: str, due: datetime | None, word: str, note: str | None,
                      now: datetime) -> None:
    if order.extension_until is None:
        latest = order.events[-1].kind if order.events else None
        if latest == meaning:
            return  # the same decision sent again
        raise Conflict("该工单没有待答复的延期申请", code="no_extension_asked")
    if order.status in FINISHED:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，延期答复不再适用", code="bad_transition")
    if meaning == EXTENSION_GRANTED:
        order.resolve_due_at, order.deadlines_from_source = due or order.extension_until, True
        what = f"来源{word}，办结时限延至 {order.resolve_due_at.isoformat()}"
    else:
        what = f"来源{word}，办结时限不变"
    order.extension_until = None
    _source_event(order, meaning, what, note, now)


def _reject_return(order: WorkOrder, word: str, note: str | None, now: datetime) -> None:
    """退单驳回: the source found our 退单 unjustified and dispatches the order back to the squad, which handles it
    again (受理, nobody assigned yet; its deadlines stay, or come with the update). Being the source's finding, it
    is what makes a return unjustified: it counts against the officer who made it (backend/orders/points.py)."""
    kinds = [event.kind for event in order.events]
    last_return = max((i for i, kind in enumerate(kinds) if kind == "return"), default=None)
    if last_return is None:
        raise Conflict("该工单没有退单，无从驳回", code="not_returned")
    if RETURN_REJECTED in kinds[last_return:]:
        return  # the same refusal sent again
    if order.status != Status.returned:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，退单驳回不再适用", code="bad_transition")
    order.status, order.accepted_at = Status.accepted, order.accepted_at or now
    _source_event(order, RETURN_REJECTED, f"来源{word}，工单重新派回本中队", note, now)


def _source_status(order: WorkOrder, status: Status, word: str, note: str | None, now: datetime) -> None:
    if status not in SOURCE_DECIDES:
        raise Invalid(f"状态「{word}」由本方处置产生，来源不能更新", code="status_not_updatable")
    if order.status == status:
        return  # sent again
    if order.status in SOURCE_DECIDES:
        raise Conflict(f"工单{STATUS_NAMES[order.status]}，不能再{word}", code="bad_transition")
    order.status, order.extension_until = status, None
    if status == Status.closed:
        order.closed_at = now
    _source_event(order, f"source_{status.value}", f"来源{word}", note, now)


def _parse(body: bytes) -> dict:
    try:
        fields = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Invalid("请求体不是 JSON", code="bad_json") from None
    if not isinstance(fields, dict):
        raise Invalid("请求体应为 JSON 对象", code="bad_json")
    return _storable(fields)


def _storable(fields: dict) -> dict:
    """Refuse text no column can store (a lone UTF-16 surrogate, NUL), wherever it is in the order."""
    stack = [fields]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and UNSTORABLE.search(node):
            raise Invalid("文本中含有无法保存的字符（孤立的 UTF-16 代理项或 NUL）", code="invalid_text")
        if isinstance(node, dict):
            stack.extend([*node.keys(), *node.values()])
        elif isinstance(node, list):
            stack.extend(node)
    return fields


def _text(fields: dict, name: str, limit: int, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Invalid(f"字段 {name} 缺失、不是文本或超过 {limit} 字", code="bad_field", errors={name: ["无效"]})
    return value.strip()


def _order(source: OrderSource, order_id: str, fields: dict, now: datetime) -> WorkOrder:
    source_category = _text(fields, "category", 64)
    if source_category not in source.category_map:
        raise Invalid(f"未配置的问题类别：{source_category}", code="unknown_category")
    category = Category(source.category_map[source_category])
    source_status = _text(fields, "status", 32)
    if source.status_map.get(source_status) not in Status.__members__:
        raise Invalid(f"未配置的状态：{source_status}", code="unknown_status")
    order = WorkOrder(source=source, source_order_id=order_id, squad_id=source.squad_id, category=category,
                      source_category=source_category, description=_text(fields, "description", MAX_DESCRIPTION),
                      place=_text(fields, "place", 200, required=False),
                      status=Status(source.status_map[source_status]), received_at=now)
    if fields.get("lat") is not None or fields.get("lng") is not None:
        lat, lng = fields.get("lat"), fields.get("lng")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lng)):
            raise Invalid("坐标应为数字", code="bad_coordinates")
        point = to_gcj02(float(lat), float(lng), source.coord_system)
        if eviltransform.outOfChina(point.lat, point.lng):
            raise Invalid("坐标不在中国境内（请检查经纬度是否颠倒或坐标系配置）", code="coordinates_outside_china")
        order.lat, order.lng = point.lat, point.lng
    reporter = fields.get("reporter") or {}
    if not isinstance(reporter, dict):
        raise Invalid("reporter 应为对象", code="bad_field")
    if phone := normalize_phone(reporter.get("phone")):
        order.phone_encrypted, order.phone_masked = encrypt_phone(phone), mask_phone(phone)
    order.reporter_name = _text(reporter, "name", 32, required=False)
    ours = due_times(source.district_id, category, now)
    theirs = [_deadline(fields, name, now) for name in ("accept_due_at", "resolve_due_at")]
    order.accept_due_at, order.resolve_due_at = (t or o for t, o in zip(theirs, ours, strict=True))
    order.deadlines_from_source = any(theirs)
    return order


def _deadline(fields: dict, name: str, now: datetime) -> datetime | None:
    """The source's deadline (ISO 8601 with an offset), which wins over ours; never one already past."""
    raw = fields.get(name)
    if raw is None:
        return None
    try:
        due = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        due = None
    if due is None or due.tzinfo is None:
        raise Invalid(f"{name} 应为带时区的 ISO 8601 时间", code="bad_deadline")
    if due <= now:
        raise Invalid(f"{name} 已经过去", code="deadline_past")
    return due

