"""Regulated objects (执法对象), their kinds, risk grades with their history, and the grades' frequency rules."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.evidence.models import Evidence
from backend.org.models import Authored, DistrictRecord, Officer, Squad


class Grade(str, enum.Enum):
    high = "high"
    medium = "medium"
    low = "low"


GRADE_NAMES = {Grade.high: "高风险", Grade.medium: "中风险", Grade.low: "低风险"}
GRADE_COLUMN = Enum(Grade, native_enum=False, length=8, validate_strings=True)


class ObjectKind(DistrictRecord, Base):
    """A kind of regulated object (沿街商户, 建筑工地 …): data each district keeps."""

    __tablename__ = "inspection_object_kind"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    checklist: Mapped[list] = mapped_column(JSON, default=list)  # 标准化检查表单: [{item, basis, judge}]


class RegulatedObject(Base):
    """One regulated object: who it is, where, whom to contact (encrypted) and who answers for it."""

    __tablename__ = "inspection_object"
    __scope__ = ("squad", "squad_id")
    __table_args__ = (UniqueConstraint("district_id", "credit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("inspection_object_kind.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str] = mapped_column(String(18))
    licence_numbers: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    contact_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)  # {"name", "phone"} as JSON, encrypted
    contact_masked: Mapped[str | None] = mapped_column(String(40))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    grid_cell: Mapped[str | None] = mapped_column(String(32))
    grade: Mapped[Grade] = mapped_column(GRADE_COLUMN, index=True)
    # its coordinates lay outside the district's boundary when that was set (boundary.py); cleared when it is moved
    # inside or the boundary is removed
    outside_boundary: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    kind: Mapped[ObjectKind] = relationship()
    squad: Mapped[Squad] = relationship()


class GradeChange(Base):
    """One change of an object's risk grade and why (the first is its grade on registration)."""

    __tablename__ = "inspection_grade_change"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id", ondelete="CASCADE"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)  # the object's, at the change
    grade_from: Mapped[Grade | None] = mapped_column(GRADE_COLUMN)
    grade_to: Mapped[Grade] = mapped_column(GRADE_COLUMN)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))  # none: the grade rules did it
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeRule(DistrictRecord, Authored, Base):
    """One version of how often a grade is inspected (once every `interval_months`), from a day on.

    The district's own versions; without one, the example default of INSPECTIONS_GRADE_INTERVAL_MONTHS applies.
    """

    __tablename__ = "inspection_grade_rule"
    __table_args__ = (UniqueConstraint("district_id", "grade", "effective_from"),
                      CheckConstraint("interval_months between 1 and 60", name="interval_in_range"))

    grade: Mapped[Grade] = mapped_column(GRADE_COLUMN)
    interval_months: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)


class InspectorEntry(DistrictRecord, Authored, Base):
    """The inspector registry (执法检查人员名录库): who may be drawn, on what certificate, from when until when."""

    __tablename__ = "inspection_inspector"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), unique=True)
    certificate_no: Mapped[str] = mapped_column(String(32))  # 执法证号
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)

    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])


class DistrictBoundary(DistrictRecord, Authored, Base):
    """A district's boundary (区界) as its administrator set it: a polygon in GCJ-02; an object's coordinates outside
    it are refused (without one, only Shanghai's extent is checked), and objects already outside when it is set are
    flagged. Set again, it is replaced (and audited); removed, the flags are cleared."""

    __tablename__ = "inspection_district_boundary"
    __table_args__ = (UniqueConstraint("district_id"),)

    points: Mapped[list] = mapped_column(JSON)  # [[lat, lng], …] in GCJ-02, the ring not repeating its first corner
    note: Mapped[str] = mapped_column(String(200), default="")  # where it comes from (测绘成果, 示例 …)
    example: Mapped[bool] = mapped_column(default=False)  # an example (the demo's), not the district's real one


class ScoringRule(DistrictRecord, Authored, Base):
    """One version of the grade rules (评级规则): what each kind of event about an object weighs, the score that
    moves its grade up or down, the window counted and the months without incident that lower it."""

    __tablename__ = "inspection_scoring_rule"
    __table_args__ = (UniqueConstraint("district_id", "effective_from"),)

    terms: Mapped[dict] = mapped_column(JSON)  # the keys of backend.inspections.scoring.TERMS -> int
    effective_from: Mapped[date] = mapped_column(Date)


class Exclusion(DistrictRecord, Authored, Base):
    """A conflict of interest (利害关系): this officer is never drawn to inspect this object."""

    __tablename__ = "inspection_exclusion"
    __table_args__ = (UniqueConstraint("officer_id", "object_id"),)

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(200))


class Plan(DistrictRecord, Authored, Base):
    """An inspection plan (检查计划): which objects (kinds, squads, grades; empty means all) over which months."""

    __tablename__ = "inspection_plan"

    name: Mapped[str] = mapped_column(String(128))
    first_month: Mapped[date] = mapped_column(Date)  # the first day of the plan's first month
    months: Mapped[int] = mapped_column(Integer)
    kind_ids: Mapped[list] = mapped_column(JSON, default=list)
    squad_ids: Mapped[list] = mapped_column(JSON, default=list)
    grades: Mapped[list] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Draw(DistrictRecord, Base):
    """One 双随机 draw of a plan: its seed and every input, so that anyone can run it again; a re-draw keeps it
    (superseded, with the reason of the new one)."""

    __tablename__ = "inspection_draw"

    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict] = mapped_column(JSON, deferred=True)  # read only to download or verify it
    inputs_sha256: Mapped[str | None] = mapped_column(String(64))  # of plans.canonical(inputs)
    tally: Mapped[dict | None] = mapped_column(JSON)  # plans.tally: how many objects, inspectors … and inspections
    reason: Mapped[str | None] = mapped_column(String(500))  # why it replaced the one before
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    inspections: Mapped[list[Inspection]] = relationship(back_populates="draw", order_by="Inspection.id")


class InspectionStatus(str, enum.Enum):
    due = "due"
    done = "done"
    cancelled = "cancelled"  # its draw was replaced


class Inspection(Base):
    """One drawn inspection: an object, its two inspectors, and once done the result and the checklist."""

    __tablename__ = "inspection"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("inspection_draw.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)  # the object's
    inspector_ids: Mapped[list] = mapped_column(JSON)  # the two drawn officers
    status: Mapped[InspectionStatus] = mapped_column(
        Enum(InspectionStatus, native_enum=False, length=10, validate_strings=True))
    passed: Mapped[bool | None] = mapped_column()
    checklist: Mapped[list | None] = mapped_column(JSON)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the last day it is to be done: see plans.due_days; a re-inspection's is its rectification deadline
    due_on: Mapped[date] = mapped_column(Date, index=True)
    rectify_by: Mapped[date | None] = mapped_column(Date)  # a failed one: the rectification deadline (整改期限)
    # a re-inspection (复查) of a failed one, due on its rectification deadline, by the same inspectors
    reinspection_of_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)

    draw: Mapped[Draw] = relationship(back_populates="inspections")
    object: Mapped[RegulatedObject] = relationship()
    photos: Mapped[list[InspectionPhoto]] = relationship(order_by="InspectionPhoto.id")
    assignments: Mapped[list[Assignment]] = relationship()
    reinspection: Mapped[Inspection | None] = relationship(remote_side="Inspection.reinspection_of_id",
                                                           uselist=False, viewonly=True)


class Assignment(Base):
    """An inspector drawn for an inspection (the rows of its inspector_ids): what "my inspections" reads, whatever
    squad the object is in."""

    __tablename__ = "inspection_assignment"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), primary_key=True, index=True)


class InspectionPhoto(Base):
    """A photo of a checklist item, taken on site by a drawn inspector: the photo itself is evidence
    (backend/evidence: the inspector's hash chain, its custody log, subject = the inspection), this row says
    which item of the inspection it shows."""

    __tablename__ = "inspection_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item: Mapped[str] = mapped_column(String(200))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), unique=True)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evidence: Mapped[Evidence] = relationship()


class InspectionCase(Base):
    """A case opened (立案) from a failed inspection, where the kind's checklist says a failed item opens one."""

    __tablename__ = "inspection_case"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), unique=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    items: Mapped[list] = mapped_column(JSON)  # [{item, basis, note}] of the failed items that open a case
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditPenalty(Base):
    """A credit penalty (信用惩戒) on an object: it raises the object's risk one grade until it is repaired."""

    __tablename__ = "inspection_credit_penalty"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_object.id", ondelete="CASCADE"), index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)  # the object's
    reason: Mapped[str] = mapped_column(String(500))
    decided_on: Mapped[date] = mapped_column(Date)  # the day of the decision that imposed it
    raised_to: Mapped[Grade | None] = mapped_column(GRADE_COLUMN)  # the grade it raised the object to, if it did
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    repairs: Mapped[list[CreditRepair]] = relationship(back_populates="penalty", order_by="CreditRepair.id")


class RepairStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class CreditRepair(Base):
    """An application for credit repair (信用修复) of a penalty, and its approval by someone else."""

    __tablename__ = "inspection_credit_repair"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    penalty_id: Mapped[int] = mapped_column(ForeignKey("inspection_credit_penalty.id", ondelete="CASCADE"),
                                            index=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))  # what the business did to put it right
    status: Mapped[RepairStatus] = mapped_column(
        Enum(RepairStatus, native_enum=False, length=10, validate_strings=True), default=RepairStatus.pending)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))

    penalty: Mapped[CreditPenalty] = relationship(back_populates="repairs")
