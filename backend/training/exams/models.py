"""Question bank (题库), papers (试卷) and exam attempts."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Authored, DistrictRecord

POINTS = Numeric(7, 2)


class QuestionKind(str, enum.Enum):
    single = "single"  # 单选
    multiple = "multiple"  # 多选
    true_false = "true_false"  # 判断
    fill = "fill"  # 填空


KIND_NAMES = {QuestionKind.single: "单选", QuestionKind.multiple: "多选",
              QuestionKind.true_false: "判断", QuestionKind.fill: "填空"}


class QuestionBank(DistrictRecord, Base):
    """A question bank; the city trainer's (市局题库, for city-wide live classes) has no district and only the
    city's staff see it."""

    __tablename__ = "training_question_bank"

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(DistrictRecord, Base):
    """A question. `answer` is a list: option indices (choice, true/false as [0]=对 [1]=错) or accepted texts (fill).

    `fingerprint` (SHA-256 of the normalised kind, stem and options) is unique among a bank's active
    questions: no duplicates. A question once asked (in an exam attempt or an in-class quiz) is never
    changed: editing it deactivates it and adds the edited version (see bank.edit_question).
    """

    __tablename__ = "training_question"
    __table_args__ = (Index("uq_training_question_active_fingerprint", "bank_id", "fingerprint", unique=True,
                            postgresql_where=text("active"), sqlite_where=text("active")),)

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)  # none: the city's bank
    bank_id: Mapped[int] = mapped_column(ForeignKey("training_question_bank.id"), index=True)
    kind: Mapped[QuestionKind] = mapped_column(Enum(QuestionKind, native_enum=False, length=16,
                                                    validate_strings=True))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)
    answer: Mapped[list] = mapped_column(JSON)
    difficulty: Mapped[int] = mapped_column(Integer)  # 1 (易) … 5 (难)
    explanation: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tag_rows: Mapped[list[QuestionTag]] = relationship(cascade="all, delete-orphan", order_by="QuestionTag.tag")

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class QuestionTag(Base):
    """A knowledge point (知识点) of a question; papers draw by it."""

    __tablename__ = "training_question_tag"

    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id", ondelete="CASCADE"),
                                             primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class PaperMode(str, enum.Enum):
    fixed = "fixed"
    random = "random"


class Paper(DistrictRecord, Authored, Base):
    """A paper trainees take as an exam: fixed questions or drawn per attempt by rules; a city-wide one (the city
    trainer's, no district) asks the city's bank and the officers of every district take it."""

    __tablename__ = "training_paper"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    title: Mapped[str] = mapped_column(String(128))
    mode: Mapped[PaperMode] = mapped_column(Enum(PaperMode, native_enum=False, length=16, validate_strings=True))
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    pass_percent: Mapped[int] = mapped_column(Integer)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    category: Mapped[str] = mapped_column(String(32))
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list[PaperQuestion]] = relationship(order_by="PaperQuestion.position",
                                                          cascade="all, delete-orphan")
    rules: Mapped[list[PaperRule]] = relationship(order_by="PaperRule.id", cascade="all, delete-orphan")


class PaperQuestion(Base):
    __tablename__ = "training_paper_question"

    paper_id: Mapped[int] = mapped_column(ForeignKey("training_paper.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(POINTS)

    question: Mapped[Question] = relationship()


class PaperRule(Base):
    """Draw `count` questions from a bank, optionally of one tag and one difficulty, each worth `points`."""

    __tablename__ = "training_paper_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("training_paper.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("training_question_bank.id"))
    tag: Mapped[str | None] = mapped_column(String(64))
    difficulty: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(POINTS)


class ExamAttemptStatus(str, enum.Enum):
    open = "open"
    submitted = "submitted"  # by the trainee
    expired = "expired"  # closed by the server at the deadline, graded on the answers saved by then


class Attempt(Base):
    __tablename__ = "training_attempt"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("paper_id", "officer_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("training_paper.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ExamAttemptStatus] = mapped_column(Enum(ExamAttemptStatus, native_enum=False, length=16,
                                                       validate_strings=True), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)  # local day of closing
    score: Mapped[Decimal | None] = mapped_column(POINTS)
    max_score: Mapped[Decimal] = mapped_column(POINTS)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    paper: Mapped[Paper] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(order_by="AttemptItem.position", cascade="all, delete-orphan")


class AttemptItem(Base):
    """A question as this attempt shows it: its place, its option order and the trainee's response."""

    __tablename__ = "training_attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    option_order: Mapped[list] = mapped_column(JSON)  # shown option i is original option option_order[i]
    points: Mapped[Decimal] = mapped_column(POINTS)
    response: Mapped[list | None] = mapped_column(JSON)  # original option indices, or texts for fill
    earned: Mapped[Decimal | None] = mapped_column(POINTS)

    question: Mapped[Question] = relationship()
