"""Residents who report the same problem: each has a tracking code, phone and rating of their own; the
squad handles the problem once and sees how many reported it; a problem that comes back after it was
finished reaches the queue again, linked to the earlier complaint."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from backend.community.models import Complaint, Status
from backend.community.queries import daily_complaint_facts
from backend.db import LOCAL_TZ, session
from tests.community.conftest import submit
from tests.community.test_handling import staff

REPORTED = "小区南门每天傍晚有流动摊贩占道经营。"
REPORTED_AGAIN = "小区南门 每天傍晚有流动摊贩占道经营！！"


def public(client, code: str) -> dict:
    response = client.get(f"/api/community/public/complaints/{code}")
    assert response.status_code == 200
    return response.json


def rate(client, code: str, score: int):
    return client.post(f"/api/community/public/complaints/{code}/rating", json={"score": score})


def test_a_duplicate_report_has_its_own_tracking_code_and_rating_and_follows_the_shared_handling(
        client, office, make):
    leader, officer, _ = staff(office)
    lead, mine = make.headers(leader), make.headers(officer)
    first = submit(client, office, description=REPORTED, phone="13812345678", photos=1)
    second = submit(client, office, description=REPORTED_AGAIN, phone="13900001111", photos=2)
    assert first.status_code == second.status_code == 201, second.json
    assert (first.json["duplicate"], second.json["duplicate"]) == (False, True)
    a, b = first.json["tracking_code"], second.json["tracking_code"]
    assert a != b

    # Each resident sees their own words, phone and photos, never the other's.
    seen_by_a, seen_by_b = public(client, a), public(client, b)
    assert (seen_by_a["phone"], seen_by_a["photo_count"], seen_by_a["description"]) == ("138****5678", 1, REPORTED)
    assert (seen_by_b["phone"], seen_by_b["photo_count"], seen_by_b["description"]) == (
        "139****1111", 2, REPORTED_AGAIN)
    assert "5678" not in str(seen_by_b) and "1111" not in str(seen_by_a)
    assert seen_by_b["tracking_code"] == b and seen_by_b["office_name"] == "静安寺街道城管社区工作室"
    page = client.get(f"/c/t/{b}").get_data(as_text=True)
    assert b in page and "139****1111" in page and "138****5678" not in page and REPORTED not in page

    # The squad handles one complaint and sees that two residents reported it.
    queue = client.get("/api/community/complaints", headers=lead).json
    assert len(queue) == 1 and queue[0]["reports"] == 2
    complaint_id = queue[0]["id"]
    detail = client.get(f"/api/community/complaints/{complaint_id}", headers=lead).json
    assert [(r["description"], r["phone"]) for r in detail["linked_reports"]] == [(REPORTED_AGAIN, "139****1111")]
    assert len(detail["photos"]) == 3
    client.post(f"/api/community/complaints/{complaint_id}/assign", headers=lead, json={"officer_id": officer.id})
    handling = client.get(f"/api/community/complaints/{complaint_id}", headers=mine).json
    assert handling["phone"] == "13812345678" and handling["linked_reports"][0]["phone"] == "13900001111"
    client.post(f"/api/community/complaints/{complaint_id}/replies", headers=mine, json={"message": "已到现场劝离"})
    client.post(f"/api/community/complaints/{complaint_id}/resolve", headers=mine, json={"reply": "摊贩已清理"})

    # The second resident follows the same handling, and may rate only once it is closed.
    seen_by_b = public(client, b)
    assert seen_by_b["status"] == "resolved" and seen_by_b["can_rate"] is False
    assert "已到现场劝离" in str(seen_by_b["timeline"]) and "摊贩已清理" in str(seen_by_b["timeline"])
    assert rate(client, b, 1).json["error"] == "complaint_not_closed"
    client.post(f"/api/community/complaints/{complaint_id}/close", headers=lead)

    # Each rates their own report, once; neither takes the other's rating.
    rated_b = rate(client, b, 1)
    assert rated_b.status_code == 200 and rated_b.json["rating"] == 1 and rated_b.json["can_rate"] is False
    assert rate(client, b, 5).json["error"] == "already_rated"
    assert public(client, a)["can_rate"] is True
    rated_a = rate(client, a, 5)
    assert rated_a.status_code == 200 and rated_a.json["rating"] == 5
    assert public(client, b)["rating"] == 1
    assert "星" not in str(public(client, a)["timeline"]) + str(public(client, b)["timeline"])
    ratings = client.get(f"/api/community/complaints/{complaint_id}", headers=lead).json
    assert (ratings["rating"], ratings["linked_reports"][0]["rating"]) == (5, 1)

    # For the officer's points, both ratings count, each once.
    facts = {row.officer_id: row for row in daily_complaint_facts(datetime.now(LOCAL_TZ).date())}
    assert (facts[officer.id].ratings_received, facts[officer.id].rating_points) == (2, 6)


def test_a_different_category_or_text_is_a_complaint_of_its_own(client, office):
    submit(client, office, description=REPORTED)
    assert submit(client, office, description=REPORTED, category="noise").json["duplicate"] is False
    assert submit(client, office, description="工地夜间施工噪声扰民").json["duplicate"] is False
    assert session.scalar(select(func.count()).select_from(Complaint)) == 3


@pytest.mark.parametrize("finished", [Status.resolved, Status.closed, Status.rejected])
def test_a_problem_reported_again_after_it_was_finished_opens_a_new_complaint_linked_to_it(
        client, office, make, finished):
    leader, _, _ = staff(office)
    earlier = make.complaint(office, description=REPORTED, status=finished)
    again = submit(client, office, description=REPORTED_AGAIN)
    assert again.status_code == 201 and again.json["duplicate"] is False
    assert again.json["status"] == "submitted" and again.json["can_rate"] is False
    queue = client.get("/api/community/complaints", headers=make.headers(leader), query_string={"status": "submitted"})
    [new] = queue.json
    assert new["id"] != earlier.id and new["recurrence_of_id"] == earlier.id and new["reports"] == 1
    detail = client.get(f"/api/community/complaints/{new['id']}", headers=make.headers(leader)).json
    assert f"诉件 #{earlier.id}" in str(detail["timeline"])
    assert f"#{earlier.id}" not in str(again.json)  # the resident is not told about another's complaint
    session.refresh(earlier)
    assert earlier.reports == 1
