"""Residents' complaints to community offices, their timeline, photos, deadlines and warnings."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import CommunityOffice, DistrictRecord, Officer, Squad


class Category(str, enum.Enum):
    street_vending = "street_vending"  # 无序设摊
    shop_overflow = "shop_overflow"  # 跨门营业
    road_obstruction = "road_obstruction"  # 占道堆物
    illegal_building = "illegal_building"  # 违法搭建
    group_renting = "group_renting"  # 群租
    waste_sorting = "waste_sorting"  # 垃圾分类
    noise = "noise"  # 噪声扰民
    muck_dumping = "muck_dumping"  # 渣土偷倒
    illegal_advertising = "illegal_advertising"  # 违法广告
    other = "other"  # 其他


CATEGORY_NAMES = {
    Category.street_vending: "无序设摊",
    Category.shop_overflow: "跨门营业",
    Category.road_obstruction: "占道堆物",
    Category.illegal_building: "违法搭建",
    Category.group_renting: "群租",
    Category.waste_sorting: "垃圾分类",
    Category.noise: "噪声扰民",
    Category.muck_dumping: "渣土偷倒",
    Category.illegal_advertising: "违法广告",
    Category.other: "其他",
}


class Status(str, enum.Enum):
    submitted = "submitted"
    accepted = "accepted"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    transferred = "transferred"


STATUS_NAMES = {
    Status.submitted: "已提交",
    Status.accepted: "已受理",
    Status.assigned: "已派单",
    Status.in_progress: "处理中",
    Status.resolved: "已办结",
    Status.closed: "已结案",
    Status.rejected: "不予受理",
    Status.transferred: "已转办",
}


class OfficeQrCode(Base):
    """The current version of an office's QR code; regenerating bumps it and voids the old prints."""

    __tablename__ = "community_office_qr"
    __scope__ = ("squad", "squad_id")

    office_id: Mapped[int] = mapped_column(ForeignKey("community_office.id"), primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    regenerated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    regenerated_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))


class Complaint(Base):
    """诉件: what a resident reported at a community office, and where its handling stands."""

    __tablename__ = "complaint"
    __scope__ = ("squad", "squad_id", "assignee_id")  # a resident's details: an officer sees those assigned to them
    __table_args__ = (CheckConstraint("rating is null or (rating between 1 and 5)", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("community_office.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=32, validate_strings=True))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    coord_system: Mapped[str | None] = mapped_column(String(8))
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=16, validate_strings=True),
                                           default=Status.submitted, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    reports: Mapped[int] = mapped_column(Integer, default=1)  # residents who reported it: 1 + its linked reports
    # A problem reported again after this complaint was finished: the earlier complaint, for the squad's eyes.
    recurrence_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    accept_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    office: Mapped[CommunityOffice] = relationship()
    squad: Mapped[Squad] = relationship()
    assignee: Mapped[Officer | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[ComplaintEvent]] = relationship(back_populates="complaint",
                                                        order_by="ComplaintEvent.id")
    photos: Mapped[list[ComplaintPhoto]] = relationship(back_populates="complaint",  # its linked reports' too
                                                        order_by="ComplaintPhoto.id")
    linked_reports: Mapped[list[ComplaintReport]] = relationship(back_populates="complaint",
                                                                 order_by="ComplaintReport.id")
    recurrence_of: Mapped[Complaint | None] = relationship(remote_side=[id])


class ComplaintReport(Base):
    """Another resident's report of a complaint still being handled (a duplicate), linked to it.

    The reporter gets a tracking code of their own and follows the complaint's handling (status, public
    timeline, replies); their words, phone, photos and rating are theirs and never shown on another report.
    """

    __tablename__ = "complaint_report"
    __table_args__ = (CheckConstraint("rating is null or (rating between 1 and 5)", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(128))
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    complaint: Mapped[Complaint] = relationship(back_populates="linked_reports")
    photos: Mapped[list[ComplaintPhoto]] = relationship(order_by="ComplaintPhoto.id", viewonly=True)

    # Where it was reported, what kind of problem, how far its handling has got: its complaint's.
    office = property(lambda self: self.complaint.office)
    category = property(lambda self: self.complaint.category)
    status = property(lambda self: self.complaint.status)


class ComplaintEvent(Base):
    """One step of a complaint's timeline; `note` is what the resident reads, `actor_id` stays internal."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))  # a Status value, or reply / evidence / duplicate / rated
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=16, validate_strings=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[Officer | None] = relationship()


class ComplaintPhoto(Base):
    """A photo the resident sent with the complaint (officers' photos are evidence records)."""

    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_report.id"), index=True)  # a linked report's
    storage_key: Mapped[str] = mapped_column(String(128), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="photos")


class CategoryDeadline(DistrictRecord, Base):
    """A district's deadlines for one category (the defaults in `deadlines.py` apply without a row)."""

    __tablename__ = "complaint_deadline"
    __table_args__ = (UniqueConstraint("district_id", "category"),)

    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=32, validate_strings=True))
    accept_hours: Mapped[int] = mapped_column(Integer)
    resolve_days: Mapped[int] = mapped_column(Integer)


class OverdueWarning(Base):
    """An overdue warning sent for one complaint and stage; the unique pair makes the job idempotent."""

    __tablename__ = "complaint_overdue_warning"
    __table_args__ = (UniqueConstraint("complaint_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    stage: Mapped[str] = mapped_column(String(8))  # accept | resolve
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer)


class RateCounter(Base):
    """Submissions counted for one rate-limit key in its current fixed window, shared by every process."""

    __tablename__ = "community_rate_counter"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer)  # seconds since the epoch
    hits: Mapped[int] = mapped_column(Integer)
