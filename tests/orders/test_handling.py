"""The squad's queue of outside orders, and each step the platform follows answered back to it, signed,
through the outbox: played through to 办结, a 退单 and a 移送, an extension, the platform down meanwhile."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from backend.community.models import Status as ComplaintStatus
from backend.db import session, utcnow
from backend.org.models import Officer, Role
from backend.outbox import OutboxMessage, deliver
from tests.orders.conftest import an_order, send


def people(make, squad) -> tuple[Officer, Officer, Officer]:
    leader = session.scalars(select(Officer).where(Officer.squad_id == squad.id,
                                                   Officer.role == Role.squad_leader)).one()
    return leader, make.officer(squad=squad), make.officer(squad=squad)


def act(client, make, who, order_id, action, **fields):
    return client.post(f"/api/orders/{order_id}/actions", headers=make.headers(who), json={"action": action, **fields})


def words(platform, order) -> list[tuple[str, str | None]]:
    return [(a["event"], a["status"]) for a in platform.answers_for(order["order_id"])]


def test_an_order_is_played_through_to_its_answer_at_the_platform(client, make, platform, source, squad):
    leader, officer, other = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]

    queue = client.get("/api/orders", headers=make.headers(leader)).json
    assert [(o["id"], o["source"]["title"]) for o in queue] == [(order_id, "区城运中心")]
    assert client.get("/api/orders", headers=make.headers(officer)).json == []  # not theirs yet
    suggested = client.get(f"/api/orders/{order_id}/suggestions", headers=make.headers(leader)).json
    assert {s["officer_id"] for s in suggested} == {officer.id, other.id}

    assert act(client, make, leader, order_id, "assign", officer_id=officer.id).json["status"] == "assigned"
    assert client.get(f"/api/orders/{order_id}", headers=make.headers(other)).status_code == 404
    assert act(client, make, other, order_id, "start").status_code == 404
    assert act(client, make, officer, order_id, "start").json["status"] == "in_progress"
    assert act(client, make, officer, order_id, "reply", text="已到现场，正在劝离").status_code == 200
    assert act(client, make, officer, order_id, "close").status_code == 403  # the leader closes
    resolved = act(client, make, officer, order_id, "resolve", text="摊贩已劝离，现场已恢复")
    assert resolved.json["status"] == "resolved"
    assert act(client, make, leader, order_id, "close").json["status"] == "closed"
    assert act(client, make, leader, order_id, "resolve", text="再办一次").status_code == 409

    assert platform.answers == []  # nothing waits on the platform: the outbox sends
    deliver()
    assert words(platform, order) == [("accept", "已受理"), ("assign", "已派遣"), ("start", "处置中"),
                                      ("reply", "处置中"), ("resolve", "已办结"), ("close", "已结案")]
    resolve_answer = platform.answers_for(order["order_id"])[4]
    assert resolve_answer["reply"] == "摊贩已劝离，现场已恢复"


def test_a_return_and_a_referral_reach_the_platform_with_their_reason(client, make, platform, source, squad):
    leader, officer, _ = people(make, squad)
    not_ours, housing = an_order(category="A0203"), an_order(category="B0301")
    not_ours_id = send(client, platform, source, not_ours).json["id"]
    housing_id = send(client, platform, source, housing).json["id"]

    assert act(client, make, leader, not_ours_id, "return").json["error"] == "reason_required"
    returned = act(client, make, leader, not_ours_id, "return", text="该地块属铁路用地，非城管职责")
    assert returned.json["status"] == "returned"
    assert act(client, make, leader, not_ours_id, "assign", officer_id=officer.id).status_code == 409
    referred = act(client, make, leader, housing_id, "refer", department="区住建委", text="属住宅小区内违建")
    assert referred.json["status"] == "referred" and referred.json["events"][-1]["department"] == "区住建委"

    deliver()
    [returned_answer] = platform.answers_for(not_ours["order_id"])
    assert (returned_answer["status"], returned_answer["note"]) == ("已退回", "该地块属铁路用地，非城管职责")
    [referred_answer] = platform.answers_for(housing["order_id"])
    assert (referred_answer["status"], referred_answer["department"]) == ("已移送", "区住建委")


def test_answers_wait_while_the_platform_is_down_and_arrive_once(client, make, platform, source, squad):
    leader, _, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    platform.up = False
    assert act(client, make, leader, order_id, "accept").status_code == 200  # the squad is not held up
    deliver()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "orders.answer")).one()
    assert message.state == "pending" and "503" in message.last_error
    platform.up = True
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        deliver()
        deliver()
    assert words(platform, order) == [("accept", "已受理")]


def test_deadlines_overdue_and_an_extension_request(client, make, platform, source, squad):
    leader, officer, _ = people(make, squad)
    soon = an_order(resolve_due_at=(utcnow() + timedelta(hours=2)).isoformat())
    order_id = send(client, platform, source, soon).json["id"]
    send(client, platform, source, an_order())  # our own deadline for 无序设摊: a day
    act(client, make, leader, order_id, "assign", officer_id=officer.id)
    before_due = (utcnow() + timedelta(hours=1)).isoformat()  # in the future, yet before the current deadline
    too_early = act(client, make, officer, order_id, "extension", until=before_due, text="需协调")
    assert too_early.json["error"] == "bad_extension"
    until = (utcnow() + timedelta(days=3)).isoformat()
    asked = act(client, make, officer, order_id, "extension", until=until, text="需协调产权单位")
    assert asked.status_code == 200 and asked.json["extension_until"] is not None

    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        late = client.get("/api/orders?overdue=true", headers=make.headers(leader)).json
        assert [o["id"] for o in late] == [order_id] and late[0]["overdue"] is True  # until the source grants it
        queue = client.get("/api/orders", headers=make.headers(leader)).json
        assert [o["id"] for o in queue][0] == order_id and len(queue) == 2
    deliver()
    extension = [a for a in platform.answers_for(soon["order_id"]) if a["event"] == "extension"]
    assert extension[0]["note"] == "需协调产权单位" and extension[0]["extension_until"]


def test_the_platforms_followup_result_is_kept_on_the_finished_order(client, make, platform, source, squad):
    leader, officer, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    followups = f"/api/orders/inbound/{source['name']}/followups"
    followup = {"order_id": order["order_id"], "satisfaction": "基本满意", "note": "摊贩傍晚又来了"}
    early = client.post(followups, **platform.signed(followup))
    assert early.status_code == 409 and early.json["error"] == "not_finished"
    act(client, make, leader, order_id, "assign", officer_id=officer.id)
    act(client, make, officer, order_id, "resolve", text="已劝离")
    assert client.post(followups, **platform.signed({**followup, "satisfaction": "很好"})).json["error"] \
        == "unknown_satisfaction"
    assert client.post(followups, **platform.signed({**followup, "order_id": "NOPE"})).status_code == 404
    assert client.post(followups, **platform.signed(followup, key="x" * 40)).status_code == 401
    assert client.post(followups, **platform.signed(followup)).status_code == 200
    detail = client.get(f"/api/orders/{order_id}", headers=make.headers(leader)).json
    assert (detail["followup_result"], detail["followup_note"]) == ("basically_satisfied", "摊贩傍晚又来了")


def test_both_suggestions_count_the_orders_and_complaints_an_officer_has_in_hand(client, make, platform, source,
                                                                                 squad):
    leader, busy, free = people(make, squad)
    make.complaint(make.office(squad), status=ComplaintStatus.in_progress, assignee_id=busy.id)
    for _ in range(2):
        handled = send(client, platform, source, an_order()).json["id"]
        act(client, make, leader, handled, "assign", officer_id=busy.id)
    finished = send(client, platform, source, an_order()).json["id"]
    act(client, make, leader, finished, "assign", officer_id=free.id)
    act(client, make, free, finished, "resolve", text="已处置")  # no longer in hand
    session.commit()
    order_id = send(client, platform, source, an_order()).json["id"]

    suggested = client.get(f"/api/orders/{order_id}/suggestions", headers=make.headers(leader)).json
    assert [(s["officer_id"], s["in_hand"]) for s in suggested] == [(free.id, 0), (busy.id, 3)]
    # a resident's complaint asks the same question of every domain's work in hand (Domain.work_in_hand)
    complaint = make.complaint(make.office(squad))
    session.commit()
    suggested = client.get(f"/api/community/complaints/{complaint.id}/suggestions", headers=make.headers(leader)).json
    assert [(s["officer_id"], s["in_hand"]) for s in suggested] == [(free.id, 0), (busy.id, 3)]


@pytest.mark.parametrize("misbehave, error", [
    ({"slow": 2.5}, "不可达：ReadTimeout"),
    ({"up": False}, "HTTP 503"),
    ({"garbage": b"<html>502 Bad Gateway</html>"}, "应答无法识别"),
    ({"garbage": b'{"code": 500, "msg": "busy"}'}, "应答无法识别"),
])
def test_an_answer_the_platform_does_not_acknowledge_is_shown_undelivered_and_retried(
        client, make, platform, source, squad, admin, app, monkeypatch, misbehave, error):
    monkeypatch.setitem(app.config, "ORDERS_CALLBACK_TIMEOUT_SECONDS", 1)
    leader, _, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    for name, value in misbehave.items():
        setattr(platform, name, value)
    assert act(client, make, leader, order_id, "accept").status_code == 200
    deliver()
    [shown] = client.get("/api/outbox/messages", headers=make.headers(admin)).json
    assert shown["kind"] == "orders.answer" and shown["state"] == "pending" and error in shown["last_error"]
    platform.reset()
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        deliver()
    assert client.get("/api/outbox/messages", headers=make.headers(admin)).json == []
    time.sleep(misbehave.get("slow", 0))  # the slow platform took the first sending in meanwhile: kept once
    assert [(a["event"], a["status"]) for a in platform.answers_for(order["order_id"])] == [("accept", "已受理")]
