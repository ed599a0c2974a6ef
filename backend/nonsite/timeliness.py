"""A non-site case on the supervision domain's 两超期 clock: its case_record (number `非现场-<id>`) is
discovered the day of the alert, registered (立案) the day the alert was confirmed (a kind that needs a visit:
the day the visit verified it), closed on 结案, withdrawn on an approved 不予立案 or 撤案 with its reason and
approver (so 随意撤案 is judged by the supervision domain's own rule); the flags
are evaluated at each of these steps and the hourly `cases.deadlines` job warns before and when the
deadlines pass (事中预警), as for imported cases. The handling officer on the clock is who opened it."""
from __future__ import annotations

from datetime import datetime

from backend.db import local_day, session
from backend.nonsite.models import NonsiteCase
from backend.org.models import Officer
from backend.supervision.cases.operations import track


def _day(at: datetime | None):
    return local_day(at) if at is not None else None


def approver(officer_id: int | None) -> str | None:
    """Who approved, as the case-handling system names them: name and badge number."""
    officer = session.get(Officer, officer_id) if officer_id is not None else None
    return f"{officer.name}（{officer.badge_no}）"[:64] if officer is not None else None


def on_clock(case: NonsiteCase, now: datetime) -> None:
    alert = case.alert
    record = track(f"非现场-{case.id}", district_id=alert.camera.squad.district_id, squad_id=case.squad_id,
                   officer_id=case.opened_by, discovered_on=local_day(alert.occurred_at),
                   registered_on=_day(case.registered_at), closed_on=_day(case.closed_at),
                   withdrawn_on=_day(case.ended_at), withdrawal_reason=case.ending_reason if case.ended_at else None,
                   withdrawal_approved_by=approver(case.ending_reviewed_by) if case.ended_at else None, now=now)
    case.timeliness_case_id = record.id
