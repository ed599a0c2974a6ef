"""What the training modules share: who manages training, settings, credit categories."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from backend.config import settings
from backend.db import session
from backend.errors import Forbidden, Invalid
from backend.org.models import Officer
from backend.org.roles import CITY_TRAINING_STAFF, TRAINING_AUTHORS, TRAINING_STAFF, require
from backend.org.scope import get_visible
from backend.training.models import CreditRequirement, Teacher


def require_manager(actor: Officer) -> None:
    """Only trainers (教员) and district admins manage libraries, classes, banks and papers."""
    require(actor, TRAINING_STAFF, "只有教员或区局管理员可以管理培训")


def require_author(actor: Officer, record=None, *, change: bool = True) -> None:
    """Who write courses, live classes, their quizzes, question banks, papers, plans, drills and teachers: a
    district's trainers and administrators their district's, the city trainer the city-wide ones (no district).

    With a `record` (one the actor sees): a district's training staff change no city-wide record (403
    city_wide_training; they read its attendance and answers, their officers take part), and the city
    trainer neither changes nor works with a district's (403 district_training: the district runs it)."""
    require(actor, TRAINING_AUTHORS, "只有教员、区局管理员或市局培训管理员可以管理培训")
    if record is None:
        return
    if record.district_id is None:
        if change and actor.role not in CITY_TRAINING_STAFF:
            raise Forbidden("全市培训由市局培训管理员管理，区局不能修改", code="city_wide_training")
    elif actor.role in CITY_TRAINING_STAFF:
        raise Forbidden("区局的培训由区局自行管理，市局培训管理员不能修改", code="district_training")


def require_city_wide(actor: Officer, record, field: str, what: str) -> None:
    """What a city-wide record names (a course, teacher, question, bank) is city-wide too: a district's is not every
    district's to use (422 district_<field>)."""
    if actor.district_id is None and record.district_id is not None:
        raise Invalid(f"全市培训只能使用全市的{what}", code=f"district_{field}", errors={f"{field}_id": [record.id]})


def named_teacher(actor: Officer, teacher_id: int) -> Teacher:
    """A teacher the actor names on a course or class: their district's or the city's (the city trainer: the city's)."""
    teacher = get_visible(Teacher, teacher_id, actor, what="教师")
    require_city_wide(actor, teacher, "teacher", "教师")
    return teacher


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    hours: Decimal


def default_categories() -> list[Category]:
    """The configured credit categories, "code:name:hours,…" (default "60+24").

    Seed 004 fixes only the hours ("60+24" 学时学分制度), not what the two kinds are called; it names
    在线网训 among the training programmes, 集中面授 is our name for the other. A district that calls
    them otherwise sets TRAINING_CREDIT_CATEGORIES or its own yearly requirements.
    """
    categories = []
    for part in settings().TRAINING_CREDIT_CATEGORIES.split(","):
        code, name, hours = (piece.strip() for piece in part.split(":"))
        categories.append(Category(code, name, Decimal(hours)))
    return categories


def check_category(district_id: int | None, category: str) -> None:
    """A credit source must name a configured category or one the city or the district requires in some year (a
    city-wide source: a configured one or the city's)."""
    codes = [c.code for c in default_categories()]
    codes += [code for code in session.scalars(
        select(CreditRequirement.category).distinct()
        .where(or_(CreditRequirement.district_id == district_id, CreditRequirement.district_id.is_(None)))
        .order_by(CreditRequirement.category)) if code not in codes]
    if category not in codes:
        raise Invalid(f"学时类别必须是以下之一：{'、'.join(codes)}", code="unknown_category")
