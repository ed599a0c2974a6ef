"""Data scope: the one place that says which rows a person may see.

Every scoped model names how it hangs off the org tree in `__scope__`: ("officer", column),
("squad", column), ("town", column) or ("district", column). An officer sees their own records, a squad
leader their squad, district staff their district, the city bureau's staff every district, and a town
leader (街镇领导) the squads of their 街镇 and those squads' officers (none of a district's own records).
A squad's row that one officer handles (a complaint and its assignee) names that column third:
("squad", column, officer column); a plain officer then sees only the rows they handle. A model whose
rows are personal data narrows that further to what each role's work needs (PIPL "minimum necessary")
with a classmethod `__needed_by__(actor)`. Lookups outside the scope answer 404, never 403, so ids
cannot be probed.

A district-level model whose rows may belong to no district, the city's own (city-wide training: courses,
live classes and their quizzes), says `__city_wide__ = True`: a district's people see their district's rows
and the city-wide ones.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from backend.db import session
from backend.errors import Invalid, NotFound
from backend.org.models import District, Officer, Role, Squad, Town
from backend.org.roles import CITY_STAFF, DISTRICT_STAFF, TOWN_READERS

T = TypeVar("T")


def visible(model, actor: Officer) -> ColumnElement[bool]:
    """The SQL condition that limits `model`'s rows to what `actor` may see."""
    needed_by = getattr(model, "__needed_by__", None)
    in_scope = _in_scope(model, actor)
    return in_scope if needed_by is None else and_(in_scope, needed_by(actor))


def _in_scope(model, actor: Officer) -> ColumnElement[bool]:
    level, column_name, *handler = model.__scope__
    column = getattr(model, column_name)
    if actor.role in CITY_STAFF:
        return true()
    if actor.role in TOWN_READERS:
        return _in_town(level, column, actor)
    if level == "district":
        own = column == actor.district_id
        return or_(own, column.is_(None)) if getattr(model, "__city_wide__", False) else own
    if actor.role in DISTRICT_STAFF:
        if level == "officer":
            return column.in_(select(Officer.id).where(Officer.district_id == actor.district_id))
        if level == "squad":
            return column.in_(select(Squad.id).where(Squad.district_id == actor.district_id))
        return column.in_(select(Town.id).where(Town.district_id == actor.district_id))
    if level == "town":
        return column == select(Squad.town_id).where(Squad.id == actor.squad_id).scalar_subquery()
    if level == "squad" and handler and actor.role == Role.officer:
        return getattr(model, handler[0]) == actor.id
    if level == "squad":
        return column == actor.squad_id if actor.squad_id is not None else false()
    if actor.role == Role.squad_leader:
        return column.in_(select(Officer.id).where(Officer.squad_id == actor.squad_id))
    return column == actor.id


def _in_town(level: str, column, actor: Officer) -> ColumnElement[bool]:
    """A town leader's scope: their 街镇, its squads and those squads' officers; none of the district's own."""
    if actor.town_id is None:
        return false()
    squads = select(Squad.id).where(Squad.town_id == actor.town_id)
    if level == "town":
        return column == actor.town_id
    if level == "squad":
        return column.in_(squads)
    if level == "officer":
        return column.in_(select(Officer.id).where(Officer.squad_id.in_(squads)))
    return false()


def scoped(model: type[T], actor: Officer) -> Select[tuple[T]]:
    """SELECT of `model` limited to `actor`'s scope; add filters and order to it."""
    return select(model).where(visible(model, actor))


def get_visible(model: type[T], object_id: int, actor: Officer, *, what: str = "对象") -> T:
    """Load one object in `actor`'s scope, or NotFound (outside scope looks the same as missing)."""
    found = session.scalars(scoped(model, actor).where(model.id == object_id)).one_or_none()
    if found is None:
        raise NotFound(f"{what}不存在或不在您的管辖范围内", code="not_found")
    return found


def settings_district(actor: Officer, district_id: int | None = None) -> int:
    """The district whose settings (object kinds, grade rules, working-day calendar, deadlines, credit hours, scoring
    rules) `actor` reads: their own. The city bureau's staff belong to none and name it (`?district_id=`): 422
    without, 404 for one unknown, never the example defaults in its place; anyone else naming a district other than
    their own: 404, as for any object out of scope."""
    if actor.role in CITY_STAFF:
        if district_id is None:
            raise Invalid("市局人员查看区局的设置，请指定区局（district_id）", code="district_required",
                          errors={"district_id": ["市局人员须指定区局。"]})
        return get_visible(District, district_id, actor, what="区局").id
    if district_id is not None and district_id != actor.district_id:
        raise NotFound("区局不存在或不在您的管辖范围内", code="not_found")
    return actor.district_id
