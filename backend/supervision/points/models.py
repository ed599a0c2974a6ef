"""Daily records, manual items, scoring rules, monthly points with their lines and adjustments."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Officer

Quantity = Numeric(12, 3)  # a count, minutes or kilometres: exact decimals, never floats
Points = Numeric(8, 2)


class DailyItem(Base):
    """日记实: one officer's quantity of one item on one day from one source, rebuilt per day."""

    __tablename__ = "points_daily_item"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (
        UniqueConstraint("day", "officer_id", "item", "source"),
        Index("ix_points_daily_item_officer_day", "officer_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    item: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    source: Mapped[str] = mapped_column(String(32))  # the registered source that produced it
    source_ref: Mapped[str] = mapped_column(String(256))  # which source rows, readable
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ManualItem(Base):
    """An item a leader records by hand (a commendation, cases handled in the case system)."""

    __tablename__ = "points_manual_item"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    item: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    note: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoringRule(Base):
    """积分规则: one version of an item's points per unit and monthly cap, from a month on.

    `district_id` NULL is the city-wide default; a district's own version of an item wins over it.
    """

    __tablename__ = "points_scoring_rule"
    __scope__ = ("district", "district_id")
    __table_args__ = (
        UniqueConstraint("district_id", "item", "effective_from"),
        CheckConstraint("monthly_cap is null or monthly_cap >= 0", name="cap_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    points_per_unit: Mapped[Decimal] = mapped_column(Points)
    monthly_cap: Mapped[Decimal | None] = mapped_column(Points)  # bound on |points| of the item in a month
    effective_from: Mapped[date] = mapped_column(Date)  # always the first day of a month
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Parameter(Base):
    """考核参数: a district's own value of a points parameter (POINTS_MONTHLY_BASE …), from a month on.

    Without a row of its own a district computes with the deployment's setting, the example default; a new
    version applies from its month on to sheets not yet published (published and locked months keep theirs)."""

    __tablename__ = "points_parameter"
    __scope__ = ("district", "district_id")
    __table_args__ = (UniqueConstraint("district_id", "name", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))  # as the setting's text, validated as its type
    effective_from: Mapped[date] = mapped_column(Date)  # always the first day of a month
    created_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SheetState(str, enum.Enum):
    draft = "draft"
    reviewed = "reviewed"
    published = "published"
    locked = "locked"


STATE_NAMES = {SheetState.draft: "草稿", SheetState.reviewed: "已审核", SheetState.published: "已公布",
               SheetState.locked: "已锁定"}


class MonthlyPoints(Base):
    """月计分: one officer's month: base + capped item points + adjustments.

    A draft's lines are derived from its daily records when read; they are stored (MonthlyLine) when
    the leader reviews the sheet, and removed again if it goes back to draft."""

    __tablename__ = "points_monthly"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (
        UniqueConstraint("officer_id", "month"),
        Index("ix_points_monthly_month_squad", "month", "squad_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"))  # the officer's squad when computed
    state: Mapped[SheetState] = mapped_column(Enum(SheetState, native_enum=False, length=16, validate_strings=True),
                                              default=SheetState.draft)
    base: Mapped[Decimal] = mapped_column(Points)
    items_total: Mapped[Decimal] = mapped_column(Points)
    adjustments_total: Mapped[Decimal] = mapped_column(Points, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Points)
    deductions: Mapped[Decimal] = mapped_column(Points)  # Σ negative item points (the year's tie-break)
    lines_digest: Mapped[str | None] = mapped_column(String(32))  # of the lines last scored (scoring.lines_digest)
    version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])
    adjustments: Mapped[list[Adjustment]] = relationship(order_by="Adjustment.id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # a concurrent write fails instead of overwriting


class MonthlyLine(Base):
    """One item of a reviewed, published or locked month: the summed quantity, the rule applied and
    the capped points, as the leader reviewed them."""

    __tablename__ = "points_monthly_line"
    __table_args__ = (UniqueConstraint("monthly_points_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monthly_points_id: Mapped[int] = mapped_column(ForeignKey("points_monthly.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_scoring_rule.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    points_per_unit: Mapped[Decimal] = mapped_column(Points)
    monthly_cap: Mapped[Decimal | None] = mapped_column(Points)
    raw_points: Mapped[Decimal] = mapped_column(Points)
    points: Mapped[Decimal] = mapped_column(Points)


class Adjustment(Base):
    """A leader's adjustment with its reason, or a correction carried over from a locked month."""

    __tablename__ = "points_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    monthly_points_id: Mapped[int] = mapped_column(ForeignKey("points_monthly.id"), index=True)
    points: Mapped[Decimal] = mapped_column(Points)
    reason: Mapped[str] = mapped_column(String(200))
    corrects_month: Mapped[date | None] = mapped_column(Date)  # set on corrections of a locked month
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))  # None: the system
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppraisalState(str, enum.Enum):
    draft = "draft"
    confirmed = "confirmed"


class QuarterlyEvaluation(Base):
    """季评价: the quarter's mean monthly total plus the leader's rating, graded."""

    __tablename__ = "points_quarterly"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("officer_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    quarter: Mapped[date] = mapped_column(Date)  # the first day of the quarter
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"), index=True)
    months: Mapped[int] = mapped_column(Integer)  # how many month sheets the average is over
    months_final: Mapped[int] = mapped_column(Integer)  # how many of them are locked (confirmable when all are)
    points_average: Mapped[Decimal] = mapped_column(Points)
    rating: Mapped[str | None] = mapped_column(String(16))  # the leader's: excellent | good | fair | poor
    score: Mapped[Decimal] = mapped_column(Points)
    grade: Mapped[str] = mapped_column(String(8))
    state: Mapped[AppraisalState] = mapped_column(
        Enum(AppraisalState, native_enum=False, length=16, validate_strings=True), default=AppraisalState.draft)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])


class YearlyAppraisal(Base):
    """年考核: the year's mean quarterly score, ranked in the squad, graded 优秀 … 不称职."""

    __tablename__ = "points_yearly"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("officer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    year: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"), index=True)
    quarters: Mapped[int] = mapped_column(Integer)
    quarters_final: Mapped[int] = mapped_column(Integer)  # how many of them are confirmed (confirmable when all are)
    score: Mapped[Decimal] = mapped_column(Points)
    deductions: Mapped[Decimal] = mapped_column(Points)  # Σ negative item points of the year (tie-break)
    rank: Mapped[int] = mapped_column(Integer)  # in the squad, by the tie-break rule
    grade: Mapped[str] = mapped_column(String(24))  # excellent | competent | basically_competent | incompetent
    state: Mapped[AppraisalState] = mapped_column(
        Enum(AppraisalState, native_enum=False, length=16, validate_strings=True), default=AppraisalState.draft)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])
