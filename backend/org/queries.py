"""What reads the org, always through the data scope."""
from __future__ import annotations

from sqlalchemy import Select

from backend.org.models import CommunityOffice, District, Officer, Squad, Town
from backend.org.scope import scoped


def officers(actor: Officer, *, squad_id: int | None = None, active: bool | None = None) -> Select:
    stmt = scoped(Officer, actor).order_by(Officer.badge_no)
    if squad_id is not None:
        stmt = stmt.where(Officer.squad_id == squad_id)
    if active is not None:
        stmt = stmt.where(Officer.active == active)
    return stmt


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
