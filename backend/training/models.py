"""Training: libraries, plans, credit requirements, live classes with attendance, in-class quizzes.

The question bank and exams live in `exams/models.py`, drills in `drills/models.py`. Every credit source names a
credit category (a code such as "online") and hours, so issue 9's drills add one more source without a change here.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Authored, DistrictRecord, Officer, Role
from backend.training.exams.models import Question  # one metadata: importing these models imports both

HOURS = Numeric(6, 1)


class Teacher(DistrictRecord, Base):
    """师资库: an in-house or outside teacher; a city-wide one (the city trainer's) has no district and every district
    sees it and names it on its courses and classes."""

    __tablename__ = "training_teacher"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(64))  # 职称 / 职务
    organisation: Mapped[str | None] = mapped_column(String(128))
    specialty: Mapped[str | None] = mapped_column(String(256))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))  # when the teacher is one of us
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Course(DistrictRecord, Base):
    """课程库: a course with its credit category and hours; a city-wide one (全市课程, the city trainer's) has no
    district and every district sees it (backend/org/scope.py)."""

    __tablename__ = "training_course"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    title: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    credit_hours: Mapped[Decimal] = mapped_column(HOURS)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("training_teacher.id"))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teacher: Mapped[Teacher | None] = relationship()
    materials: Mapped[list[CourseMaterial]] = relationship(order_by="CourseMaterial.id", cascade="all, delete-orphan")


class CourseMaterial(Base):
    """A course material: a link (video, document on the intranet) or a stored file."""

    __tablename__ = "training_course_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(1024))
    file_key: Mapped[str | None] = mapped_column(String(256), index=True)
    content_type: Mapped[str | None] = mapped_column(String(128))


class CourseCompletion(Base):
    """An officer completed a course (recorded by the trainer); counts once per course."""

    __tablename__ = "training_course_completion"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("course_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()


class TrainingPlan(DistrictRecord, Base):
    """A mandatory plan: these courses, this year, for everyone of a role (or everyone); a city-wide one (the city
    trainer's, no district) binds the officers of every district, and its courses are city-wide."""

    __tablename__ = "training_plan"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role | None] = mapped_column(Enum(Role, native_enum=False, length=20, validate_strings=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    courses: Mapped[list[Course]] = relationship(secondary="training_plan_course", order_by="Course.id")


class TrainingPlanCourse(Base):
    __tablename__ = "training_plan_course"

    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plan.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), primary_key=True)


class CreditRequirement(Base):
    """A yearly requirement in one credit category (default "60+24", see config): a district's, or the city's (no
    district; the city trainer's), which every district's officers must meet as well (backend/training/credits.py)."""

    __tablename__ = "training_credit_requirement"
    __scope__ = ("district", "district_id")
    __city_wide__ = True
    __table_args__ = (UniqueConstraint("district_id", "year", "category"),
                      Index("uq_training_credit_requirement_city_year_category", "year", "category", unique=True,
                            postgresql_where=text("district_id IS NULL"), sqlite_where=text("district_id IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    hours: Mapped[Decimal] = mapped_column(HOURS)


class LiveClass(DistrictRecord, Authored, Base):
    """直播课 in a smart classroom: a scheduled session with a stream from the streaming service; a city-wide one
    (全市直播课) has no district, and the officers of every district join it and answer its quizzes."""

    __tablename__ = "training_live_class"
    __city_wide__ = True

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    title: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_course.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("training_teacher.id"))
    classroom: Mapped[str] = mapped_column(String(128))
    stream_url: Mapped[str | None] = mapped_column(String(1024))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held_on: Mapped[date] = mapped_column(Date, index=True)  # local day of the start
    category: Mapped[str] = mapped_column(String(32))
    credit_hours: Mapped[Decimal] = mapped_column(HOURS)
    min_presence_percent: Mapped[int] = mapped_column(Integer)

    teacher: Mapped[Teacher | None] = relationship()

    @property
    def duration_seconds(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())


class Attendance(Base):
    """One trainee in one live class; `presence_seconds` is recomputed from the intervals on every signal."""

    __tablename__ = "training_attendance"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("live_class_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_class_id: Mapped[int] = mapped_column(ForeignKey("training_live_class.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    presence_seconds: Mapped[int] = mapped_column(Integer, default=0)
    credited: Mapped[bool] = mapped_column(default=False)  # presence reached the class's share

    live_class: Mapped[LiveClass] = relationship()
    officer: Mapped[Officer] = relationship()
    intervals: Mapped[list[PresenceInterval]] = relationship(order_by="PresenceInterval.id",
                                                             cascade="all, delete-orphan")


class PresenceInterval(Base):
    """A stretch of continuous presence: from a join (or the first signal after a gap) to the last signal."""

    __tablename__ = "training_presence_interval"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("training_attendance.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(default=False)  # ended by a leave


class LiveQuiz(Base):
    """随堂测验: one question pushed to everyone in a live class, open for a time window."""

    __tablename__ = "training_live_quiz"
    __scope__ = ("district", "district_id")
    __city_wide__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))  # none: a city-wide class's
    live_class_id: Mapped[int] = mapped_column(ForeignKey("training_live_class.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship()


class LiveQuizAnswer(Base):
    """A trainee's one answer to an in-class quiz (the unique key makes a second one impossible)."""

    __tablename__ = "training_live_quiz_answer"
    __table_args__ = (UniqueConstraint("quiz_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("training_live_quiz.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    response: Mapped[list] = mapped_column(JSON)  # correctness is the question's to say (it never changes once asked)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
