"""What the training modules share: who manages training, settings, credit categories."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from backend.config import settings
from backend.db import session
from backend.errors import Invalid
from backend.org.models import Officer
from backend.org.roles import TRAINING_STAFF, require
from backend.training.models import CreditRequirement


def require_manager(actor: Officer) -> None:
    """Only trainers (教员) and district admins manage libraries, classes, banks and papers."""
    require(actor, TRAINING_STAFF, "只有教员或区局管理员可以管理培训")


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


def check_category(district_id: int, category: str) -> None:
    """A credit source must name a configured category or one the district requires in some year."""
    codes = [c.code for c in default_categories()]
    codes += session.scalars(select(CreditRequirement.category).distinct()
                             .where(CreditRequirement.district_id == district_id)).all()
    if category not in codes:
        raise Invalid(f"学时类别必须是以下之一：{'、'.join(codes)}", code="unknown_category")
