"""Photos of failed items open for the inspection's drawn inspectors, the object's squad leader and the district
administrators only (they may show people), each opening in the audit log with who, which and from where."""
from __future__ import annotations

from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.org.models import Role
from tests.inspections.test_plans import photo, quarter  # noqa: F401  (the fixture)
from tests.inspections.test_results import _site_inspection
from tests.photos import coffee, encode


def test_failed_item_photos_open_for_those_who_need_them_and_each_opening_is_logged(client, make, quarter):  # noqa: F811
    _site, _plan, inspection, headers = _site_inspection(client, make, quarter)
    taken = photo(client, headers, inspection["id"], "渣土覆盖")
    assert taken.status_code == 201, taken.json
    url = f"/api/inspections/inspections/{inspection['id']}/photos/{taken.json['id']}"
    district = quarter["squad"].district
    drawn = [o for o in (quarter["leader"], quarter["first"], quarter["second"]) if o.id in inspection["inspector_ids"]]
    admin = make.officer(Role.district_admin, district=district)
    readers = [*drawn, quarter["leader"], admin]
    for reader in readers:
        opened = client.get(url, headers=make.headers(reader), environ_base={"REMOTE_ADDR": "10.2.3.4"})
        assert opened.status_code == 200, reader.role
        assert opened.data == encode(coffee()) and opened.mimetype == "image/jpeg"
        assert opened.headers["Cache-Control"] == "private, no-store"
    refused = [make.officer(Role.supervisor, district=district), make.officer(Role.trainer, district=district),
               make.officer(squad=quarter["squad"]),  # an officer of the object's squad, not drawn
               *(o for o in (quarter["first"], quarter["second"]) if o not in drawn)]
    for reader in refused:
        answer = client.get(url, headers=make.headers(reader))
        assert (answer.status_code, answer.json["error"]) == (403, "not_needed_for_role"), reader.role
        assert "个人信息最小必要" in answer.json["message"]
    for reader in (quarter["outsider"], make.officer(Role.district_admin)):  # another squad, another district
        assert client.get(url, headers=make.headers(reader)).status_code == 404
    assert client.get(url).status_code == 401
    elsewhere = f"/api/inspections/inspections/{inspection['id']}/photos/{taken.json['id'] + 1}"
    assert client.get(elsewhere, headers=make.headers(admin)).status_code == 404
    reads = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "inspection_photo")
                            .order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.object_id, r.address, r.action) for r in reads] == [
        (reader.id, str(taken.json["id"]), "10.2.3.4", "read inspection_photo") for reader in readers]
