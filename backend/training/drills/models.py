"""Drills (实战模拟): scenario drills, gesture drills, trainers' reference gestures and trainees' attempts."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Authored, DistrictRecord, Officer
from backend.training.models import HOURS


class DrillKind(str, enum.Enum):
    scenario = "scenario"  # a branching procedure: the trainee picks an action at each step
    gesture = "gesture"  # a standard gesture or posture, scored from photos


class DrillAttemptStatus(str, enum.Enum):
    scored = "scored"
    retake = "retake"  # a joint was not visible: no score, the trainee takes the photo again


class ReferenceGesture(DistrictRecord, Authored, Base):
    """A reference gesture beside the standard ones: target joint angles with tolerances. A district's own, or the
    city's (no district; the city trainer's), which every district reads and uses in its drills."""

    __tablename__ = "training_gesture"
    __city_wide__ = True
    __table_args__ = (UniqueConstraint("district_id", "code"),
                      Index("uq_training_gesture_city_code", "code", unique=True,
                            postgresql_where=text("district_id IS NULL"), sqlite_where=text("district_id IS NULL")))

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    joints: Mapped[dict] = mapped_column(JSON)  # {"right_elbow": {"angle": 40, "tolerance": 20}, …}
    captured_from_photo: Mapped[bool] = mapped_column(default=False)


class Drill(DistrictRecord, Authored, Base):
    """实战模拟: a scenario (procedure as data) or a gesture drill, with the credit it earns when passed; a city-wide
    one (the city trainer's, no district) is every district's officers' to take, of the standard and the city's
    reference gestures only."""

    __tablename__ = "training_drill"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[DrillKind] = mapped_column(Enum(DrillKind, native_enum=False, length=16, validate_strings=True))
    scenario: Mapped[dict | None] = mapped_column(JSON)  # {"start", "steps", "standard"}: see operations.py
    gesture_code: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    credit_hours: Mapped[Decimal] = mapped_column(HOURS)
    pass_score: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DrillAttempt(Base):
    """One trainee's attempt at a drill, optionally during a live class (for the big screen's leaderboard)."""

    __tablename__ = "training_drill_attempt"
    __scope__ = ("officer", "officer_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("training_drill.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    live_class_id: Mapped[int | None] = mapped_column(ForeignKey("training_live_class.id"), index=True)
    status: Mapped[DrillAttemptStatus] = mapped_column(Enum(DrillAttemptStatus, native_enum=False, length=16,
                                                       validate_strings=True))
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(default=False)
    path: Mapped[list | None] = mapped_column(JSON)  # scenario: the choice keys taken, step by step
    result: Mapped[dict] = mapped_column(JSON)  # feedback (Chinese) and per-step or per-joint details
    image_key: Mapped[str | None] = mapped_column(String(256), index=True)  # gesture: the annotated photo in storage
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_on: Mapped[date] = mapped_column(Date, index=True)  # local day, for daily records and credit

    drill: Mapped[Drill] = relationship()
    officer: Mapped[Officer] = relationship()
