"""The case file (案卷) is frozen when the case ends: made once, stored, its SHA-256 on the case; every download
serves the stored file after checking it, and a stored file changed since is refused, never served nor remade."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from sqlalchemy import func, select

from backend.db import session
from backend.evidence.models import CustodyAction, CustodyEntry
from backend.nonsite.models import NonsiteCase
from backend.storage import get_storage
from tests.authz.makers import nonsite_closed_case_ids
from tests.nonsite.test_ending import _confirmed, _step


def _archive(client, make, who, case_id):
    return client.get(f"/api/nonsite/cases/{case_id}/archive", headers=make.headers(who))


def _archived_originals() -> int:
    return session.scalar(select(func.count()).select_from(CustodyEntry).where(
        CustodyEntry.action == CustodyAction.download_original, CustodyEntry.reason.like("案卷归档%")))


def test_the_archive_is_frozen_when_the_case_ends_and_served_as_stored(client, make, squad, leader, reviewer):
    case_id = _confirmed(client, make, squad, leader)
    _step(client, make, leader, case_id, "end", {"reason": "车辆系执行应急任务"})
    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意撤案"})
    assert approved.status_code == 200, approved.json
    frozen = approved.json["archive_sha256"]
    assert frozen and approved.json["archived_at"]
    assert _archived_originals() == 1  # the original taken out once, as the case ended

    first, second = _archive(client, make, leader, case_id), _archive(client, make, reviewer, case_id)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and hashlib.sha256(first.data).hexdigest() == frozen
    assert first.headers["X-Archive-SHA256"] == frozen
    assert _archived_originals() == 1  # downloads serve the stored file: nothing is made again
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        filed = json.loads(archive.read("case.json"))
    assert (filed["state"], filed["timeline"][-1]["step"]) == ("withdrawn", "ending_reviewed")
    assert "archive_sha256" not in filed  # the file cannot hold its own hash


def test_a_stored_archive_altered_since_is_refused(client, make, squad, leader, reviewer):
    case_id = _confirmed(client, make, squad, leader)
    _step(client, make, leader, case_id, "end", {"reason": "车辆系执行应急任务"})
    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意撤案"})
    assert approved.status_code == 200, approved.json
    session.expire_all()
    case = session.get(NonsiteCase, case_id)
    key, frozen = case.archive_key, case.archive_sha256
    path = get_storage().path(key)
    stored = bytearray(path.read_bytes())
    stored[len(stored) // 2] ^= 0xFF
    path.write_bytes(bytes(stored))  # one byte changed in storage
    refused = _archive(client, make, leader, case_id)
    assert (refused.status_code, refused.json["error"]) == (409, "archive_file_altered")
    assert "SHA-256" in refused.json["message"] and "改动" in refused.json["message"]
    session.expire_all()
    case = session.get(NonsiteCase, case_id)
    assert (case.archive_key, case.archive_sha256) == (key, frozen)  # not remade over the evidence of tampering
    path.unlink()
    assert _archive(client, make, leader, case_id).status_code in (404, 409)  # gone: still not remade


def test_a_case_ended_before_archives_were_frozen_is_frozen_on_its_first_download(client, make, leader):
    case_id = nonsite_closed_case_ids(make, client, leader)["case_id"]
    assert session.get(NonsiteCase, case_id).archive_key is None
    first, second = _archive(client, make, leader, case_id), _archive(client, make, leader, case_id)
    assert first.status_code == 200 and first.data == second.data
    session.expire_all()
    assert session.get(NonsiteCase, case_id).archive_sha256 == hashlib.sha256(first.data).hexdigest()
