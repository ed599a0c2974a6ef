"""Nightly: verify every evidence chain and report a break to the district."""
from __future__ import annotations

import logging
from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.errors import ServiceUnavailable
from backend.evidence.chain import ChainReport, chain_officers, verify_chain
from backend.org.models import Officer, Role
from backend.wechat.messages import send_text_card

log = logging.getLogger(__name__)

REPORTED_TO = (Role.district_admin, Role.supervisor)


def verify_chains() -> dict:
    """Verify all chains; each break goes to the audit log and, as a text card, to its district's staff."""
    broken: dict[int, list[ChainReport]] = defaultdict(list)
    officers = chain_officers()
    for officer in officers:
        report = verify_chain(officer)
        if not report.intact:
            broken[officer.district_id].append(report)
            session.add(AuditEntry(action="evidence chain broken", object_type="officer", object_id=str(officer.id),
                                   outcome=1, detail=report.message[:256]))
    notified = sum(_notify(district_id, reports) for district_id, reports in broken.items())
    session.flush()
    return {"chains": len(officers), "broken": sum(map(len, broken.values())), "notified": notified}


def _notify(district_id: int, reports: list[ChainReport]) -> int:
    staff = session.scalars(select(Officer).where(Officer.district_id == district_id, Officer.active.is_(True),
                                                  Officer.role.in_(REPORTED_TO))).all()
    first = reports[0]
    url = f"{current_app.config.get('PUBLIC_BASE_URL', '')}/api/evidence/chains?officer_id={first.officer_id}"
    description = "\n".join(report.message for report in reports[:5])
    if len(reports) > 5:
        description += f"\n……共 {len(reports)} 条证据链异常"
    try:
        return send_text_card(staff, title="证据链校验发现异常", description=description, url=url)
    except ServiceUnavailable:  # the audit rows above still record the break
        log.exception("could not report broken evidence chains of district %s", district_id)
        return 0
