"""What the source decides, sent to its signed update endpoint in its own status words: our extension request
granted (the deadline moves) or refused, the order withdrawn or closed by it, a new deadline; sent again it
changes nothing more; a word it never configured is a 422 it can log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend.db import utcnow
from tests.orders.conftest import an_order, send
from tests.orders.test_handling import act, people


def update(client, platform, source, **fields):
    return client.post(f"/api/orders/inbound/{source['name']}/updates", **platform.signed(fields))


def detail(client, make, who, order_id) -> dict:
    return client.get(f"/api/orders/{order_id}", headers=make.headers(who)).json


@pytest.fixture
def handled(client, make, platform, source, squad):
    """An order assigned to an officer who asked the source for three more days."""
    leader, officer, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    act(client, make, leader, order_id, "assign", officer_id=officer.id)
    until = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    act(client, make, officer, order_id, "extension", until=until.isoformat(), text="需协调产权单位")
    return order, order_id, leader, officer, until


def test_an_extension_granted_moves_the_deadline_once(client, make, platform, source, handled):
    order, order_id, leader, officer, until = handled
    for _ in range(2):  # the source retries after a lost answer
        granted = update(client, platform, source, order_id=order["order_id"], status="延期通过", note="同意")
        assert granted.status_code == 200, granted.json
    shown = detail(client, make, leader, order_id)
    assert shown["resolve_due_at"].startswith(until.isoformat()[:19]) and shown["extension_until"] is None
    assert [e["kind"] for e in shown["events"]][-1] == "extension_granted"
    assert sum(e["kind"] == "extension_granted" for e in shown["events"]) == 1
    assert shown["events"][-1]["note"].endswith("同意")


def test_an_extension_refused_keeps_the_deadline_and_a_later_grant_is_a_conflict(client, make, platform, source,
                                                                               handled):
    order, order_id, leader, _, _ = handled
    before = detail(client, make, leader, order_id)["resolve_due_at"]
    assert update(client, platform, source, order_id=order["order_id"], status="延期驳回").status_code == 200
    shown = detail(client, make, leader, order_id)
    assert (shown["resolve_due_at"], shown["extension_until"]) == (before, None)
    late = update(client, platform, source, order_id=order["order_id"], status="延期通过")
    assert late.status_code == 409 and late.json["error"] == "no_extension_asked"


def test_withdrawn_by_the_source_the_order_leaves_the_squads_hands(client, make, platform, source, handled):
    order, order_id, leader, officer, _ = handled
    assert update(client, platform, source, order_id=order["order_id"], status="已撤单",
                  note="市民已自行解决").json["status"] == "withdrawn"
    assert update(client, platform, source, order_id=order["order_id"], status="已撤单").status_code == 200
    assert act(client, make, officer, order_id, "resolve", text="已处置").json["error"] == "bad_transition"
    assert client.get("/api/orders?overdue=true", headers=make.headers(leader)).json == []
    closed = update(client, platform, source, order_id=order["order_id"], status="已结案")
    assert closed.status_code == 409 and closed.json["error"] == "bad_transition"


def test_closed_by_the_source_and_a_new_deadline(client, make, platform, source, squad):
    leader, _, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    due = (utcnow() + timedelta(hours=30)).replace(microsecond=0)
    moved = update(client, platform, source, order_id=order["order_id"], resolve_due_at=due.isoformat())
    assert moved.status_code == 200
    shown = detail(client, make, leader, order_id)
    assert shown["resolve_due_at"].startswith(due.isoformat()[:19]) and shown["deadlines_from_source"] is True
    assert update(client, platform, source, order_id=order["order_id"], status="已结案").json["status"] == "closed"
    assert detail(client, make, leader, order_id)["events"][-1]["kind"] == "source_closed"


@pytest.mark.parametrize("fields, status, code", [
    ({"status": "挂起"}, 422, "unknown_status"),  # a word the source never configured
    ({"status": "处置中"}, 422, "status_not_updatable"),  # ours to say, not the source's
    ({"status": "延期通过", "order_id": "NOPE"}, 404, "unknown_order"),
    ({}, 422, "bad_field"),
    ({"resolve_due_at": "2020-01-01T00:00:00+08:00"}, 422, "deadline_past"),
    ({"resolve_due_at": "9999-12-31T23:59:59"}, 422, "bad_deadline"),
])
def test_an_update_it_cannot_apply_is_a_4xx_the_source_can_log(client, make, platform, source, squad, fields,
                                                               status, code):
    leader, _, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    before = detail(client, make, leader, order_id)
    refused = update(client, platform, source, **{"order_id": order["order_id"], **fields})
    assert refused.status_code == status and refused.json["error"] == code and refused.json["message"]
    assert detail(client, make, leader, order_id) == before
    unsigned = client.post(f"/api/orders/inbound/{source['name']}/updates", json={"order_id": order["order_id"]})
    assert unsigned.status_code == 401
