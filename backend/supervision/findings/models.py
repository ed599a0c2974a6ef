"""Findings against officers and squads, the notices issued on them, and the recipients' rectifications."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Officer, Squad


class Severity(int, enum.Enum):
    minor = 1  # 轻微
    general = 2  # 一般
    serious = 3  # 严重


SEVERITY_NAMES = {Severity.minor: "轻微", Severity.general: "一般", Severity.serious: "严重"}


class NoticeKind(str, enum.Enum):
    inform = "inform"  # 督察告知单
    supervise = "supervise"  # 督办通知单
    decision = "decision"  # 执法监督决定书
    suggestion = "suggestion"  # 执法监督建议书


NOTICE_NAMES = {
    NoticeKind.inform: "督察告知单",
    NoticeKind.supervise: "督办通知单",
    NoticeKind.decision: "执法监督决定书",
    NoticeKind.suggestion: "执法监督建议书",
}
# The abbreviation in a notice's number, e.g. 〔2026〕督告第 3 号.
NOTICE_ABBREVIATIONS = {
    NoticeKind.inform: "督告",
    NoticeKind.supervise: "督办",
    NoticeKind.decision: "监决",
    NoticeKind.suggestion: "监建",
}
SQUAD_ONLY_KINDS = frozenset({NoticeKind.decision, NoticeKind.suggestion})


class NoticeStatus(str, enum.Enum):
    issued = "issued"  # 待整改
    answered = "answered"  # 待验收
    returned = "returned"  # 已退回，重新整改
    accepted = "accepted"  # 已验收


NOTICE_STATUS_NAMES = {
    NoticeStatus.issued: "待整改",
    NoticeStatus.answered: "待验收",
    NoticeStatus.returned: "已退回",
    NoticeStatus.accepted: "已验收",
}


class Finding(Base):
    """督察: a problem a supervisor found with an officer (officer_id set) or a whole squad."""

    __tablename__ = "supervision_finding"
    __scope__ = ("squad", "squad_id")  # officers are further limited to their own (see queries)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    type_code: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer)  # a Severity value
    place: Mapped[str] = mapped_column(String(200))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    found_on: Mapped[date] = mapped_column(Date, index=True)  # local day of found_at: the daily record's day
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    squad: Mapped[Squad] = relationship()
    officer: Mapped[Officer | None] = relationship(foreign_keys=[officer_id])
    supervisor: Mapped[Officer] = relationship(foreign_keys=[supervisor_id])
    evidence: Mapped[list[FindingEvidence]] = relationship(order_by="FindingEvidence.evidence_id",
                                                           cascade="all, delete-orphan")

    @property
    def evidence_ids(self) -> list[int]:
        return [link.evidence_id for link in self.evidence]


class FindingEvidence(Base):
    """A piece of evidence (backend.evidence) attached to a finding."""

    __tablename__ = "supervision_finding_evidence"

    finding_id: Mapped[int] = mapped_column(ForeignKey("supervision_finding.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)


class NoticeCounter(Base):
    """The last number issued per district, kind and year; its row lock keeps numbers gapless."""

    __tablename__ = "supervision_notice_counter"

    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(Enum(NoticeKind, native_enum=False, length=16, validate_strings=True),
                                             primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class Notice(Base):
    """两单两书: a numbered notice with a rectification deadline, to an officer or a squad."""

    __tablename__ = "supervision_notice"
    __scope__ = ("squad", "squad_id")  # officers are further limited to their own (see queries)
    __table_args__ = (
        UniqueConstraint("district_id", "kind", "year", "seq"),
        UniqueConstraint("district_id", "number"),
        CheckConstraint("kind in ('inform', 'supervise') or officer_id is null", name="letters_go_to_squads"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(Enum(NoticeKind, native_enum=False, length=16, validate_strings=True))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_finding.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    problem: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str] = mapped_column(Text)
    rectify_by: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the end of rectify_by, local time
    status: Mapped[NoticeStatus] = mapped_column(
        Enum(NoticeStatus, native_enum=False, length=16, validate_strings=True), default=NoticeStatus.issued,
        index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    squad: Mapped[Squad] = relationship()
    officer: Mapped[Officer | None] = relationship(foreign_keys=[officer_id])
    issued_by: Mapped[Officer] = relationship(foreign_keys=[issued_by_id])
    finding: Mapped[Finding | None] = relationship()
    rectifications: Mapped[list[Rectification]] = relationship(back_populates="notice",
                                                               order_by="Rectification.id")


class Rectification(Base):
    """The recipient's answer to a notice, and the supervisor's review of it."""

    __tablename__ = "supervision_rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("supervision_notice.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))  # accepted | returned; null while waiting
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(String(500))

    notice: Mapped[Notice] = relationship(back_populates="rectifications")
    submitted_by: Mapped[Officer] = relationship(foreign_keys=[submitted_by_id])
    evidence: Mapped[list[RectificationEvidence]] = relationship(order_by="RectificationEvidence.evidence_id",
                                                                 cascade="all, delete-orphan")

    @property
    def evidence_ids(self) -> list[int]:
        return [link.evidence_id for link in self.evidence]


class RectificationEvidence(Base):
    """A piece of evidence (backend.evidence) attached to a rectification."""

    __tablename__ = "supervision_rectification_evidence"

    rectification_id: Mapped[int] = mapped_column(ForeignKey("supervision_rectification.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
