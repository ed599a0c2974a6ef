"""A non-site case on the supervision domain's 两超期 clock: its case_record (number `非现场-<id>`) is
discovered the day of the alert, registered (立案) the day the alert was confirmed, closed on 结案; the flags
are evaluated at each of these steps and the hourly `cases.deadlines` job warns before and when the
deadlines pass (事中预警), as for imported cases. The handling officer on the clock is who opened it."""
from __future__ import annotations

from datetime import datetime

from backend.db import local_day
from backend.nonsite.models import NonsiteCase
from backend.supervision.cases.operations import track


def on_clock(case: NonsiteCase, now: datetime) -> None:
    alert = case.alert
    record = track(f"非现场-{case.id}", district_id=alert.camera.squad.district_id, squad_id=case.squad_id,
                   officer_id=case.opened_by, discovered_on=local_day(alert.occurred_at),
                   registered_on=local_day(case.opened_at),
                   closed_on=local_day(case.closed_at) if case.closed_at else None, now=now)
    case.timeliness_case_id = record.id
