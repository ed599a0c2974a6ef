"""The case file (案卷) of an ended case — closed (结案), 不予立案 or 撤案 — as one ZIP: the case with its
timeline (`case.json`), every document as issued (`documents/`), every piece of evidence as the camera or the
party sent it (`evidence/`, each checked against its SHA-256), and each one's custody log (`custody.json`).

It is frozen when the case closes or ends (`freeze`, in the same transaction): made once, stored in file storage
(`nonsite/archives/<case id>-<sha256>.zip`) and its SHA-256 recorded on the case. Every download serves that
stored file after checking it against the recorded hash: a file changed in storage is refused (409
`archive_file_altered`), never served nor made again. A case that ended before archives were frozen is frozen on
its first download.

Taking the originals out is logged in their custody as a download with the reason "案卷归档", before the log
is written into the file, so the archive shows its own making."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

from backend.db import utcnow
from backend.errors import Conflict
from backend.evidence.models import CUSTODY_NAMES
from backend.evidence.operations import read_original
from backend.files import store
from backend.nonsite import pdf, queries
from backend.nonsite.models import CaseState, NonsiteCase, state_name
from backend.org.models import Officer
from backend.org.roles import NONSITE_CASE_READERS, require
from backend.org.scope import get_visible
from backend.storage import get_storage

ARCHIVED = (CaseState.closed, CaseState.not_registered, CaseState.withdrawn, CaseState.dropped, CaseState.revoked)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}
FOLDER = "nonsite/archives"
# What case.json leaves out: the archive's own record, which it cannot contain.
OWN_RECORD = ("archive_sha256", "archived_at")


def case_file(actor: Officer, case_id: int, describe: Callable[[NonsiteCase], dict], *,
              address: str | None = None) -> tuple[NonsiteCase, bytes]:
    """The ZIP of an ended case as frozen, checked against its recorded hash; `describe` gives the case as the
    API shows it (with its timeline), used only to freeze a case that ended before archives were frozen."""
    require(actor, NONSITE_CASE_READERS)
    case = get_visible(NonsiteCase, case_id, actor, what="案件")
    if case.state not in ARCHIVED:
        raise Conflict(f"案件当前为“{state_name(case)}”，结案或终结（不予立案、撤案、告知后不予处罚、撤销处罚决定）后"
                       "方可归档", code="not_ended")
    if case.archive_key is None:
        return case, freeze(actor, case, describe, address=address)
    data = get_storage().get(case.archive_key)
    if hashlib.sha256(data).hexdigest() != case.archive_sha256:
        raise Conflict(f"存档的案卷文件与归档时记录的 SHA-256（{case.archive_sha256[:16]}…）不符，已被改动，"
                       "不予提供；请联系系统管理员核查存储", code="archive_file_altered")
    return case, data


def freeze(actor: Officer, case: NonsiteCase, describe: Callable[[NonsiteCase], dict], *,
           address: str | None = None) -> bytes:
    """Make the case's ZIP once, as the case closes or ends, store it and record its hash on the case."""
    if case.archive_key is not None:
        raise Conflict("案卷已归档，不再重新生成", code="already_archived")
    data = _zip(actor, case, describe, address)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{FOLDER}/{case.id}-{digest}.zip"
    store([(key, data, "application/zip")])
    case.archive_key, case.archive_sha256, case.archived_at = key, digest, utcnow()
    return data


def _zip(actor: Officer, case: NonsiteCase, describe: Callable[[NonsiteCase], dict], address: str | None) -> bytes:
    evidence = queries.evidence_of(case.alert) + queries.statement_evidence(case)
    described = {name: value for name, value in describe(case).items() if name not in OWN_RECORD}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case.json", _json(described))
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
    return buffer.getvalue()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)
