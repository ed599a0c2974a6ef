"""What reads the org, always through the data scope."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, true, union_all

from backend.db import session
from backend.domains import DOMAINS
from backend.errors import NotFound
from backend.org.models import CommunityOffice, District, Officer, Squad, Town
from backend.org.scope import scoped
from backend.registry import resolve


def people() -> ColumnElement[bool]:
    """The officers who are people: not a system account a domain keeps (`Domain.system_accounts`, e.g. the
    inactive officer holding a camera's evidence chain), which no list, picker or count of people shows."""
    accounts = [resolve(name)() for domain in DOMAINS for name in domain.system_accounts]
    return Officer.id.not_in(union_all(*accounts)) if accounts else true()


def officers(actor: Officer, *, squad_id: int | None = None, no_squad: bool = False,
             active: bool | None = None) -> Select:
    """The people in `actor`'s scope; `no_squad`: a district's people of no squad (区局机关, 街镇 leaders)."""
    stmt = scoped(Officer, actor).where(people()).order_by(Officer.badge_no)
    if squad_id is not None:
        stmt = stmt.where(Officer.squad_id == squad_id)
    if no_squad:
        stmt = stmt.where(Officer.squad_id.is_(None), Officer.district_id.is_not(None))
    if active is not None:
        stmt = stmt.where(Officer.active == active)
    return stmt


def person(actor: Officer, officer_id: int) -> Officer:
    """One person in `actor`'s scope; a system account is no person: 404 as if missing (no one edits,
    reactivates or gives a password to a camera's chain holder)."""
    found = session.scalars(officers(actor).where(Officer.id == officer_id)).one_or_none()
    if found is None:
        raise NotFound("人员不存在或不在您的管辖范围内", code="not_found")
    return found


def squads(actor: Officer) -> Select:
    return scoped(Squad, actor).order_by(Squad.id)


def community_offices(actor: Officer, *, squad_id: int | None = None) -> Select:
    stmt = scoped(CommunityOffice, actor).order_by(CommunityOffice.code)
    if squad_id is not None:
        stmt = stmt.where(CommunityOffice.squad_id == squad_id)
    return stmt


def towns(actor: Officer) -> Select:
    return scoped(Town, actor).order_by(Town.code)


def districts(actor: Officer) -> Select:
    return scoped(District, actor).order_by(District.code)
