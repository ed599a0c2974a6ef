"""What changes the libraries: teachers, courses, completions, mandatory plans, credit requirements."""
from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select

from backend.db import session
from backend.errors import Conflict, Invalid, NotFound
from backend.files import store
from backend.org.models import Officer, Role
from backend.org.queries import people
from backend.org.roles import CREDIT_REQUIREMENT_SETTERS, require
from backend.org.scope import get_visible
from backend.storage import get_storage
from backend.training.common import check_category, named_teacher, require_author, require_city_wide
from backend.training.models import (
    Course,
    CourseCompletion,
    CourseMaterial,
    CreditRequirement,
    Teacher,
    TrainingPlan,
)


def create_teacher(actor: Officer, *, name: str, title: str | None = None, organisation: str | None = None,
                   specialty: str | None = None, officer_id: int | None = None) -> Teacher:
    """A teacher of the actor's district's library, or of the city's (no district) when the city trainer adds one."""
    require_author(actor)
    if officer_id is not None:
        _teacher_officer(actor, officer_id)
    teacher = Teacher(district_id=actor.district_id, name=name, title=title, organisation=organisation,
                      specialty=specialty, officer_id=officer_id)
    session.add(teacher)
    session.flush()
    return teacher


def _teacher_officer(actor: Officer, officer_id: int) -> None:
    """A teacher who is one of us is an officer of the actor's district, or of any district for a city-wide teacher
    (else refused beside the field)."""
    officer = select(Officer.id).where(Officer.id == officer_id, people())
    if actor.district_id is not None:
        officer = officer.where(Officer.district_id == actor.district_id)
    if session.scalar(officer) is None:
        raise Invalid("该人员不存在或不在本区", code="unknown_officer",
                      errors={"officer_id": ["人员不存在或不在本区。"]})


TEACHER_FIELDS = ("name", "title", "organisation", "specialty", "officer_id")


def update_teacher(actor: Officer, teacher_id: int, **changes) -> Teacher:
    """Change a teacher of the library (name, title, organisation, specialty, the officer they are): a district's
    by its training staff, a city-wide one by the city trainer."""
    require_author(actor)
    teacher = get_visible(Teacher, teacher_id, actor, what="教师")
    require_author(actor, teacher)
    if changes.get("officer_id") is not None:
        _teacher_officer(actor, changes["officer_id"])
    for name in TEACHER_FIELDS:
        if name in changes:
            setattr(teacher, name, changes[name])
    session.flush()
    return teacher


def create_course(actor: Officer, *, title: str, category: str, credit_hours: Decimal,
                  teacher_id: int | None = None, description: str | None = None,
                  materials: list[dict] = ()) -> Course:
    """A course of the actor's district, or a city-wide one (no district) when the city trainer adds it."""
    require_author(actor)
    check_category(actor.district_id, category)
    _check_material_count(len(materials))
    if teacher_id is not None:
        named_teacher(actor, teacher_id)
    course = Course(district_id=actor.district_id, title=title, category=category, credit_hours=credit_hours,
                    teacher_id=teacher_id, description=description)
    course.materials = [CourseMaterial(title=m["title"], url=m["url"]) for m in materials]
    session.add(course)
    session.flush()
    return course


COURSE_FIELDS = ("title", "category", "credit_hours", "teacher_id", "description")


def update_course(actor: Officer, course_id: int, **changes) -> Course:
    """Change a course's title, teacher, description; its category and credit hours only while nobody has
    completed it (the hours counted are the course's own, read when the credits are: a change would rewrite
    credit hours already earned)."""
    require_author(actor)
    course = get_visible(Course, course_id, actor, what="课程")
    require_author(actor, course)
    counted = {name for name in ("category", "credit_hours") if name in changes
               and changes[name] != getattr(course, name)}
    if counted and session.scalar(select(CourseCompletion.id).where(CourseCompletion.course_id == course.id)
                                  .limit(1)) is not None:
        raise Conflict("已有人员完成该课程，学时类别和学时不能再改（可另建课程）", code="course_has_completions",
                       errors={name: ["已有人员完成，不能修改。"] for name in sorted(counted)})
    if "category" in counted:
        check_category(course.district_id, changes["category"])
    if changes.get("teacher_id") is not None:
        named_teacher(actor, changes["teacher_id"])
    for name in COURSE_FIELDS:
        if name in changes:
            setattr(course, name, changes[name])
    session.flush()
    return course


MAX_MATERIAL_BYTES = 200 * 1024 * 1024
# Materials per course: a course is a lesson's slides, handouts and recordings, not a library; a city-wide
# course is opened by every district, so its list stays one screen. An example default of ours.
MAX_MATERIALS = 100


def _check_material_count(count: int, error: type[Invalid] | type[Conflict] = Invalid) -> None:
    if count > MAX_MATERIALS:
        raise error(f"每门课程最多 {MAX_MATERIALS} 份资料", code="too_many_materials",
                       errors={"materials": [f"最多 {MAX_MATERIALS} 份。"]})


def add_material_file(actor: Officer, course_id: int, *, title: str, data: bytes, content_type: str) -> CourseMaterial:
    """Store an uploaded material (slides, a PDF, a recorded class) write-once under its hash."""
    require_author(actor)
    course = get_visible(Course, course_id, actor, what="课程")
    require_author(actor, course)
    # Two uploads at 99 would each count 99 and make 101: the course row is locked first (PostgreSQL; SQLite holds
    # its write lock for the whole request), so the second counts after the first has committed.
    session.execute(select(Course.id).where(Course.id == course.id).with_for_update())
    stored = session.scalar(select(func.count()).where(CourseMaterial.course_id == course.id))
    _check_material_count(stored + 1, Conflict)  # the course is full
    if not data:
        raise Invalid("文件为空", code="empty_file")
    if len(data) > MAX_MATERIAL_BYTES:
        raise Invalid("课程资料不能超过 200 MB", code="file_too_large")
    key = f"training/materials/{hashlib.sha256(data).hexdigest()}"
    store([(key, data, content_type)])
    material = CourseMaterial(course_id=course.id, title=title, file_key=key, content_type=content_type)
    session.add(material)
    session.flush()
    return material


def material_file(actor: Officer, course_id: int, material_id: int) -> tuple[CourseMaterial, bytes]:
    """A stored material of a course in the actor's district, with its bytes."""
    course = get_visible(Course, course_id, actor, what="课程")
    material = next((m for m in course.materials if m.id == material_id and m.file_key), None)
    if material is None:
        raise NotFound("课程资料不存在", code="not_found")
    return material, get_storage().get(material.file_key)


def record_completions(actor: Officer, course_id: int, *, officer_ids: list[int], completed_on: date) -> int:
    """The trainer records who completed a course; already recorded ones are left as they are. A district's staff
    record their district's officers (of a city-wide course too); the city trainer any district's officers, of a
    city-wide course."""
    require_author(actor)
    course = get_visible(Course, course_id, actor, what="课程")
    require_author(actor, course, change=False)
    wanted = set(officer_ids)
    officers = select(Officer.id).where(Officer.id.in_(wanted), Officer.district_id.is_not(None), people())
    if actor.district_id is not None:
        officers = officers.where(Officer.district_id == actor.district_id)
    found = set(session.scalars(officers))
    if wanted - found:
        raise Invalid("部分人员不存在或不在本区", code="unknown_officers",
                      errors={"officer_ids": sorted(wanted - found)})
    done = set(session.scalars(select(CourseCompletion.officer_id).where(
        CourseCompletion.course_id == course_id, CourseCompletion.officer_id.in_(wanted))))
    for officer_id in sorted(wanted - done):
        session.add(CourseCompletion(course_id=course_id, officer_id=officer_id, completed_on=completed_on,
                                     recorded_by_id=actor.id))
    session.flush()
    return len(wanted - done)


def create_plan(
    actor: Officer, *, year: int, title: str, course_ids: list[int], role: Role | None = None
) -> TrainingPlan:
    """A mandatory plan: every officer (of `role`, if given) must complete these courses in `year`; the city
    trainer's binds every district's officers and lists city-wide courses only."""
    require_author(actor)
    if not course_ids:
        raise Invalid("计划至少包含一门课程", code="plan_without_courses")
    courses = [get_visible(Course, course_id, actor, what="课程") for course_id in dict.fromkeys(course_ids)]
    for course in courses:
        require_city_wide(actor, course, "course", "课程")
    plan = TrainingPlan(district_id=actor.district_id, year=year, title=title, role=role, courses=courses)
    session.add(plan)
    session.flush()
    return plan


def set_requirements(actor: Officer, year: int, categories: list[dict]) -> list[CreditRequirement]:
    """Replace the district's credit requirements of `year` (category code, name, hours), or the city's when the
    city trainer sets them (every district's officers must meet those as well: backend/training/credits.py)."""
    require(actor, CREDIT_REQUIREMENT_SETTERS, "只有区局管理员或市局培训管理员可以设置学时要求")
    codes = [c["category"] for c in categories]
    if len(set(codes)) != len(codes):
        raise Conflict("学时类别重复", code="duplicate_category")
    session.execute(delete(CreditRequirement).where(CreditRequirement.district_id == actor.district_id,
                                                    CreditRequirement.year == year))
    rows = [CreditRequirement(district_id=actor.district_id, year=year, **c) for c in categories]
    session.add_all(rows)
    session.flush()
    return rows
