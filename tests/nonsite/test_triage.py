"""Triage: a reviewer confirms an alert (a non-site case is opened) or dismisses it as a false positive, with
the reason; the precision per camera and kind follows."""
from __future__ import annotations

from tests.nonsite.platform import alert, camera, send


def _triage(client, make, who, alert_id, **body):
    return client.post(f"/api/nonsite/alerts/{alert_id}/triage", headers=make.headers(who), json=body)


def test_confirming_opens_a_case_and_dismissing_records_the_false_positive(client, make, squad, leader):
    cam = camera(client, make, squad)
    truck, ghost = (send(client, alert(cam["code"], plate=plate)).json for plate in ("沪A12345", "沪B54321"))
    confirmed = _triage(client, make, leader, truck["id"], decision="confirmed", reason="车厢未覆盖，车牌清晰")
    assert confirmed.status_code == 200 and confirmed.json["decision"] == "confirmed"
    assert confirmed.json["case_id"] is not None
    missing_kind = _triage(client, make, leader, ghost["id"], decision="dismissed", reason="不是渣土车")
    assert (missing_kind.status_code, missing_kind.json["error"]) == (422, "false_positive_kind")
    dismissed = _triage(client, make, leader, ghost["id"], decision="dismissed", reason="不是渣土车",
                        false_positive="wrong_object")
    assert (dismissed.json["false_positive_name"], dismissed.json["case_id"]) == ("识别对象错误", None)
    again = _triage(client, make, leader, ghost["id"], decision="confirmed", reason="改主意")
    assert (again.status_code, again.json["error"]) == (409, "alert_decided")
    pending = client.get("/api/nonsite/alerts?undecided=true", headers=make.headers(leader)).json
    assert pending == []


def test_precision_per_camera_and_kind(client, make, squad, leader):
    east, west = camera(client, make, squad), camera(client, make, squad)
    outcomes = [(east, "沪A11111", "confirmed"), (east, "沪A22222", "dismissed"), (east, "沪A33333", "confirmed"),
                (east, "沪A44444", "confirmed"), (west, "沪A55555", "dismissed")]
    for cam, plate, decision in outcomes:
        sent = send(client, alert(cam["code"], plate=plate)).json
        body = {"false_positive": "no_violation"} if decision == "dismissed" else {}
        assert _triage(client, make, leader, sent["id"], decision=decision, reason="研判", **body).status_code == 200
    send(client, alert(east["code"], plate="沪A66666"))  # not yet judged: not counted
    rows = client.get("/api/nonsite/precision", headers=make.headers(leader)).json
    by_camera = {row["camera_code"]: row for row in rows}
    assert (by_camera[east["code"]]["confirmed"], by_camera[east["code"]]["dismissed"]) == (3, 1)
    assert by_camera[east["code"]]["precision"] == 0.75
    assert by_camera[west["code"]]["precision"] == 0 and by_camera[west["code"]]["false_positives"]["no_violation"] == 1


def test_an_alert_merged_into_a_burst_is_triaged_through_the_first(client, make, squad, leader):
    cam = camera(client, make, squad)
    first = send(client, alert(cam["code"])).json
    repeat = send(client, alert(cam["code"])).json
    assert repeat["burst_of"] == first["id"]
    response = _triage(client, make, leader, repeat["id"], decision="confirmed", reason="同一事件")
    assert (response.status_code, response.json["error"]) == (409, "alert_in_burst")


def test_an_officer_may_not_triage(client, make, squad):
    cam = camera(client, make, squad)
    sent = send(client, alert(cam["code"])).json
    officer = make.officer(squad=squad)
    assert _triage(client, make, officer, sent["id"], decision="confirmed", reason="x").status_code == 403
