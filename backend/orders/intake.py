"""The signed inbound webhook: a source's order checked (signature, time, idempotency, mapping) and stored.

A source signs `<timestamp>.<body>` with HMAC-SHA256 and the key it shares with the district, hex encoded.
The source's order id is the idempotency key: the same order sent again is the same order (answered 200),
the same id with another body is refused (409). Every refusal is a 4xx with a code the source can log and
leaves nothing stored, so the source's corrected retry succeeds.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

import eviltransform
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import select

from backend import keys
from backend.community.deadlines import due_times
from backend.community.models import Category
from backend.community.privacy import encrypt_phone, mask_phone, normalize_phone
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict, DomainError, Invalid, NotFound
from backend.geo import to_gcj02
from backend.orders import repeats
from backend.orders.models import FOLLOWUP_RESULTS, OrderSource, Status, WorkOrder, WorkOrderEvent
from backend.orders.photos import fetch_photos

MAX_DESCRIPTION = 2000


class BadSignature(DomainError):
    status = 401
    default_code = "bad_signature"
    default_message = "签名无效"


def _key_cipher() -> MultiFernet:
    """Sources' shared keys at rest, under the keyring (a SECRET_KEY rotation keeps them readable)."""
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys.purpose_keys("order-source-key")])


def seal_source_key(key: str) -> bytes:
    return _key_cipher().encrypt(key.encode())


def source_key(source: OrderSource) -> bytes:
    return _key_cipher().decrypt(source.key_encrypted)


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """What a source (and we, answering it) sends in X-Signature."""
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(source: OrderSource, body: bytes, timestamp: str | None, given: str | None, now: datetime) -> None:
    """Refuse a missing or wrong signature and a timestamp outside the replay window."""
    if not timestamp or not given:
        raise BadSignature("缺少 X-Timestamp 或 X-Signature 请求头", code="signature_missing")
    if not hmac.compare_digest(signature(source_key(source), timestamp, body).encode(), given.encode()):
        raise BadSignature("签名不符：请用本来源的密钥对「时间戳.请求体」做 HMAC-SHA256", code="bad_signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise BadSignature("X-Timestamp 应为 Unix 秒数", code="bad_timestamp") from None
    if abs(now.timestamp() - sent_at) > settings().ORDERS_REPLAY_WINDOW_SECONDS:
        raise BadSignature("时间戳超出允许的时间窗（重放或时钟不准）", code="stale_timestamp")


def _signed_fields(source_name: str, body: bytes, timestamp: str | None, given: str | None,
                   now: datetime) -> tuple[OrderSource, dict]:
    source = session.scalars(select(OrderSource).where(OrderSource.name == source_name,
                                                       OrderSource.active.is_(True))).one_or_none()
    if source is None:
        raise NotFound("未知的工单来源", code="unknown_source")
    verify(source, body, timestamp, given, now)
    return source, _parse(body)


def receive(source_name: str, body: bytes, timestamp: str | None, given: str | None) -> tuple[WorkOrder, bool]:
    """Store a source's order, or find it when sent again: (the order, whether it is new)."""
    now = utcnow()
    source, fields = _signed_fields(source_name, body, timestamp, given, now)
    digest = hashlib.sha256(body).hexdigest()
    order_id = _text(fields, "order_id", 64)
    known = session.scalars(select(WorkOrder).where(WorkOrder.source_id == source.id,
                                                    WorkOrder.source_order_id == order_id)).one_or_none()
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


def receive_followup(source_name: str, body: bytes, timestamp: str | None, given: str | None) -> WorkOrder:
    """回访: the source's follow-up result for a finished order (sent again, it replaces the earlier one)."""
    now = utcnow()
    source, fields = _signed_fields(source_name, body, timestamp, given, now)
    order_id = _text(fields, "order_id", 64)
    order = session.scalars(select(WorkOrder).where(WorkOrder.source_id == source.id,
                                                    WorkOrder.source_order_id == order_id)).one_or_none()
    if order is None:
        raise NotFound(f"没有收到过工单 {order_id}", code="unknown_order")
    word = _text(fields, "satisfaction", 16)
    if word not in FOLLOWUP_RESULTS:
        raise Invalid(f"未知的满意度：{word}（应为 满意、基本满意 或 不满意）", code="unknown_satisfaction")
    if order.status not in (Status.resolved, Status.closed):
        raise Conflict("工单尚未办结，不能回访", code="not_finished")
    order.followup_result, order.followup_at = FOLLOWUP_RESULTS[word], now
    order.followup_note = _text(fields, "note", 500, required=False)
    session.add(WorkOrderEvent(order=order, kind="followup", status=order.status, at=now,
                               note=f"回访：{word}" + (f"，{order.followup_note}" if order.followup_note else "")))
    session.flush()
    return order


def _parse(body: bytes) -> dict:
    try:
        fields = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("请求体不是 JSON", code="bad_json") from None
    if not isinstance(fields, dict):
        raise Invalid("请求体应为 JSON 对象", code="bad_json")
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
    if source_status not in source.status_map:
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

