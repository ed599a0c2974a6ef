"""Personal images go to the people whose work needs them (PIPL "minimum necessary"), and every opening is logged.

Check-in selfies are covered beside the check-in tests (tests/duty/test_checkins.py); the matrix of every role and
place is tests/authz.
"""
from __future__ import annotations

from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.evidence.models import CustodyAction, CustodyEntry
from backend.org.models import Role
from tests.authz.makers import complaint_photo_ids
from tests.evidence.helpers import unique_jpeg, upload


def _uploaded(client, make, officer, **subject) -> int:
    response = upload(client, make.headers(officer), unique_jpeg(), **subject)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_supervisors_open_evidence_of_findings_and_trainers_only_their_own(client, make):
    officer = make.officer()
    district = officer.squad.district
    supervisor, trainer = (
        make.officer(Role.supervisor, district=district),
        make.officer(Role.trainer, district=district),
    )
    plain = _uploaded(client, make, officer)
    of_finding = _uploaded(client, make, officer, subject_type="finding", subject_ref="12")
    trainers_own = _uploaded(client, make, trainer)

    def listed(reader) -> set[int]:
        return {row["id"] for row in client.get("/api/evidence", headers=make.headers(reader)).json}

    assert listed(make.officer(Role.district_admin, district=district)) >= {plain, of_finding, trainers_own}
    assert of_finding in listed(supervisor) and plain not in listed(supervisor)
    assert listed(trainer) == {trainers_own}
    for reader, evidence_id, status in ((supervisor, of_finding, 200), (supervisor, plain, 404),
                                        (trainer, of_finding, 404), (trainer, trainers_own, 200)):
        for view in ("original", "watermarked", "thumbnail"):
            answer = client.get(f"/api/evidence/{evidence_id}/{view}", headers=make.headers(reader))
            assert answer.status_code == status, (reader.role, evidence_id, view)


def test_every_opening_of_evidence_even_a_thumbnail_is_in_the_custody_log(client, make):
    officer = make.officer()
    leader = make.officer(Role.squad_leader, squad=officer.squad)
    evidence_id = _uploaded(client, make, officer)
    assert client.get(f"/api/evidence/{evidence_id}/thumbnail", headers=make.headers(leader)).status_code == 200
    entries = session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)).all()
    assert [(e.actor_id, e.action) for e in entries] == [(leader.id, CustodyAction.view_thumbnail)]
    shown = client.get(f"/api/evidence/{evidence_id}/custody", headers=make.headers(officer)).json
    assert [entry["action_name"] for entry in shown] == ["查看缩略图"]


def test_residents_photos_open_for_their_handlers_only_and_each_opening_is_audited(client, make):
    handler = make.officer()
    leader = make.officer(Role.squad_leader, squad=handler.squad)
    ids = complaint_photo_ids(make, client, handler)
    url = f"/api/community/complaints/{ids['complaint_id']}/photos/{ids['photo_id']}"
    for role in (Role.supervisor, Role.trainer):
        reader = make.officer(role, district=handler.squad.district)
        assert (
            client.get(f"/api/community/complaints/{ids['complaint_id']}", headers=make.headers(reader)).status_code
            == 200
        )
        refused = client.get(url, headers=make.headers(reader))
        assert refused.status_code == 403 and refused.json["error"] == "not_needed_for_role"
        assert "个人信息最小必要" in refused.json["message"]
    for reader in (handler, leader):
        assert (
            client.get(url, headers=make.headers(reader), environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        )
    reads = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "complaint_photo")
                            .order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.object_id, r.address) for r in reads] == [(handler.id, str(ids["photo_id"]), "10.1.2.3"),
                                                                     (leader.id, str(ids["photo_id"]), "10.1.2.3")]
