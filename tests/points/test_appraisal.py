"""Quarterly evaluations and yearly appraisals through HTTP: ranking, quota, floors, drill-down."""
from __future__ import annotations

from datetime import date

import pytest

from backend.db import session
from backend.org.models import Role
from backend.supervision.points import jobs
from backend.supervision.points.appraisal import refresh_year

DAYS = [date(2025, 10, 5), date(2025, 11, 5), date(2025, 12, 5)]
# name: items on the 5th of October, November and December → each month's total
PEOPLE = {
    "甲": {"commendation": 2},  # 104
    "乙": {"commendation": 3, "late": 2},  # 104, with deductions: ranks after 甲
    "丙": {"commendation": 1},  # 102: over the floor but outside the 20% quota
    "丁": {},  # 100
    "戊": {"absence": 2},  # 94: 基本称职
    "己": {"absence": 4},  # 88: 不称职
    "庚": {}, "辛": {}, "壬": {},
}


@pytest.fixture
def squad_year(client, make, facts, run_daily):
    squad = make.squad()
    leader = make.officer(Role.squad_leader, squad=squad, name="队长")
    people = {name: make.officer(squad=squad, name=name) for name in PEOPLE}
    for name, items in PEOPLE.items():
        for day in DAYS:
            for item, count in items.items():
                facts.add(people[name], day, item, str(count))
    run_daily(*DAYS)  # the months' drafts, and the quarter's and year's that follow them
    return squad, leader, people


def finalise(client, make, squad):
    """District staff review and publish the squad's months (the leader's own included); they lock on the 10th."""
    admin = make.officer(Role.district_admin, district=squad.district)
    for day in DAYS:
        for action in ("review", "publish"):
            response = client.post(f"/api/points/squads/{squad.id}/monthly/{action}", headers=make.headers(admin),
                                   json={"month": f"{day:%Y-%m}"})
            assert response.status_code == 200 and response.json["skipped"] == 0, response.json
    jobs.lock_months(date(2026, 1, 10))
    session.commit()


def test_yearly_grades_follow_quota_floors_and_the_tie_break(client, make, squad_year):
    squad, leader, people = squad_year
    rows = client.get("/api/points/yearly", query_string={"year": 2025, "squad_id": squad.id},
                      headers=make.headers(leader)).json
    assert [(r["officer_name"], r["score"], r["rank"], r["grade_name"]) for r in rows] == [
        ("甲", "104.00", 1, "优秀"), ("乙", "104.00", 2, "优秀"), ("丙", "102.00", 3, "称职"),
        *[(name, "100.00", rank, "称职") for rank, name in enumerate(sorted(
            ["丁", "庚", "辛", "壬", "队长"], key=lambda n: (people[n] if n in people else leader).badge_no), start=4)],
        ("戊", "94.00", 9, "基本称职"), ("己", "88.00", 10, "不称职")]


def test_drill_down_from_year_to_quarter_to_month_to_days(client, make, squad_year):
    _, _, people = squad_year
    me = people["乙"]
    [year] = client.get("/api/points/yearly", headers=make.headers(me)).json
    detail = client.get(f"/api/points/yearly/{year['id']}", headers=make.headers(me)).json
    [quarter] = detail["quarter_evaluations"]
    assert (quarter["quarter"], quarter["score"]) == ("2025-Q4", "104.00")
    quarter = client.get(f"/api/points/quarterly/{quarter['id']}", headers=make.headers(me)).json
    assert [(m["month"], m["total"]) for m in quarter["month_sheets"]] == [
        ("2025-10", "104.00"), ("2025-11", "104.00"), ("2025-12", "104.00")]
    explained = client.get(f"/api/points/monthly/{quarter['month_sheets'][1]['id']}/explain",
                           headers=make.headers(me)).json
    assert explained["summary"] == ("基础分 100.00；表彰嘉奖 3 次 × +2.00 = +6.00；迟到 2 次 × -1.00 = -2.00；"
                                    "合计 104.00 分。")
    assert [d["day"] for line in explained["lines"] for d in line["days"]] == ["2025-11-05", "2025-11-05"]


def test_leader_rates_and_confirms_a_quarter_once(client, make, squad_year):
    squad, leader, people = squad_year
    finalise(client, make, squad)
    [evaluation] = client.get("/api/points/quarterly", query_string={"officer_id": people["丙"].id},
                              headers=make.headers(leader)).json
    assert (evaluation["score"], evaluation["grade"], evaluation["state"]) == ("102.00", "好", "draft")
    url = f"/api/points/quarterly/{evaluation['id']}/confirm"

    def confirm(rating, etag=None, actor=leader):
        etag = (
            etag or client.get(f"/api/points/quarterly/{evaluation['id']}", headers=make.headers(actor)).headers["ETag"]
        )
        return client.post(url, headers={**make.headers(actor), "If-Match": etag}, json={"rating": rating})

    assert client.post(url, headers=make.headers(leader), json={"rating": "poor"}).status_code == 428
    assert confirm("great").status_code == 422
    seen = client.get(f"/api/points/quarterly/{evaluation['id']}", headers=make.headers(leader)).headers["ETag"]
    poor = confirm("poor", seen)
    assert poor.status_code == 200
    assert (poor.json["score"], poor.json["grade"], poor.json["rating_name"], poor.json["state"]) == (
        "100.00", "好", "差", "confirmed")
    stale = confirm("good", seen)  # a second leader who read the draft before the first confirmed
    assert stale.status_code == 412 and stale.json["error"] == "precondition_failed"
    again = confirm("good")
    assert again.status_code == 409 and again.json["error"] == "already_confirmed"
    assert confirm("good", actor=people["丙"]).status_code == 403


def test_a_quarter_recomputed_after_the_leader_read_it_refuses_the_stale_confirmation(
        client, make, facts, run_daily, squad_year):
    _, leader, people = squad_year
    [evaluation] = client.get("/api/points/quarterly", query_string={"officer_id": people["丙"].id},
                              headers=make.headers(leader)).json
    seen = client.get(f"/api/points/quarterly/{evaluation['id']}", headers=make.headers(leader))
    facts.add(people["丙"], DAYS[0], "absence")  # late data lowers October
    run_daily(DAYS[0])  # the quarter follows at once

    stale = client.post(f"/api/points/quarterly/{evaluation['id']}/confirm", json={"rating": "good"},
                        headers={**make.headers(leader), "If-Match": seen.headers["ETag"]})
    assert stale.status_code == 412
    fresh = client.get(f"/api/points/quarterly/{evaluation['id']}", headers=make.headers(leader)).json
    assert (seen.json["points_average"], fresh["points_average"], fresh["state"]) == ("102.00", "101.00", "draft")


def test_confirmed_appraisals_survive_a_refresh_and_others_see_nothing(client, make, squad_year):
    squad, leader, people = squad_year
    finalise(client, make, squad)
    for evaluation in client.get("/api/points/quarterly", headers=make.headers(leader)).json:
        if evaluation["officer_id"] != leader.id:
            url = f"/api/points/quarterly/{evaluation['id']}"
            etag = client.get(url, headers=make.headers(leader)).headers["ETag"]
            assert client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": etag},
                               json={"rating": "fair"}).status_code == 200
    rows = client.get("/api/points/yearly", query_string={"year": 2025}, headers=make.headers(leader)).json
    first = rows[0]
    url = f"/api/points/yearly/{first['id']}"
    seen = client.get(url, headers=make.headers(leader)).headers["ETag"]
    assert client.post(f"{url}/confirm", headers=make.headers(leader)).status_code == 428
    confirmed = client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": seen})
    assert confirmed.status_code == 200 and confirmed.json["state"] == "confirmed"
    twice = client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": seen})
    assert twice.status_code == 412  # the confirmation changed what the leader saw
    current = client.get(url, headers=make.headers(leader)).headers["ETag"]
    assert client.post(f"{url}/confirm", headers={**make.headers(leader), "If-Match": current}).status_code == 409

    refresh_year(2025)
    session.commit()
    again = client.get(f"/api/points/yearly/{first['id']}", headers=make.headers(leader)).json
    assert (again["state"], again["grade"]) == ("confirmed", "excellent")

    other_leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    assert client.get("/api/points/yearly", headers=make.headers(other_leader)).json == []
    assert client.get(f"/api/points/yearly/{first['id']}", headers=make.headers(other_leader)).status_code == 404
    admin = make.officer(Role.district_admin, district=squad.district)
    assert len(client.get("/api/points/yearly", headers=make.headers(admin)).json) == 10
