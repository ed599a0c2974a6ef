"""Cases imported from the case-handling system, their timeliness flags and the warnings sent."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Officer, Squad


class FlagKind(str, enum.Enum):
    registration_overdue = "registration_overdue"  # 立案超期
    handling_overdue = "handling_overdue"  # 办案超期
    arbitrary_withdrawal = "arbitrary_withdrawal"  # 随意撤案
    arbitrary_revocation = "arbitrary_revocation"  # 随意撤销处罚


FLAG_NAMES = {
    FlagKind.registration_overdue: "立案超期",
    FlagKind.handling_overdue: "办案超期",
    FlagKind.arbitrary_withdrawal: "随意撤案",
    FlagKind.arbitrary_revocation: "随意撤销处罚",
}


class Case(Base):
    """A case as the case-handling system reports it; re-imports update it by its number."""

    __tablename__ = "case_record"
    __scope__ = ("officer", "officer_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    discovered_on: Mapped[date] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    withdrawal_approved_by: Mapped[str | None] = mapped_column(String(64))
    penalty_revoked_on: Mapped[date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    revocation_approved_by: Mapped[str | None] = mapped_column(String(64))
    registration_due_on: Mapped[date] = mapped_column(Date, index=True)
    handling_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    squad: Mapped[Squad] = relationship()
    officer: Mapped[Officer] = relationship()
    flags: Mapped[list[CaseFlag]] = relationship(back_populates="case", order_by="CaseFlag.id",
                                                 cascade="all, delete-orphan")


class CaseFlag(Base):
    """One of the two overdues and two arbitraries found on a case, dated the day it happened."""

    __tablename__ = "case_flag"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(Enum(FlagKind, native_enum=False, length=32, validate_strings=True))
    day: Mapped[date] = mapped_column(Date, index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="flags")


class CaseWarning(Base):
    """A deadline warning sent for a case (registration/handling, before/overdue); unique per case and kind."""

    __tablename__ = "case_warning"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # (registration | handling)_(due | overdue)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer)
