"""Repeats (重复投诉): orders and residents' complaints about the same place and category within the window
are linked, both ways, and listed for 重复投诉核查督办; another category, a farther place or a later day is not."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from backend.community.models import Complaint
from backend.community.privacy import normalize_tracking_code
from backend.db import session, utcnow
from backend.orders.models import WorkOrder
from backend.org.models import Officer, Role
from tests.community.conftest import submit
from tests.orders.conftest import an_order, send

METRE = 1 / 111_195  # degrees of latitude


def leader_of(squad) -> Officer:
    return session.scalars(select(Officer).where(Officer.squad_id == squad.id,
                                                 Officer.role == Role.squad_leader)).one()


def links(client, make, who, **ids):
    return client.get("/api/orders/repeats/links", headers=make.headers(who), query_string=ids)


def test_an_order_and_a_complaint_at_the_same_place_are_linked_both_ways(client, make, platform, source, squad):
    leader = leader_of(squad)
    first_id = send(client, platform, source, an_order()).json["id"]
    first = session.get(WorkOrder, first_id)
    office = make.office(squad)
    # a resident 30 m north of the order, the same category (无序设摊), in GCJ-02 as the mini-app sends it
    complaint = submit(client, office, lat=str(first.lat + 30 * METRE), lng=str(first.lng), coord_system="gcj02")
    assert complaint.status_code == 201, complaint.json
    complaint_id = session.scalars(select(Complaint.id).where(
        Complaint.tracking_code == normalize_tracking_code(complaint.json["tracking_code"]))).one()
    other_category = send(client, platform, source, an_order(category="A0203")).json["id"]  # 占道堆物
    far = send(client, platform, source, an_order(lat=31.2290 + 200 * METRE)).json["id"]  # 200 m away

    flagged = client.get("/api/orders/repeats", headers=make.headers(leader)).json
    assert [(r["earlier"], r["later"], r["category"]) for r in flagged] == [
        ({"kind": "order", "id": first_id}, {"kind": "complaint", "id": complaint_id}, "street_vending")]
    assert 29 <= flagged[0]["distance_m"] <= 31

    of_order = links(client, make, leader, order_id=first_id).json
    assert of_order["repeats"] is None and [r["later"]["id"] for r in of_order["repeated_by"]] == [complaint_id]
    of_complaint = links(client, make, leader, complaint_id=complaint_id).json
    assert of_complaint["repeats"]["earlier"] == {"kind": "order", "id": first_id}
    assert of_complaint["repeated_by"] == []
    for alone in (other_category, far):
        assert links(client, make, leader, order_id=alone).json == {"repeats": None, "repeated_by": []}

    # the same place again the next day repeats the latest earlier item: the complaint
    with time_machine.travel(utcnow() + timedelta(days=1)):
        again = send(client, platform, source, an_order()).json["id"]
    assert links(client, make, leader, order_id=again).json["repeats"]["earlier"] == {"kind": "complaint",
                                                                                      "id": complaint_id}
    # … and past ORDERS_REPEAT_DAYS (30) it is a new problem, not a repeat
    with time_machine.travel(utcnow() + timedelta(days=40)):
        late = send(client, platform, source, an_order()).json["id"]
    assert links(client, make, leader, order_id=late).json["repeats"] is None
    assert len(client.get("/api/orders/repeats", headers=make.headers(leader)).json) == 2


def test_the_distance_and_days_are_the_districts_settings(app, client, make, platform, source, squad, monkeypatch):
    monkeypatch.setitem(app.config, "ORDERS_REPEAT_DISTANCE_M", "300")
    first = send(client, platform, source, an_order()).json["id"]
    far = send(client, platform, source, an_order(lat=31.2290 + 200 * METRE)).json["id"]
    assert links(client, make, leader_of(squad), order_id=far).json["repeats"]["earlier"]["id"] == first
    monkeypatch.setitem(app.config, "ORDERS_REPEAT_DAYS", "0")
    assert links(client, make, leader_of(squad),
                 order_id=send(client, platform, source, an_order()).json["id"]).json["repeats"] is None


def test_who_sees_repeats(client, make, platform, source, squad):
    first = send(client, platform, source, an_order()).json["id"]
    send(client, platform, source, an_order())
    other_leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    officer = make.officer(squad=squad)
    admin = make.officer(Role.district_admin, district=squad.district)
    stranger = make.officer(Role.district_admin)
    assert len(client.get("/api/orders/repeats", headers=make.headers(admin)).json) == 1
    assert client.get("/api/orders/repeats", headers=make.headers(other_leader)).json == []
    assert client.get("/api/orders/repeats", headers=make.headers(stranger)).json == []
    assert client.get("/api/orders/repeats", headers=make.headers(officer)).status_code == 403
    assert links(client, make, other_leader, order_id=first).status_code == 404
    assert links(client, make, officer, order_id=first).status_code == 404  # not assigned to them
    assert links(client, make, admin, order_id=first, complaint_id=1).status_code == 422
    assert links(client, make, admin).status_code == 422
    assert links(client, make, admin, order_id=2**70).status_code == 422
    month = client.get("/api/orders/repeats?month=2099-13", headers=make.headers(admin))
    assert month.status_code == 422
