"""Evidence jobs: verify every chain (a break is reported to the district), make queued video copies.

(The tree heads are written by backend.evidence.anchor.anchor_chains.)"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update

from backend.audit import AuditEntry
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict
from backend.evidence import operations, video
from backend.evidence.anchor import Finding, audit_tree_heads
from backend.evidence.chain import ChainReport, chain_officers, verify_chain
from backend.evidence.media import frame_budget
from backend.evidence.models import CopyPurpose, Evidence, VideoCopy
from backend.files import store
from backend.org.models import Officer
from backend.org.roles import SUPERVISING_STAFF
from backend.wechat.messages import queue_text_card

log = logging.getLogger(__name__)

# How long one run of make_video_copies keeps starting new copies (it runs every two minutes); a copy
# already begun is finished, which for a video at the length limit takes minutes (see video.py).
COPY_BUDGET = timedelta(minutes=2)


def verify_chains() -> dict:
    """Audit the anchored tree heads and verify every chain against the latest; each finding goes to the audit
    log and, as a text card, to the staff of the chain's district (a tree head's to every district's)."""
    _, latest, head_findings = audit_tree_heads()
    for finding in head_findings:
        session.add(AuditEntry(action="evidence tree head broken", object_type="evidence_tree_head",
                               object_id=finding.code, outcome=1, detail=finding.message[:256]))
    anchored = latest.chains if latest else {}
    broken: dict[int, list[ChainReport]] = defaultdict(list)
    officers = chain_officers(anchored=anchored)
    for officer in officers:
        report = verify_chain(officer, anchored.get(officer.id))
        if not report.intact:
            broken[officer.district_id].append(report)
            session.add(AuditEntry(action="evidence chain broken", object_type="officer", object_id=str(officer.id),
                                   outcome=1, detail=report.message[:256]))
    count = sum(map(len, broken.values()))
    # Findings of no district (a tree head's, a chain whose officer was deleted too) go to every district.
    everywhere = head_findings + broken.pop(None, [])
    districts = set(broken)
    if everywhere:
        districts |= set(
            session.scalars(select(Officer.district_id).where(Officer.role.in_(SUPERVISING_STAFF)).distinct())
        )
    notified = sum(_notify(district_id, everywhere + broken[district_id]) for district_id in districts)
    session.flush()
    return {"chains": len(officers), "broken": count, "tree_head_findings": len(head_findings), "notified": notified}


def _notify(district_id: int, reports: list[ChainReport | Finding]) -> int:
    staff = session.scalars(select(Officer).where(Officer.district_id == district_id, Officer.active.is_(True),
                                                  Officer.role.in_(SUPERVISING_STAFF))).all()
    first = reports[0]
    url = f"{settings().PUBLIC_BASE_URL}/api/evidence/chains" + (
        f"?officer_id={first.officer_id}" if first.officer_id else "")
    description = "\n".join(report.message for report in reports[:5])
    if len(reports) > 5:
        description += f"\n……共 {len(reports)} 条证据链异常"
    return queue_text_card(staff, title="证据链校验发现异常", description=description, url=url)


def make_video_copies() -> dict:
    """Make the queued copies of videos, oldest first, starting new ones for up to COPY_BUDGET.

    A copy that exceeds its own budget (video.Budget: frame size and count, EVIDENCE_VIDEO_COPY_MAX_SECONDS,
    EVIDENCE_VIDEO_COPY_MAX_MB) is stopped and marked failed with the reason, which the evidence record shows;
    "peak_mb" is the largest peak memory a copy's child process measured. Re-encoding a video
    takes seconds to minutes, so no transaction stays open meanwhile: on SQLite an open write
    transaction would stop every request from writing.
    """
    started, outcome = time.monotonic(), {"made": 0, "failed": 0, "peak_mb": 0.0}
    while time.monotonic() - started < COPY_BUDGET.total_seconds():
        queued = session.scalars(select(VideoCopy).where(VideoCopy.made_at.is_(None), VideoCopy.failure.is_(None))
                                 .order_by(VideoCopy.requested_at, VideoCopy.id).limit(1)).first()
        if queued is None:
            break
        copy_id, purpose, evidence = queued.id, queued.purpose, queued.evidence
        lines = operations.watermark_text(evidence, evidence.officer.badge_no)
        session.commit()
        try:
            made = _render(evidence, purpose, lines)
        except Conflict as error:  # the original is missing or altered
            made = video.Made(None, error.message, None)
        outcome["peak_mb"] = max(outcome["peak_mb"], made.peak_mb or 0)
        if made.failure:
            log.warning("could not make the %s copy of evidence %s: %s", purpose.value, evidence.id, made.failure)
            values = {"failure": made.failure[:200]}
            outcome["failed"] += 1
        else:
            data, faces = made.result if purpose == CopyPurpose.redacted else (made.result, None)
            values = {"storage_key": operations.derived_key(purpose.value, data, "mp4"), "faces": faces,
                      "made_at": utcnow()}
            store([(values["storage_key"], data, "video/mp4")])
            outcome["made"] += 1
        session.execute(update(VideoCopy).where(VideoCopy.id == copy_id).values(**values))
        session.commit()
    return outcome


def _render(evidence: Evidence, purpose: CopyPurpose, lines: list[str]) -> video.Made:
    """The copy, made in a child process held to the budget (video.in_child)."""
    original = operations.checked_original(evidence)
    config = settings()
    budget = video.Budget(frames=frame_budget((evidence.duration_ms or 0) / 1000, config.EVIDENCE_MAX_VIDEO_FPS),
                          seconds=config.EVIDENCE_VIDEO_COPY_MAX_SECONDS,
                          megabytes=config.EVIDENCE_VIDEO_COPY_MAX_MB)
    if purpose == CopyPurpose.redacted:
        return video.in_child(video.redact_video, original, budget, budget=budget)
    return video.in_child(video.watermark_video, original, lines, budget, budget=budget)
