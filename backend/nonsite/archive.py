"""The case file (案卷) of an ended case — closed (结案), 不予立案 or 撤案 — as one ZIP: the case with its
timeline (`case.json`), every document as issued (`documents/`), every piece of evidence as the camera or the
party sent it (`evidence/`, each checked against its SHA-256), and each one's custody log (`custody.json`).

Taking the originals out is logged in their custody as a download with the reason "案卷归档", before the log
is written into the file, so the archive shows its own making."""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from backend.errors import Conflict
from backend.evidence.models import CUSTODY_NAMES
from backend.evidence.operations import read_original
from backend.nonsite import pdf, queries
from backend.nonsite.models import CaseState, NonsiteCase, state_name
from backend.org.models import Officer
from backend.org.roles import NONSITE_CASE_READERS, require
from backend.org.scope import get_visible

ARCHIVED = (CaseState.closed, CaseState.not_registered, CaseState.withdrawn)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}


def case_file(actor: Officer, case_id: int, describe: Callable[[NonsiteCase], dict], *,
              address: str | None = None) -> tuple[NonsiteCase, bytes]:
    """The ZIP of an ended case; `describe` gives the case as the API shows it (with its timeline)."""
    require(actor, NONSITE_CASE_READERS)
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if case.state not in ARCHIVED:
        raise Conflict(f"案件当前为“{state_name(case)}”，结案、不予立案或撤案后方可归档", code="not_ended")
    evidence = queries.evidence_of(case.alert) + queries.statement_evidence(case)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case.json", _json(describe(case)))
        for document in case.documents:
            if document.pdf_key is not None:
                archive.writestr(f"documents/{document.id}-{document.kind.value}.pdf", pdf.stored(document.pdf_key))
        custody = []
        for item in evidence:
            _, data = read_original(actor, item.id, download=True, reason=f"案卷归档（非现场案件 {case.id}）",
                                    address=address)
            name = f"evidence/{item.seq:06d}-{item.sha256[:16]}.{EXTENSIONS.get(item.mime, 'bin')}"
            archive.writestr(name, data)
            custody.append({"evidence_id": item.id, "file": name, "sha256": item.sha256,
                            "subject": item.subject_type.value, "record_hash": item.record_hash,
                            "log": [{"at": entry.at.isoformat(), "action": entry.action.value,
                                     "action_name": CUSTODY_NAMES[entry.action], "actor_id": entry.actor_id,
                                     "reason": entry.reason, "entry_hash": entry.entry_hash}
                                    for entry in queries.custody_of(item)]})
        archive.writestr("custody.json", _json(custody))
    return case, buffer.getvalue()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)
