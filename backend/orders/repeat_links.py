"""Repeats (重复投诉): an order or a resident's complaint about the same place and category as an earlier
one within a few days is linked to the latest such earlier item, and flagged for 重复投诉核查督办.

Either end is an order or a complaint (exactly one of each pair of columns is set). Each item is the later
end of at most one link, so the links of a place form a chain, navigable both ways.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.community.models import Category, Complaint
from backend.db import Base, UTCDateTime, utcnow
from backend.orders.models import WorkOrder

# What the squad leader found when checking a repeat (核查), closing its 督办.
FINDINGS = {
    "handled": "核查属实，已处置",  # the problem came back and was dealt with again
    "duplicate": "同一问题重复反映，前件已在处置",  # the same problem reported again while the first is handled
    "not_repeat": "核查非同一问题",  # same place and category, yet another matter
}


class RepeatLink(Base):
    """A later order or complaint that repeats an earlier one (the flag of 重复投诉核查督办)."""

    __tablename__ = "order_repeat"
    __scope__ = ("squad", "squad_id")  # the squad of the later item: the repeat is its to check
    __table_args__ = (
        CheckConstraint("(earlier_order_id IS NULL) <> (earlier_complaint_id IS NULL)", name="one_earlier"),
        CheckConstraint("(later_order_id IS NULL) <> (later_complaint_id IS NULL)", name="one_later"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=32, validate_strings=True))
    earlier_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    earlier_complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    later_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), unique=True)
    later_complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), unique=True)
    distance_m: Mapped[float] = mapped_column(Float)
    later_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # when the later item came in
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 督办 closed by the squad leader with their finding (a key of FINDINGS) and a note; open while NULL
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    finding: Mapped[str | None] = mapped_column(String(16))
    finding_note: Mapped[str | None] = mapped_column(String(500))


# The bounding box a new item's earlier ones are looked up in: category, then place, then time.
Index("ix_work_order_category_lat_lng", WorkOrder.category, WorkOrder.lat, WorkOrder.lng)
Index("ix_complaint_category_lat_lng", Complaint.category, Complaint.lat, Complaint.lng)
