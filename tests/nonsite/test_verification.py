"""现场核实 through the work-order queue: a confirmed shop-front alert goes to the officer on duty nearest the
camera as an order of the internal source "nonsite"; the officer's 办结 (or the leader's 退单) comes back to the
case, which waits for it before 法制审核. Played through HTTP only."""
from __future__ import annotations

from datetime import timedelta

from backend.db import utcnow
from tests.nonsite.platform import alert, camera, send


def _shop_case(client, make, squad, leader):
    cam = camera(client, make, squad, kinds=("out_of_store", "muck_uncovered"))
    sent = send(client, alert(cam["code"], kind="out_of_store", plate=None, shop="老王水果店")).json
    triaged = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                          json={"decision": "confirmed", "reason": "跨门营业，店招清晰"})
    assert triaged.status_code == 200, triaged.json
    return client.get(f"/api/nonsite/cases/{triaged.json['case_id']}", headers=make.headers(leader)).json


def _submit(client, make, leader, case_id):
    return client.post(f"/api/nonsite/cases/{case_id}/submit", headers=make.headers(leader), json={
        "facts": "老王水果店跨门营业", "legal_basis": "《上海市市容环境卫生管理条例》", "fine": 500})


def _act(client, make, who, order_id, action, **fields):
    return client.post(f"/api/orders/{order_id}/actions", headers=make.headers(who), json={"action": action, **fields})


def test_the_officer_on_duty_nearby_verifies_on_site_and_the_result_comes_back_to_the_case(client, make, squad,
                                                                                          leader):
    near, far, off_duty = (make.officer(squad=squad) for _ in range(3))
    now = utcnow()
    make.shift(near, now - timedelta(hours=1), now + timedelta(hours=3), post=make.post(squad, lat=31.2701, lng=121.45))
    make.shift(far, now - timedelta(hours=1), now + timedelta(hours=3), post=make.post(squad, lat=31.30, lng=121.50))
    case = _shop_case(client, make, squad, leader)
    assert case["verification"] == "pending"
    order_id = case["verification_order_id"]

    order = client.get(f"/api/orders/{order_id}", headers=make.headers(near))
    assert order.status_code == 200, order.json
    assert (order.json["status"], order.json["assignee_id"], order.json["category"]) == (
        "assigned", near.id, "shop_overflow")
    assert "老王水果店" in order.json["description"]
    assert client.get(f"/api/orders/{order_id}", headers=make.headers(off_duty)).status_code == 404

    waiting = _submit(client, make, leader, case["id"])
    assert (waiting.status_code, waiting.json["error"]) == (409, "awaiting_verification")

    assert _act(client, make, near, order_id, "start").status_code == 200
    resolved = _act(client, make, near, order_id, "resolve", text="现场核实：店外堆放水果筐三只，属实")
    assert resolved.status_code == 200, resolved.json
    case = client.get(f"/api/nonsite/cases/{case['id']}", headers=make.headers(leader)).json
    assert (case["verification"], case["verification_note"]) == ("verified", "现场核实：店外堆放水果筐三只，属实")
    assert _act(client, make, leader, order_id, "close").status_code == 200  # tells again; the result stands
    submitted = _submit(client, make, leader, case["id"])
    assert submitted.status_code == 200 and submitted.json["state"] == "in_review", submitted.json
    assert submitted.json["verification"] == "verified"


def test_nobody_on_duty_leaves_the_order_to_the_leader_and_a_return_means_not_verified(client, make, squad, leader):
    make.officer(squad=squad)  # in the squad, but not on duty
    case = _shop_case(client, make, squad, leader)
    order_id = case["verification_order_id"]
    order = client.get(f"/api/orders/{order_id}", headers=make.headers(leader)).json
    assert (order["status"], order["assignee_id"]) == ("received", None)
    assert client.post("/api/orders/inbound/nonsite." + str(squad.district_id), data=b"{}",
                       content_type="application/json").status_code == 404  # no one posts as the internal source
    returned = _act(client, make, leader, order_id, "return", text="到场时已无跨门营业，店主称系临时卸货")
    assert returned.status_code == 200, returned.json
    case = client.get(f"/api/nonsite/cases/{case['id']}", headers=make.headers(leader)).json
    assert case["verification"] == "not_verified" and "临时卸货" in case["verification_note"]
    refused = _submit(client, make, leader, case["id"])
    assert (refused.status_code, refused.json["error"]) == (409, "not_verified")


def test_a_kind_without_a_visit_goes_straight_on(client, make, squad, leader):
    cam = camera(client, make, squad)
    sent = send(client, alert(cam["code"])).json
    case_id = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                          json={"decision": "confirmed", "reason": "车厢未密闭"}).json["case_id"]
    case = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    assert (case["verification"], case["verification_order_id"]) == (None, None)
    assert _submit(client, make, leader, case_id).status_code == 200
