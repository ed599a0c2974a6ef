"""Work orders feed the daily records (日记实): handled on time or late, 回访 satisfaction, 退单 the platform
refused (退单驳回: what makes a return unjustified), repeats of what an officer had resolved — a day played
through HTTP at chosen times, then the nightly job, then each officer's records and month read back."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine

from backend.db import LOCAL_TZ, session
from backend.supervision.points import jobs
from tests.orders.conftest import an_order, send
from tests.orders.test_handling import act, people

DAY = date(2026, 11, 20)


def at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=LOCAL_TZ) + timedelta(days=days)


def somewhere(n: int, **fields) -> dict:
    """An order about 1 km north of the n-th (no repeat of another unless placed so)."""
    return an_order(lat=31.10 + n * 0.01, lng=121.4540, **fields)


def inbound(client, platform, source, path: str, **fields):
    response = client.post(f"/api/orders/inbound/{source['name']}/{path}", **platform.signed(fields))
    assert response.status_code == 200, response.json
    return response


def daily(client, make, officer) -> set[tuple[str, str, str]]:
    response = client.get("/api/points/daily", headers=make.headers(officer), query_string={
        "officer_id": officer.id, "date_from": DAY.isoformat(), "date_to": DAY.isoformat()})
    assert response.status_code == 200, response.json
    return {(row["item"], row["quantity"], row["source"]) for row in response.json}


def month(client, make, officer) -> tuple[dict[str, str], str]:
    [row] = client.get("/api/points/monthly", headers=make.headers(officer), query_string={
        "month": f"{DAY:%Y-%m}", "officer_id": officer.id}).json
    sheet = client.get(f"/api/points/monthly/{row['id']}", headers=make.headers(officer)).json
    return {line["item"]: line["points"] for line in sheet["lines"]}, sheet["total"]


def handled(client, make, platform, source, leader, officer, n: int, *, due: datetime, resolved: datetime) -> dict:
    """An order received at 09:00 with the platform's deadline `due`, assigned to `officer`, resolved then."""
    with time_machine.travel(at(9), tick=False):
        order = somewhere(n, resolve_due_at=due.isoformat())
        order_id = send(client, platform, source, order).json["id"]
        act(client, make, leader, order_id, "assign", officer_id=officer.id)
    with time_machine.travel(resolved, tick=False):
        assert act(client, make, officer, order_id, "resolve", text="已处置").status_code == 200
    return order


def test_a_day_of_orders_becomes_each_officers_records_and_month(client, make, platform, source, squad):
    leader, alice, bob = people(make, squad)
    # alice: one on time (回访 满意), one late (回访 不满意)
    on_time = handled(client, make, platform, source, leader, alice, 1, due=at(18), resolved=at(12))
    late = handled(client, make, platform, source, leader, alice, 2, due=at(10), resolved=at(11))
    with time_machine.travel(at(13), tick=False):
        inbound(client, platform, source, "followups", order_id=on_time["order_id"], satisfaction="满意")
        inbound(client, platform, source, "followups", order_id=late["order_id"], satisfaction="不满意")
    # the leader returns two orders (退单); the platform refuses one of them the same afternoon, twice (a retry)
    with time_machine.travel(at(9, 30), tick=False):
        refused, stands = somewhere(3), somewhere(4)
        for order in (refused, stands):
            order_id = send(client, platform, source, order).json["id"]
            assert act(client, make, leader, order_id, "return", text="非城管职责").status_code == 200
    with time_machine.travel(at(15), tick=False):
        for _ in range(2):
            back = inbound(client, platform, source, "updates", order_id=refused["order_id"], status="退单驳回",
                           note="属占道经营，请办理")
        assert back.json["status"] == "accepted"
    # bob resolved a problem two days ago; it is reported again today at the same place: it came back
    with time_machine.travel(at(9, days=-2), tick=False):
        first = send(client, platform, source, somewhere(5, place="同一点位")).json["id"]
        act(client, make, leader, first, "assign", officer_id=bob.id)
        act(client, make, bob, first, "resolve", text="已劝离")
    # … while a problem still being handled and reported again is no failure of anyone's
    with time_machine.travel(at(8), tick=False):
        open_one = send(client, platform, source, somewhere(6)).json["id"]
        act(client, make, leader, open_one, "assign", officer_id=bob.id)
    with time_machine.travel(at(16), tick=False):
        send(client, platform, source, somewhere(5, place="同一点位"))
        send(client, platform, source, somewhere(6))
    session.commit()

    jobs.daily_records(DAY)
    session.commit()

    assert daily(client, make, alice) == {("order_on_time", "1.000", "orders"), ("order_late", "1.000", "orders"),
                                          ("order_satisfied", "1.000", "orders"),
                                          ("order_dissatisfied", "1.000", "orders")}
    assert daily(client, make, leader) == {("order_return_unjustified", "1.000", "orders")}
    assert daily(client, make, bob) == {("order_repeat", "1.000", "orders")}
    assert month(client, make, alice) == ({"order_on_time": "0.50", "order_late": "-1.00", "order_satisfied": "0.20",
                                           "order_dissatisfied": "-0.50"}, "99.20")
    assert month(client, make, leader) == ({"order_return_unjustified": "-1.00"}, "99.00")
    assert month(client, make, bob) == ({"order_repeat": "-0.50"}, "99.50")


def test_a_refused_return_puts_the_order_back_in_the_squads_hands(client, make, platform, source, squad):
    leader, officer, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    none_yet = client.post(f"/api/orders/inbound/{source['name']}/updates",
                           **platform.signed({"order_id": order["order_id"], "status": "退单驳回"}))
    assert none_yet.status_code == 409 and none_yet.json["error"] == "not_returned"
    act(client, make, leader, order_id, "return", text="非本中队辖区")
    inbound(client, platform, source, "updates", order_id=order["order_id"], status="退单驳回", note="属本辖区")
    shown = client.get(f"/api/orders/{order_id}", headers=make.headers(leader)).json
    assert (shown["status"], shown["assignee_id"]) == ("accepted", None)
    assert [e["kind"] for e in shown["events"]][-2:] == ["return", "return_rejected"]
    assert act(client, make, leader, order_id, "assign", officer_id=officer.id).status_code == 200
    # returned again and withdrawn by the platform: a late refusal no longer applies
    act(client, make, leader, order_id, "refer", department="区房管局")
    other = an_order()
    other_id = send(client, platform, source, other).json["id"]
    act(client, make, leader, other_id, "return", text="非城管职责")
    inbound(client, platform, source, "updates", order_id=other["order_id"], status="已撤单")
    late = client.post(f"/api/orders/inbound/{source['name']}/updates",
                       **platform.signed({"order_id": other["order_id"], "status": "退单驳回"}))
    assert late.status_code == 409 and late.json["error"] == "bad_transition"


def records(client, make, officer, days: int) -> list[set[tuple[str, str]]]:
    """The officer's orders records of DAY and the `days` - 1 days after it, a set per day."""
    last = DAY + timedelta(days=days - 1)
    response = client.get("/api/points/daily", headers=make.headers(officer), query_string={
        "officer_id": officer.id, "date_from": DAY.isoformat(), "date_to": last.isoformat()})
    assert response.status_code == 200, response.json
    by_day: list[set[tuple[str, str]]] = [set() for _ in range(days)]
    for row in response.json:
        by_day[(date.fromisoformat(row["day"]) - DAY).days].add((row["item"], row["quantity"]))
    return by_day


def test_only_the_latest_followup_counts_and_the_month_follows_it(client, make, platform, source, squad):
    leader, alice, _ = people(make, squad)
    order = handled(client, make, platform, source, leader, alice, 1, due=at(18), resolved=at(12))
    on_time = ("order_on_time", "1.000")

    def followup(satisfaction: str, days: int) -> None:
        with time_machine.travel(at(13, days=days), tick=False):
            inbound(client, platform, source, "followups", order_id=order["order_id"], satisfaction=satisfaction)
        session.commit()
        jobs.daily_records(DAY + timedelta(days=days))  # that night's job
        session.commit()

    followup("不满意", 0)
    assert records(client, make, alice, 3) == [{on_time, ("order_dissatisfied", "1.000")}, set(), set()]
    assert month(client, make, alice) == ({"order_on_time": "0.50", "order_dissatisfied": "-0.50"}, "100.00")
    # the citizen is called again the next day and is now satisfied: that result counts, the earlier no longer
    followup("满意", 1)
    assert records(client, make, alice, 3) == [{on_time}, {("order_satisfied", "1.000")}, set()]
    assert month(client, make, alice) == ({"order_on_time": "0.50", "order_satisfied": "0.20"}, "100.70")
    # the platform sends the same result again a day later: still counted once (on the latest day)
    followup("满意", 2)
    assert records(client, make, alice, 3) == [{on_time}, set(), {("order_satisfied", "1.000")}]
    assert month(client, make, alice) == ({"order_on_time": "0.50", "order_satisfied": "0.20"}, "100.70")
    # a resend the same day replaces the day's result; nothing earlier to undo
    followup("基本满意", 2)
    assert records(client, make, alice, 3) == [{on_time}, set(), {("order_satisfied", "1.000")}]
