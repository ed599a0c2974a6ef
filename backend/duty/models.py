"""Posts, the roster's shifts, check-ins and check-outs, patrol positions."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.geo import Fence, LatLng
from backend.org.models import Officer, Squad


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class DutyType(str, enum.Enum):
    patrol = "patrol"  # 监察
    fixed_post = "fixed_post"  # 固守
    office = "office"  # 值班
    standby = "standby"  # 备勤


DUTY_TYPE_NAMES = {DutyType.patrol: "监察", DutyType.fixed_post: "固守", DutyType.office: "值班",
                   DutyType.standby: "备勤"}


class CheckKind(str, enum.Enum):
    check_in = "check_in"  # 签到
    check_out = "check_out"  # 签退


class Timing(str, enum.Enum):
    on_time = "on_time"
    late = "late"
    early_leave = "early_leave"


class Approval(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Post(Base):
    """勤务点位 / 责任区 with its geofence (GCJ-02)."""

    __tablename__ = "duty_post"
    __scope__ = ("squad", "squad_id")
    __table_args__ = (
        CheckConstraint("shape in ('circle', 'polygon')", name="shape"),
        CheckConstraint("coord_system = 'gcj02'", name="coord_system"),
        CheckConstraint("shape = 'polygon' or (center_lat is not null and center_lng is not null "
                        "and radius_m is not null)", name="circle_complete"),
        CheckConstraint("shape = 'circle' or polygon is not null", name="polygon_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    shape: Mapped[str] = mapped_column(String(8))
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lng: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    polygon: Mapped[list | None] = mapped_column(JSON)  # [[lat, lng], ...] in coord_system
    coord_system: Mapped[str] = mapped_column(String(8), default="gcj02")
    selfie_required: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    squad: Mapped[Squad] = relationship()

    @property
    def fence(self) -> Fence:
        return Fence.stored(self.shape, self.center_lat, self.center_lng, self.radius_m, self.polygon)


class Shift(Base):
    """One roster line: an officer's shift on a day (it may end after midnight)."""

    __tablename__ = "duty_shift"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_duty_shift_officer_id_starts_at", "officer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_minutes: Mapped[int] = mapped_column(Integer)
    duty_type: Mapped[DutyType] = mapped_column(_enum(DutyType))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("duty_post.id"), index=True)
    attended_minutes: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_check_out: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    officer: Mapped[Officer] = relationship()
    post: Mapped[Post | None] = relationship()


class PhoneFix:
    """Where an officer's phone put itself (GCJ-02, within `accuracy_m`), and when its report arrived (`late_sync`:
    sent after the sync window)."""

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_sync: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    coord_system: Mapped[str] = mapped_column(String(8), default="gcj02")
    accuracy_m: Mapped[float] = mapped_column(Float)


class DutyCheck(PhoneFix, Base):
    """A check-in or check-out as submitted (client time) and as judged by the server."""

    __tablename__ = "duty_check"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (
        UniqueConstraint("client_id"),
        UniqueConstraint("shift_id", "kind"),
        CheckConstraint("coord_system = 'gcj02'", name="coord_system"),
        CheckConstraint("accuracy_m >= 0", name="accuracy_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shift.id"))
    kind: Mapped[CheckKind] = mapped_column(_enum(CheckKind))
    client_at: Mapped[datetime] = mapped_column(UTCDateTime)
    distance_outside_m: Mapped[int | None] = mapped_column(Integer)  # None: the shift has no post
    timing: Mapped[Timing] = mapped_column(_enum(Timing))
    minutes_off: Mapped[int] = mapped_column(Integer, default=0)  # late by / left early by
    out_of_area: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    approval: Mapped[Approval | None] = mapped_column(_enum(Approval))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    selfie_key: Mapped[str | None] = mapped_column(String(256), index=True)
    selfie_sha256: Mapped[str | None] = mapped_column(String(64))

    shift: Mapped[Shift] = relationship()
    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])


class Position(PhoneFix, Base):
    """A patrol position ping; each keeps the step from the previous ping of its shift.

    On PostgreSQL the table is partitioned by local month of `recorded_at` (backend/duty/partitions.py): its
    primary key there is (id, recorded_at) and a client id is unique with its time, as a partitioned table's
    unique keys must hold the partition key. A year of the city's pings passes 2^31, hence a 64-bit id."""

    __tablename__ = "duty_position"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (
        UniqueConstraint("client_id", "recorded_at"),
        CheckConstraint("coord_system = 'gcj02'", name="coord_system"),
        Index("ix_duty_position_shift_id_recorded_at", "shift_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shift.id"))
    source: Mapped[str] = mapped_column(String(8))  # app | wechat
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inside: Mapped[bool | None] = mapped_column(Boolean)  # None: the shift has no post
    step_m: Mapped[float] = mapped_column(Float, default=0.0)  # from the previous ping
    step_seconds: Mapped[int] = mapped_column(Integer, default=0)
    step_inside_seconds: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def point(self) -> LatLng:
        return LatLng(self.lat, self.lng)


class PositionArchive(Base):
    """One file of a month's patrol positions exported before its partition was dropped (gzip CSV)."""

    __tablename__ = "duty_position_archive"
    __table_args__ = (UniqueConstraint("storage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the local month's first day
    part: Mapped[int] = mapped_column(Integer)  # 1, 2 … in the order written
    storage_key: Mapped[str] = mapped_column(String(256))
    rows: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (compressed) file
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
