"""Camera alerts: signed intake, idempotent per alert id, bursts merged, every image locked in the camera's
evidence chain at once; bad input refused whole."""
from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest

from backend.evidence.anchor import anchor_chains
from backend.org.models import Role
from tests.evidence.helpers import unique_jpeg
from tests.nonsite.platform import alert, send, stored


def test_an_alert_is_stored_and_each_image_locked_in_the_cameras_own_chain(app, client, make, cam, leader,
                                                                          tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_ANCHOR_FILE", str(tmp_path / "heads.jsonl"))
    images = [unique_jpeg(), unique_jpeg()]
    response = send(client, alert(cam["code"], images=images))
    assert response.status_code == 201, response.json
    got = response.json
    assert (got["kind"], got["plate"], got["burst_size"]) == ("muck_uncovered", "沪A12345", 1)
    assert [item["seq"] for item in response.json["evidence"]] == [1, 2]
    for item, data in zip(response.json["evidence"], images, strict=True):
        record = client.get(f"/api/evidence/{item['id']}", headers=make.headers(leader)).json
        assert (record["officer_id"], record["source"]) == (cam["officer_id"], "camera")
        assert record["subject_type"] == "alert"
        assert record["subject_ref"] == str(response.json["id"])
        original = client.get(f"/api/evidence/{item['id']}/original", headers=make.headers(leader))
        assert original.data == data  # what the party later sees is what the camera sent
    assert anchor_chains()["written"] == 1
    result = app.test_cli_runner().invoke(args=["evidence", "verify", "--badge", f"CAM-{cam['code']}"])
    assert result.exit_code == 0 and "完好 1 条" in result.output, result.output
    [report] = client.get(f"/api/evidence/chains?officer_id={cam['officer_id']}", headers=make.headers(leader)).json
    assert (report["intact"], report["records"], report["anchored_records"]) == (True, 2, 2)


def test_a_resend_answers_the_first_and_a_reused_alert_id_is_refused(client, cam):
    body = alert(cam["code"])
    first = send(client, body)
    again = send(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["evidence"] == first.json["evidence"]
    before = stored()
    reused = send(client, {**body, "confidence": 0.5})
    assert (reused.status_code, reused.json["error"]) == (409, "alert_id_reused")
    assert stored() == before


@pytest.mark.parametrize("change, code", [
    ({"sender": "nobody"}, "unknown_sender"),
    ({"key": "wrong-key"}, "bad_signature"),
    ({"timestamp": int(time.time()) - 3600}, "stale_timestamp"),
    ({"timestamp": "soon"}, "bad_timestamp"),
])
def test_an_unsigned_wrongly_signed_or_replayed_alert_is_refused(client, cam, change, code):
    before = stored()
    response = send(client, alert(cam["code"]), **change)
    assert (response.status_code, response.json["error"]) == (401, code)
    assert stored() == before


def test_an_unsigned_request_is_refused_before_its_body_is_read(client, cam):
    response = client.post("/api/nonsite/alerts", data=b"not json", content_type="application/json")
    assert (response.status_code, response.json["error"]) == (401, "unknown_sender")


def test_an_alert_is_refused_whole_when_one_image_is_not_an_image(client, cam):
    before = stored()
    body = alert(cam["code"], images=[unique_jpeg()])
    body["images"].append({"data": base64.b64encode(b"GIF89a not really").decode()})
    response = send(client, body)
    assert (response.status_code, response.json["error"]) == (422, "not_an_image")
    assert "第 2 张图片" in response.json["message"]
    assert stored() == before


@pytest.mark.parametrize("change, status, code", [
    ({"images": [{"data": "@@@ not base64"}]}, 422, "bad_base64"),
    ({"images": []}, 422, "validation_error"),
    ({"kind": "out_of_store"}, 422, "kind_not_allowed"),
    ({"camera_id": "NOSUCHCAM"}, 422, "unknown_camera"),
    ({"plate": "ABC-123"}, 422, "bad_plate"),
    ({"confidence": 1.5}, 422, "validation_error"),
    ({"occurred_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, 422, "occurred_in_future"),
])
def test_bad_alerts_are_refused_with_a_reason_and_nothing_stored(client, cam, change, status, code):
    before = stored()
    response = send(client, {**alert(cam["code"]), **change})
    assert (response.status_code, response.json["error"]) == (status, code), response.json
    assert response.json["message"]
    assert stored() == before


def test_a_platform_may_not_report_for_another_platforms_camera(client, cam):
    response = send(client, alert(cam["code"]), sender="boxco")
    assert (response.status_code, response.json["error"]) == (403, "camera_not_yours")


def test_a_burst_of_the_same_event_is_one_alert_with_every_image(client, make, cam, leader):
    start = datetime.now(UTC) - timedelta(minutes=30)
    first = send(client, alert(cam["code"], at=start)).json
    second = send(client, alert(cam["code"], at=start + timedelta(minutes=3))).json
    third = send(client, alert(cam["code"], at=start + timedelta(minutes=7))).json  # 4 min after the last
    other_truck = send(client, alert(cam["code"], at=start + timedelta(minutes=1), plate="沪B54321")).json
    later = send(client, alert(cam["code"], at=start + timedelta(minutes=20))).json
    assert (second["burst_of"], third["burst_of"]) == (first["id"], first["id"])
    assert other_truck["burst_of"] is None and later["burst_of"] is None
    event = client.get(f"/api/nonsite/alerts/{first['id']}", headers=make.headers(leader)).json
    assert event["burst_size"] == 3 and len(event["evidence"]) == 3
    listed = client.get("/api/nonsite/alerts", headers=make.headers(leader)).json
    assert {item["id"] for item in listed} == {first["id"], other_truck["id"], later["id"]}


def test_the_camera_registry_refuses_unknown_kinds_and_senders_and_repeated_codes(client, make, squad, cam):
    admin = make.officer(Role.district_admin, district=squad.district)
    base = {"code": "CAMX1", "name": "x", "sender": "vision", "place": "某路", "lat": 31.2, "lng": 121.4,
            "kinds": ["muck_uncovered"], "squad_id": squad.id}
    for change, status, code in [({"kinds": ["flying_saucer"]}, 422, "unknown_kind"),
                                 ({"sender": "nobody"}, 422, "unknown_sender"),
                                 ({"code": cam["code"]}, 409, "camera_exists")]:
        response = client.post("/api/nonsite/cameras", headers=make.headers(admin), json={**base, **change})
        assert (response.status_code, response.json["error"]) == (status, code)
    officer = make.officer(squad=squad)
    assert client.post("/api/nonsite/cameras", headers=make.headers(officer), json=base).status_code == 403
    kinds = client.get("/api/nonsite/kinds", headers=make.headers(officer)).json
    assert {"code": "muck_uncovered", "name": "渣土车未密闭"}.items() <= {k["code"]: k for k in kinds}[
        "muck_uncovered"].items()
