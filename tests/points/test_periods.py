"""A quarter follows its months and a year its quarters, through HTTP: drafts, changes, finality, confirmation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.db import local_day, session
from backend.org.models import Role
from backend.supervision.points import jobs


@pytest.fixture
def squad(make):
    return make.squad()


@pytest.fixture
def leader(make, squad):
    return make.officer(Role.squad_leader, squad=squad)


@pytest.fixture
def officer(make, squad):
    return make.officer(squad=squad, name="李明")


@pytest.fixture
def admin(make, squad):
    return make.officer(Role.district_admin, district=squad.district)


def get(client, make, viewer, url, **query):
    response = client.get(url, headers=make.headers(viewer), query_string=query)
    assert response.status_code == 200, response.json
    return response


def post(client, make, actor, url, etag_url=None, **kw):
    headers = make.headers(actor)
    if etag_url:
        headers["If-Match"] = get(client, make, actor, etag_url).headers["ETag"]
    return client.post(url, headers=headers, **kw)


def quarter_of(client, make, viewer, officer, quarter):
    [row] = get(client, make, viewer, "/api/points/quarterly", quarter=quarter, officer_id=officer.id).json
    return get(client, make, viewer, f"/api/points/quarterly/{row['id']}").json


def sheet_id(client, make, viewer, officer, month):
    [row] = get(client, make, viewer, "/api/points/monthly", month=month, officer_id=officer.id).json
    return row["id"]


def move(client, make, actor, sheet, action, **kw):
    url = f"/api/points/monthly/{sheet}"
    response = post(client, make, actor, f"{url}/{action}", etag_url=url, **kw)
    assert response.status_code in (200, 201), response.json
    return response.json


def confirm_quarter(client, make, leader, evaluation_id, rating="fair"):
    url = f"/api/points/quarterly/{evaluation_id}"
    return post(client, make, leader, f"{url}/confirm", etag_url=url, json={"rating": rating})


def test_a_quarter_follows_its_months_and_is_confirmed_once_they_are_locked(
        client, make, facts, run_daily, officer, leader, admin):
    july, august, september = date(2026, 7, 6), date(2026, 8, 6), date(2026, 9, 7)
    facts.add(officer, july, "commendation")  # 102.00
    facts.add(officer, august, "late")  # 99.00
    facts.add(officer, september, "attendance")  # 100.20
    run_daily(july, august, september)

    draft = quarter_of(client, make, leader, officer, "2026-Q3")  # no job: the months' drafts made it
    assert (draft["state"], draft["months"], draft["months_final"], draft["points_average"], draft["confirmable"]) == (
        "draft", 3, 0, "100.40", False)
    refused = confirm_quarter(client, make, leader, draft["id"])
    assert refused.status_code == 409 and refused.json["error"] == "months_not_final"
    assert "尚未全部锁定" in refused.json["message"] and "2026年08月（草稿）" in refused.json["message"]

    sheets = [sheet_id(client, make, leader, officer, month) for month in ("2026-07", "2026-08", "2026-09")]
    move(client, make, leader, sheets[1], "adjustments", json={"points": "3", "reason": "协助处置突发事件"})
    assert quarter_of(client, make, leader, officer, "2026-Q3")["points_average"] == "101.40"  # (102 + 102 + 100.2) / 3

    for sheet in sheets:
        move(client, make, leader, sheet, "review")
        move(client, make, leader, sheet, "publish")
    published = quarter_of(client, make, leader, officer, "2026-Q3")
    assert [m["state"] for m in published["month_sheets"]] == ["published"] * 3
    assert (published["months_final"], published["confirmable"]) == (0, False)
    assert confirm_quarter(client, make, leader, draft["id"]).json["error"] == "months_not_final"

    for n, sheet in enumerate(sheets, start=1):
        move(client, make, admin, sheet, "lock")
        assert quarter_of(client, make, leader, officer, "2026-Q3")["months_final"] == n
    locked = quarter_of(client, make, leader, officer, "2026-Q3")
    assert [m["final"] for m in locked["month_sheets"]] == [True] * 3 and locked["confirmable"] is True

    confirmed = confirm_quarter(client, make, leader, draft["id"])
    assert confirmed.status_code == 200, confirmed.json
    totals = [Decimal(m["total"]) for m in confirmed.json["month_sheets"]]
    assert totals == [Decimal("102.00"), Decimal("102.00"), Decimal("100.20")]
    assert (confirmed.json["state"], confirmed.json["score"]) == ("confirmed", f"{sum(totals) / 3:.2f}")


def test_a_quarter_not_yet_over_cannot_be_confirmed(client, make, facts, run_daily, officer, leader):
    today = local_day()
    facts.add(officer, today.replace(day=1), "attendance")
    run_daily(today.replace(day=1))
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    evaluation = quarter_of(client, make, leader, officer, quarter)
    refused = confirm_quarter(client, make, leader, evaluation["id"])
    assert refused.status_code == 409 and refused.json["error"] == "months_not_final"
    assert "尚未结束" in refused.json["message"]


def test_a_year_follows_its_quarters_and_is_confirmed_once_they_are_confirmed(
        client, make, facts, run_daily, squad, officer, leader, admin):
    days = [date(2025, month, 3) for month in range(1, 13)]
    for day in days:
        facts.add(officer, day, "commendation")  # every month 102.00
    run_daily(*days)
    [year] = get(client, make, leader, "/api/points/yearly", year=2025, officer_id=officer.id).json
    assert (year["quarters"], year["quarters_final"], year["score"], year["confirmable"]) == (4, 0, "102.00", False)
    url = f"/api/points/yearly/{year['id']}"
    refused = post(client, make, leader, f"{url}/confirm", etag_url=url)
    assert refused.status_code == 409 and refused.json["error"] == "quarters_not_final"
    assert "季评价尚未全部确认" in refused.json["message"]

    for day in days:  # district staff review and publish every sheet; the lock job locks them
        for action in ("review", "publish"):
            assert post(client, make, admin, f"/api/points/squads/{squad.id}/monthly/{action}",
                        json={"month": f"{day:%Y-%m}"}).status_code == 200
    jobs.lock_months(date(2026, 1, 10))
    session.commit()
    quarters = get(client, make, leader, "/api/points/quarterly", officer_id=officer.id).json
    for n, (evaluation, rating) in enumerate(
        zip(quarters, ["excellent", "fair", "fair", "poor"], strict=True), start=1
    ):
        assert confirm_quarter(client, make, leader, evaluation["id"], rating).status_code == 200
        assert get(client, make, leader, url).json["quarters_final"] == n  # the year follows each confirmation

    followed = get(client, make, leader, url).json
    scores = [Decimal(q["score"]) for q in followed["quarter_evaluations"]]
    assert scores == [Decimal("104.00"), Decimal("102.00"), Decimal("102.00"), Decimal("100.00")]
    assert (followed["score"], followed["confirmable"]) == (f"{sum(scores) / 4:.2f}", True)
    confirmed = post(client, make, leader, f"{url}/confirm", etag_url=url)
    assert confirmed.status_code == 200 and confirmed.json["state"] == "confirmed"
    assert confirmed.json["score"] == "102.00"


def test_late_data_in_a_locked_month_moves_the_next_quarter_not_the_confirmed_one(
        client, make, facts, run_daily, officer, leader, admin):
    september, october = date(2026, 9, 7), date(2026, 10, 8)
    facts.add(officer, september, "attendance")
    run_daily(september)
    sheet = sheet_id(client, make, leader, officer, "2026-09")
    for actor, action in ((leader, "review"), (leader, "publish"), (admin, "lock")):
        move(client, make, actor, sheet, action)

    facts.add(officer, september, "absence")  # decided late: a correction in October
    run_daily(september, october)
    assert quarter_of(client, make, leader, officer, "2026-Q3")["points_average"] == "100.20"
    assert quarter_of(client, make, leader, officer, "2026-Q4")["points_average"] == "97.00"


def test_the_rating_bonus_and_quarter_grades_are_the_districts_settings(
        app, monkeypatch, client, make, facts, run_daily, officer, leader, admin):
    monkeypatch.setitem(app.config, "POINTS_RATING_BONUS", "excellent:5,good:3,fair:0,poor:-5")
    monkeypatch.setitem(app.config, "POINTS_QUARTER_GRADES", "优良:104,合格:95")
    days = [date(2026, 7, 6), date(2026, 8, 6), date(2026, 9, 7)]
    facts.add(officer, days[0], "attendance")
    run_daily(*days)
    for month in ("2026-07", "2026-08", "2026-09"):
        sheet = sheet_id(client, make, leader, officer, month)
        for actor, action in ((leader, "review"), (leader, "publish"), (admin, "lock")):
            move(client, make, actor, sheet, action)
    draft = quarter_of(client, make, leader, officer, "2026-Q3")
    assert (draft["points_average"], draft["grade"]) == ("100.07", "合格")  # (100.2 + 100 + 100) / 3
    confirmed = confirm_quarter(client, make, leader, draft["id"], "excellent").json
    assert (confirmed["score"], confirmed["grade"]) == ("105.07", "优良")
