"""A source's signed orders: stored once with our categories, GCJ-02 places, its deadlines and the reporter's
phone encrypted; every bad input refused with a reason and nothing stored, and the corrected retry accepted."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import eviltransform
import pytest
from sqlalchemy import func, select

from backend.db import session, utcnow
from backend.orders.models import WorkOrder
from backend.org.models import Officer, Role
from tests.orders.conftest import an_order, register, send


def orders() -> int:
    return session.scalar(select(func.count()).select_from(WorkOrder))


def test_an_order_is_stored_once_with_its_fields_mapped(client, make, platform, source, squad):
    resolve_due = (utcnow() + timedelta(hours=6)).replace(microsecond=0)
    order = an_order(resolve_due_at=resolve_due.isoformat())
    first = send(client, platform, source, order)
    assert first.status_code == 201, first.json
    again = send(client, platform, source, order)  # the platform retries after a lost answer
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert orders() == 1

    leader = session.scalars(select(Officer).where(Officer.squad_id == squad.id,
                                                   Officer.role == Role.squad_leader)).one()
    detail = client.get(f"/api/orders/{first.json['id']}", headers=make.headers(leader)).json
    assert detail["source"]["title"] == "区城运中心" and detail["source_order_id"] == order["order_id"]
    assert detail["category"] == "street_vending" and detail["source_category"] == "A0101"
    assert detail["status"] == "received"
    gcj = eviltransform.wgs2gcj(31.2290, 121.4540)
    assert (detail["lat"], detail["lng"]) == pytest.approx(gcj) and detail["lat"] != pytest.approx(31.2290)
    assert detail["resolve_due_at"].startswith(resolve_due.isoformat()[:19])  # the source's deadline wins
    assert detail["deadlines_from_source"] is True and detail["accept_due_at"] < detail["resolve_due_at"]
    assert detail["phone_masked"] == "138****5678"
    stored = session.get(WorkOrder, first.json["id"])
    assert b"13812345678" not in stored.phone_encrypted


def test_the_same_order_id_with_another_body_is_refused(client, platform, source):
    order = an_order()
    assert send(client, platform, source, order).status_code == 201
    changed = send(client, platform, source, {**order, "description": "另一件事"})
    assert changed.status_code == 409 and changed.json["error"] == "order_id_reused"
    assert orders() == 1


@pytest.mark.parametrize("tamper, status, code", [
    (lambda o, p: {"key": "a-wrong-key-of-some-other-source-0000"}, 401, "bad_signature"),
    (lambda o, p: {"at": time.time() - 3600}, 401, "stale_timestamp"),
    (lambda o, p: {"at": time.time() + 3600}, 401, "stale_timestamp"),
    (lambda o, p: o.update(category="Z9999"), 422, "unknown_category"),
    (lambda o, p: o.update(status="挂起"), 422, "unknown_status"),
    (lambda o, p: o.update(lat=48.85, lng=2.35), 422, "coordinates_outside_china"),
    (lambda o, p: o.update(lat=121.45, lng=31.22), 422, "bad_coordinates"),
    (lambda o, p: o.update(resolve_due_at=(utcnow() - timedelta(hours=1)).isoformat()), 422, "deadline_past"),
    (lambda o, p: o.update(resolve_due_at="明天"), 422, "bad_deadline"),
    (lambda o, p: o.pop("description") and None, 422, "bad_field"),
    (lambda o, p: o.update(reporter={"phone": "12345"}), 422, "invalid_phone"),
])
def test_bad_input_is_refused_with_a_reason_and_the_corrected_retry_succeeds(client, platform, source, tamper,
                                                                           status, code):
    order = an_order()
    bad = dict(order)
    signing = tamper(bad, platform) or {}
    refused = send(client, platform, source, bad, **signing)
    assert refused.status_code == status and refused.json["error"] == code, refused.json
    assert refused.json["message"]
    assert orders() == 0
    assert send(client, platform, source, order).status_code == 201


def test_unsigned_garbage_and_unknown_sources_are_refused(client, platform, source):
    unsigned = client.post(f"/api/orders/inbound/{source['name']}", data=b"{}", content_type="application/json")
    assert unsigned.status_code == 401 and unsigned.json["error"] == "signature_missing"
    garbage = send(client, platform, source, b"\xff\x00not json")
    assert garbage.status_code == 422 and garbage.json["error"] == "bad_json"
    unknown = client.post("/api/orders/inbound/nobody", **platform.signed(an_order()))
    assert unknown.status_code == 404 and unknown.json["error"] == "unknown_source"
    assert orders() == 0


def test_a_source_is_configured_by_the_district_administrator_only(client, make, squad, admin, source):
    leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    listed = client.get("/api/orders/sources", headers=make.headers(admin)).json
    assert [s["name"] for s in listed] == [source["name"]] and "key" not in listed[0]
    refused = client.post("/api/orders/sources", headers=make.headers(leader), json={})
    assert refused.status_code == 403
    bad = client.post("/api/orders/sources", headers=make.headers(admin), json={
        "name": "grid1", "title": "网格", "kind": "grid", "key": "k" * 40, "squad_id": squad.id,
        "category_map": {"X": "no_such_category"}, "status_map": {}})
    assert bad.status_code == 422 and bad.json["error"] == "bad_category_map"


@pytest.mark.parametrize("path, body", [
    ("", b'{"order_id": "CY1", "description": "\\ud800 \\u6446\\u644a"}'),
    ("", b'{"order_id": "CY1", "reporter": {"name": "\\u0000"}}'),
    ("/updates", b'{"order_id": "CY1", "note": "\\udfff"}'),
    ("/followups", b'{"order_id": "CY1", "note": "\\u0000"}'),
    ("", b"[" * 100000),
    ("", b'{"order_id": ' + b"9" * 5000 + b"}"),
])
def test_hostile_bodies_are_refused_with_a_reason(client, platform, source, path, body):
    refused = client.post(f"/api/orders/inbound/{source['name']}{path}", **platform.signed(body))
    assert refused.status_code == 422 and refused.json["error"] in ("invalid_text", "bad_json"), refused.json
    assert orders() == 0


def test_the_same_new_order_sent_at_once_is_stored_once(committed_app, make, platform):
    """The platform's retry racing its slow first send: one order, every answer a success, none a 500."""
    squad = make.squad()
    make.officer(Role.squad_leader, squad=squad)
    admin = make.officer(Role.district_admin, district=squad.district)
    session.commit()
    source = register(committed_app.test_client(), make, admin, squad, platform)
    order = an_order()

    def push(_):
        return send(committed_app.test_client(), platform, source, order)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = sorted(response.status_code for response in pool.map(push, range(12)))
    assert answers == [200] * 11 + [201]
    session.remove()
    assert orders() == 1
