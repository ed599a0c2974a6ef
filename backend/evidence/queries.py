"""Reading evidence, its custody log and the state of the chains, within the reader's data scope."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from backend.db import session
from backend.evidence.anchor import anchored_chains
from backend.evidence.chain import ChainReport, chain_officers, verify_chain
from backend.evidence.models import CustodyEntry, Evidence, Subject
from backend.org.models import Officer
from backend.org.scope import get_visible, scoped, visible


def evidence_list(actor: Officer, *, officer_id: int | None = None, subject_type: Subject | None = None,
                  subject_ref: str | None = None) -> Select:
    stmt = (scoped(Evidence, actor).options(selectinload(Evidence.video_copies))  # whether each has its copy
            .order_by(Evidence.received_at.desc(), Evidence.id.desc()))
    if officer_id is not None:
        stmt = stmt.where(Evidence.officer_id == officer_id)
    if subject_type is not None:
        stmt = stmt.where(Evidence.subject_type == subject_type)
    if subject_ref is not None:
        stmt = stmt.where(Evidence.subject_ref == subject_ref)
    return stmt


def custody_log(actor: Officer, evidence_id: int) -> list[CustodyEntry]:
    evidence = get_visible(Evidence, evidence_id, actor, what="证据")
    return list(session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence.id)
                                .order_by(CustodyEntry.seq)))


def verify_visible_chains(actor: Officer, officer_id: int | None = None) -> list[ChainReport]:
    """Verify one officer's chains, or every chain the actor may see, against the latest tree head."""
    anchored = anchored_chains()
    if officer_id is not None:
        officers = [get_visible(Officer, officer_id, actor, what="人员")]
    else:
        officers = chain_officers(select(Officer.id).where(visible(Officer, actor)), anchored)
    return [verify_chain(officer, anchored.get(officer.id)) for officer in officers]
