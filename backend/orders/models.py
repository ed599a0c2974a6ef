"""Work orders from outside platforms (城运 / 12345 / 网格), the sources that send them, and their timeline."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.community.models import Category
from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import DistrictRecord, Officer


class SourceKind(str, enum.Enum):
    city_platform = "city_platform"  # 区城运中心 / 一网统管
    hotline = "hotline"  # 12345 市民服务热线
    grid = "grid"  # 城市网格化管理平台
    internal = "internal"  # 本局其他业务（如非现场执法的现场核实）：no key, no answers, finished orders told back


class Status(str, enum.Enum):
    received = "received"  # 已接收
    accepted = "accepted"  # 已受理
    assigned = "assigned"  # 已派单
    in_progress = "in_progress"  # 处理中
    resolved = "resolved"  # 已办结
    closed = "closed"  # 已结案
    returned = "returned"  # 已退单（非我方职责）
    referred = "referred"  # 已移送其他部门
    withdrawn = "withdrawn"  # 已撤单（来源撤回）


FINISHED = frozenset({Status.resolved, Status.closed, Status.returned, Status.referred, Status.withdrawn})
# What only the source decides and tells us by a status update: it closed or withdrew the order.
SOURCE_DECIDES = frozenset({Status.closed, Status.withdrawn})
# A source's words for its decision on our extension request, beside its status words in the same vocabulary.
EXTENSION_GRANTED, EXTENSION_REFUSED = "extension_granted", "extension_refused"
# The source's word for refusing our 退单 and dispatching the order back to us (退单驳回 / 重新派发): the return
# was unjustified (it counts against the officer who made it, backend/orders/points.py).
RETURN_REJECTED = "return_rejected"
INBOUND_ONLY = frozenset({EXTENSION_GRANTED, EXTENSION_REFUSED, RETURN_REJECTED})

# The reporter's satisfaction as the platforms word it (12345's 回访: 满意 / 基本满意 / 不满意).
FOLLOWUP_RESULTS = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied"}
SATISFIED_FOLLOWUPS = ("satisfied", "basically_satisfied")  # what 满意率 and the points count as satisfied

STATUS_NAMES = {Status.received: "已接收", Status.accepted: "已受理", Status.assigned: "已派单",
                Status.in_progress: "处理中", Status.resolved: "已办结", Status.closed: "已结案",
                Status.returned: "已退单", Status.referred: "已移送", Status.withdrawn: "已撤单"}


class OrderSource(DistrictRecord, Base):
    """A platform that sends orders: its key (encrypted), where answers go, how its words map to ours."""

    __tablename__ = "order_source"

    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)  # who receives its orders
    name: Mapped[str] = mapped_column(String(32), unique=True)  # in the inbound URL
    title: Mapped[str] = mapped_column(String(64))  # what the squad reads, e.g. 静安区城运中心
    kind: Mapped[SourceKind] = mapped_column(Enum(SourceKind, native_enum=False, length=16, validate_strings=True))
    key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # the HMAC key shared with the source
    callback_url: Mapped[str | None] = mapped_column(String(300))  # where answers go; none: it wants none
    coord_system: Mapped[str] = mapped_column(String(8))  # gcj02 | wgs84: how it sends places
    category_map: Mapped[dict] = mapped_column(JSON)  # its category code -> a Category value
    # its status word -> a Status value (both ways), or a word of INBOUND_ONLY (its decisions on our requests)
    status_map: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Its photo URLs may point into private networks (a platform inside the government network); else refused.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # Pull mode, for a source that only offers a list to poll: where, and where the last page ended.
    pull_url: Mapped[str | None] = mapped_column(String(300))
    pull_cursor: Mapped[str | None] = mapped_column(String(200))  # the source's own, opaque
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last poll that got an answer or not
    pull_error: Mapped[str | None] = mapped_column(String(300))  # why the last poll failed, or what it refused


class WorkOrder(Base):
    """工单: one order of a source, keyed by the source's own order id, and where its handling stands."""

    __tablename__ = "work_order"
    __scope__ = ("squad", "squad_id", "assignee_id")  # an officer sees the orders assigned to them
    __table_args__ = (UniqueConstraint("source_id", "source_order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("order_source.id"), index=True)
    source_order_id: Mapped[str] = mapped_column(String(64))  # the idempotency key
    body_sha256: Mapped[str] = mapped_column(String(64))  # the same id with another body is refused
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=32, validate_strings=True))
    source_category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)  # GCJ-02
    lng: Mapped[float | None] = mapped_column(Float)
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    reporter_name: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=16, validate_strings=True),
                                           index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    accept_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deadlines_from_source: Mapped[bool] = mapped_column(Boolean)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(String(1000))
    extension_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # asked of the source, which decides
    # 回访: the source's follow-up call to the reporter after the order was finished
    followup_result: Mapped[str | None] = mapped_column(String(24))  # a value of FOLLOWUP_RESULTS
    followup_note: Mapped[str | None] = mapped_column(String(500))
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[OrderSource] = relationship()
    assignee: Mapped[Officer | None] = relationship()
    events: Mapped[list[WorkOrderEvent]] = relationship(back_populates="order", order_by="WorkOrderEvent.id")
    photos: Mapped[list[WorkOrderPhoto]] = relationship(order_by="WorkOrderPhoto.id")

    @property
    def overdue(self) -> bool:
        """Past its resolve deadline and not finished."""
        return self.status not in FINISHED and utcnow() > self.resolve_due_at


class WorkOrderEvent(Base):
    """One step of an order's handling; `note` is what the source is told (a reply, a reason, a department)."""

    __tablename__ = "work_order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))  # received / accept / assign / ... / extension
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=16, validate_strings=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    department: Mapped[str | None] = mapped_column(String(64))  # 移送: the department it went to
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor: Mapped[Officer | None] = relationship()


class WorkOrderPhoto(Base):
    """A photo the source sent with the order (by URL), fetched into storage and validated as any image."""

    __tablename__ = "work_order_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    storage_key: Mapped[str] = mapped_column(String(128), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
