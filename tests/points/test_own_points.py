"""Nobody changes their own points, on any path: manual items, adjustments, review, publish, lock,
rules, quarterly and yearly confirmation — each refused with 403, a code and a Chinese message."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.db import local_day, session
from backend.org.models import Role


def recent() -> date:
    """A day that manual items accept (within the last year): the 6th of last month."""
    return (local_day().replace(day=1) - timedelta(days=1)).replace(day=6)


@pytest.fixture
def leader(make):
    return make.officer(Role.squad_leader, squad=make.squad())


@pytest.fixture
def admin(make, leader):
    return make.officer(Role.district_admin, district=leader.district)


def refused(response, code):
    assert response.status_code == 403, response.json
    assert response.json["error"] == code
    assert "本人" in response.json["message"]
    return True


def own_sheet(client, make, person, month=None):
    month = month or f"{recent():%Y-%m}"
    [row] = client.get("/api/points/monthly", query_string={"month": month, "officer_id": person.id},
                       headers=make.headers(person)).json
    return client.get(f"/api/points/monthly/{row['id']}", headers=make.headers(person))


def act(client, make, actor, sheet, action, **kw):
    return client.post(f"/api/points/monthly/{sheet.json['id']}/{action}",
                       headers={**make.headers(actor), "If-Match": sheet.headers["ETag"]}, **kw)


def test_a_leader_cannot_record_a_commendation_for_himself(client, make, leader):
    response = client.post("/api/points/manual-items", headers=make.headers(leader), json={
        "officer_id": leader.id, "day": str(recent()), "item": "commendation", "quantity": 1, "note": "给自己表彰"})
    assert refused(response, "own_sheet")
    assert client.get("/api/points/manual-items", headers=make.headers(leader)).json == []
    assert client.get("/api/points/monthly", query_string={"officer_id": leader.id},
                      headers=make.headers(leader)).json == []


@pytest.mark.parametrize("action, body", [("adjustments", {"points": "5", "reason": "给自己加分"}),
                                          ("review", None), ("publish", None)])
def test_a_leader_cannot_adjust_review_or_publish_his_own_sheet(client, make, facts, run_daily, leader, action, body):
    facts.add(leader, recent(), "attendance")
    run_daily(recent())
    sheet = own_sheet(client, make, leader)
    assert refused(act(client, make, leader, sheet, action, json=body), "own_sheet")
    after = own_sheet(client, make, leader).json
    assert (after["state"], after["total"], after["adjustments"]) == ("draft", "100.20", [])


def test_district_staff_cannot_lock_their_own_sheet(client, make, admin):
    colleague = make.officer(Role.district_admin, district=admin.district)
    assert client.post("/api/points/manual-items", headers=make.headers(colleague), json={
        "officer_id": admin.id, "day": str(recent()), "item": "commendation", "quantity": 1,
        "note": "专项整治表彰"}).status_code == 201
    sheet = own_sheet(client, make, admin)
    for action in ("review", "publish"):
        sheet = act(client, make, colleague, sheet, action)
        assert sheet.status_code == 200
    assert refused(act(client, make, admin, sheet, "lock"), "own_sheet")
    assert own_sheet(client, make, admin).json["state"] == "published"


def test_district_staff_cannot_make_a_rule_that_rescores_their_own_sheet(client, make, admin):
    colleague = make.officer(Role.district_admin, district=admin.district)
    client.post("/api/points/manual-items", headers=make.headers(colleague), json={
        "officer_id": admin.id, "day": str(recent()), "item": "commendation", "quantity": 1, "note": "专项整治表彰"})

    def rule(item):
        return client.post("/api/points/rules", headers=make.headers(admin), json={
            "item": item, "category": "奖励", "points_per_unit": "5", "monthly_cap": "20",
            "effective_from": str(recent().replace(day=1))})

    assert refused(rule("commendation"), "own_sheet")
    assert own_sheet(client, make, admin).json["total"] == "102.00"
    assert rule("exam_passed").status_code == 201  # an item not on their sheet changes nothing of theirs


def test_a_leader_cannot_confirm_his_own_quarter_or_year(client, make, facts, run_daily, leader, admin):
    days = [date(2025, month, 3) for month in range(1, 13)]
    for day in days:
        facts.add(leader, day, "attendance")
    run_daily(*days)
    for day in days:
        sheet = own_sheet(client, make, leader, f"{day:%Y-%m}")
        for action in ("review", "publish", "lock"):
            sheet = act(client, make, admin, sheet, action)
    session.commit()

    quarters = client.get("/api/points/quarterly", query_string={"officer_id": leader.id},
                          headers=make.headers(leader)).json
    assert [q["confirmable"] for q in quarters] == [True] * 4
    url = f"/api/points/quarterly/{quarters[0]['id']}"
    etag = client.get(url, headers=make.headers(leader)).headers["ETag"]
    assert refused(client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": etag},
                               json={"rating": "excellent"}), "own_evaluation")

    other_leader = make.officer(Role.squad_leader, squad=leader.squad)
    for quarter in quarters:
        url = f"/api/points/quarterly/{quarter['id']}"
        etag = client.get(url, headers=make.headers(other_leader)).headers["ETag"]
        assert client.post(f"{url}/confirm", headers={**make.headers(other_leader), "If-Match": etag},
                           json={"rating": "fair"}).status_code == 200
    [year] = client.get("/api/points/yearly", query_string={"officer_id": leader.id},
                        headers=make.headers(leader)).json
    url = f"/api/points/yearly/{year['id']}"
    etag = client.get(url, headers=make.headers(leader)).headers["ETag"]
    assert refused(client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": etag}), "own_appraisal")
    assert client.get(url, headers=make.headers(leader)).json["state"] == "draft"

