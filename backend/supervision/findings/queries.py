"""What reads findings and notices: scoped lists, single lookups, and the daily facts for the points."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, select

from backend.config import settings
from backend.db import session
from backend.errors import NotFound
from backend.org.models import Officer, Role
from backend.org.scope import visible
from backend.supervision.findings.models import Finding, Notice, NoticeKind, NoticeStatus


def finding_types() -> dict[str, str]:
    """The configured finding types, code → name (SUPERVISION_FINDING_TYPES: "code:名称,…")."""
    pairs = (item.split(":", 1) for item in settings().SUPERVISION_FINDING_TYPES.split(",") if item.strip())
    return {code.strip(): name.strip() for code, name in pairs}


def _visible(model, actor: Officer) -> ColumnElement[bool]:
    """District staff see the district, leaders their squad, an officer only what names them."""
    condition = visible(model, actor)
    if actor.role == Role.officer:
        condition = and_(condition, model.officer_id == actor.id)
    return condition


def findings(actor: Officer, *, officer_id: int | None = None, squad_id: int | None = None,
             date_from: date | None = None, date_to: date | None = None) -> Select[tuple[Finding]]:
    """Findings in `actor`'s scope, newest first."""
    stmt = select(Finding).where(_visible(Finding, actor))
    if officer_id is not None:
        stmt = stmt.where(Finding.officer_id == officer_id)
    if squad_id is not None:
        stmt = stmt.where(Finding.squad_id == squad_id)
    if date_from is not None:
        stmt = stmt.where(Finding.found_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Finding.found_on <= date_to)
    return stmt.order_by(Finding.found_at.desc(), Finding.id.desc())


def get_finding(finding_id: int, actor: Officer) -> Finding:
    found = session.scalars(select(Finding).where(Finding.id == finding_id, _visible(Finding, actor))).one_or_none()
    if found is None:
        raise NotFound("督察记录不存在或不在您的管辖范围内", code="finding_not_found")
    return found


def notices(actor: Officer, *, kind: NoticeKind | None = None, status: NoticeStatus | None = None,
            squad_id: int | None = None) -> Select[tuple[Notice]]:
    """Notices in `actor`'s scope, newest first."""
    stmt = select(Notice).where(_visible(Notice, actor))
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    if status is not None:
        stmt = stmt.where(Notice.status == status)
    if squad_id is not None:
        stmt = stmt.where(Notice.squad_id == squad_id)
    return stmt.order_by(Notice.issued_at.desc(), Notice.id.desc())


def get_notice(notice_id: int, actor: Officer, *, for_update: bool = False) -> Notice:
    stmt = select(Notice).where(Notice.id == notice_id, _visible(Notice, actor))
    found = session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()
    if found is None:
        raise NotFound("通知书不存在或不在您的管辖范围内", code="notice_not_found")
    return found


def daily_finding_facts(day: date):
    """Per officer, the findings against them found on `day` and the sum of their severities."""
    return session.execute(
        select(Finding.officer_id, func.count(Finding.id).label("findings"),
               func.sum(Finding.severity).label("deduction_severity_sum"))
        .where(Finding.found_on == day, Finding.officer_id.is_not(None))
        .group_by(Finding.officer_id)
        .order_by(Finding.officer_id)
    ).all()
