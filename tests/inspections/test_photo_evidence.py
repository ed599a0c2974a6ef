"""A failed item's photo is evidence of the inspection: it enters the inspector's hash chain (subject = the
inspection), every opening is in its custody log, and a refused upload leaves no evidence record and no file."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from backend.db import local_day, session, utcnow
from backend.evidence.models import CustodyAction, CustodyEntry, Evidence
from backend.inspections.models import InspectionPhoto
from backend.storage import get_storage
from tests.inspections.test_plans import photo, quarter  # noqa: F401  (the fixture)
from tests.inspections.test_results import _site_inspection
from tests.photos import coffee, encode


def _stored_files() -> set[str]:
    return set(get_storage().keys_written_before("evidence", utcnow() + timedelta(days=1)))


def _nothing_more(before) -> None:
    assert (session.scalar(select(func.count()).select_from(Evidence)),
            session.scalar(select(func.count()).select_from(InspectionPhoto)), _stored_files()) == before


def _now():
    return (session.scalar(select(func.count()).select_from(Evidence)),
            session.scalar(select(func.count()).select_from(InspectionPhoto)), _stored_files())


def test_a_failed_items_photo_is_in_the_inspectors_evidence_chain_and_its_readings_in_custody(client, make,
                                                                                              quarter):  # noqa: F811
    _site, _plan, inspection, headers = _site_inspection(client, make, quarter)
    taken = photo(client, headers, inspection["id"], "渣土覆盖")
    assert taken.status_code == 201, taken.json
    evidence_id = taken.json["evidence_id"]
    inspector_id = inspection["inspector_ids"][0]

    own = client.get(f"/api/evidence/{evidence_id}", headers=headers).json  # the inspector's own evidence
    assert (own["subject_type"], own["subject_ref"], own["officer_id"]) == (
        "inspection", str(inspection["id"]), inspector_id)
    assert own["sha256"] == taken.json["sha256"] and own["seq"] >= 1
    chains = client.get(f"/api/evidence/chains?officer_id={inspector_id}", headers=quarter["headers"]).json
    assert [(c["officer_id"], c["intact"], c["records"]) for c in chains] == [(inspector_id, True, own["seq"])]

    checklist = [{"item": "围挡设置", "passed": True}, {"item": "渣土覆盖", "passed": False, "note": "东侧裸土未覆盖"}]
    done = client.post(f"/api/inspections/inspections/{inspection['id']}/result", headers=headers,
                       json={"checklist": checklist, "rectify_by": str(local_day() + timedelta(days=14))})
    assert done.status_code == 201, done.json
    assert [p["evidence_id"] for p in done.json["photos"]] == [evidence_id]

    leader = quarter["leader"]
    url = f"/api/inspections/inspections/{inspection['id']}/photos/{taken.json['id']}"
    opened = client.get(url, headers=make.headers(leader), environ_base={"REMOTE_ADDR": "10.2.3.4"})
    assert opened.status_code == 200 and opened.data == encode(coffee())
    custody = client.get(f"/api/evidence/{evidence_id}/custody", headers=headers).json
    assert [(e["actor_id"], e["action"], e["address"]) for e in custody] == [
        (leader.id, CustodyAction.view_original.value, "10.2.3.4")]
    refused = client.get(url, headers=make.headers(quarter["outsider"]))
    assert refused.status_code == 404  # authorization kept: no custody entry for a refused reading
    assert session.scalar(select(func.count()).select_from(CustodyEntry)) == 1
    again = client.get(f"/api/evidence/chains?officer_id={inspector_id}", headers=quarter["headers"]).json
    assert [(c["intact"], c["custody_entries"]) for c in again] == [(True, 1)]

    code = quarter["squad"].district.code
    for path in (f"/api/inspections/public/{code}/results", f"/api/inspections/public/{code}"):
        public = client.get(path)
        assert public.status_code == 200, path
        text = public.get_data(as_text=True)
        assert "一号工地" in text  # the result is published …
        for hidden in ("photo", "evidence", "sha256", taken.json["sha256"], own["place"], "10.2.3.4"):
            assert hidden not in text, (path, hidden)  # … with no photo, no evidence, no inspector
        for person in (quarter["leader"], quarter["first"], quarter["second"]):
            assert person.name not in text and person.badge_no not in text


def test_a_refused_photo_leaves_no_evidence_and_no_file(client, make, quarter, app, monkeypatch):  # noqa: F811
    _site, _plan, inspection, headers = _site_inspection(client, make, quarter)
    before = _now()
    not_image = photo(client, headers, inspection["id"], "渣土覆盖", data=b"%PDF-1.4 not a photo")
    assert (not_image.status_code, not_image.json["error"]) == (422, "not_an_image")
    assert "图片" in not_image.json["message"]
    _nothing_more(before)

    monkeypatch.setitem(app.config, "INSPECTIONS_PHOTO_MAX_BYTES", 1000)
    too_big = photo(client, headers, inspection["id"], "渣土覆盖")
    assert too_big.status_code in (413, 422) and too_big.json["error"] == "file_too_large", too_big.json
    monkeypatch.setitem(app.config, "INSPECTIONS_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
    _nothing_more(before)

    drawn = set(inspection["inspector_ids"])
    other = next(o for o in (quarter["leader"], quarter["first"], quarter["second"]) if o.id not in drawn)
    stranger = photo(client, make.headers(other), inspection["id"], "渣土覆盖")
    assert (stranger.status_code, stranger.json["error"]) == (409, "not_drawn_inspector")
    _nothing_more(before)

    half = client.post(f"/api/inspections/inspections/{inspection['id']}/photos", headers=headers,
                       content_type="multipart/form-data", data={
                           "item": "渣土覆盖", "lat": "31.2", "client_id": "half-position",
                           "photo": (io.BytesIO(encode(coffee())), "item.jpg", "image/jpeg")})
    assert (half.status_code, half.json["error"]) == (422, "location_incomplete")
    _nothing_more(before)

    passed = client.post(f"/api/inspections/inspections/{inspection['id']}/result", headers=headers, json={
        "checklist": [{"item": "围挡设置", "passed": True}, {"item": "渣土覆盖", "passed": True}]})
    assert passed.status_code == 201, passed.json
    after_pass = photo(client, headers, inspection["id"], "渣土覆盖")  # the item passed: the result is recorded
    assert (after_pass.status_code, after_pass.json["error"]) == (409, "already_recorded")
    _nothing_more(before)


def test_a_retried_photo_upload_answers_the_first_photo_and_stores_no_second(client, make, quarter):  # noqa: F811
    _site, _plan, inspection, headers = _site_inspection(client, make, quarter)
    data = encode(coffee())
    first = photo(client, headers, inspection["id"], "渣土覆盖", data=data, client_id="phone-retry-0001")
    assert first.status_code == 201, first.json
    before = _now()
    again = photo(client, headers, inspection["id"], "渣土覆盖", data=data, client_id="phone-retry-0001")
    assert again.status_code == 200 and again.json == first.json  # the signal came back: the same photo
    _nothing_more(before)
    detail = client.get(f"/api/inspections/inspections/{inspection['id']}", headers=headers).json
    assert [p["id"] for p in detail["photos"]] == [first.json["id"]]

    for other in (photo(client, headers, inspection["id"], "围挡设置", data=data, client_id="phone-retry-0001"),
                  photo(client, headers, inspection["id"], "渣土覆盖", client_id="phone-retry-0001",
                        data=encode(coffee().rotate(90)))):  # the id again, for another item or another file
        assert (other.status_code, other.json["error"]) == (409, "client_id_reused")
    _nothing_more(before)
