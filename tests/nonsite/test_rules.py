"""The rules a case follows as data: the district's working-day calendar, the right to a hearing above a fine,
首违不罚 for a first violation, and the party found by plate in the registry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from backend.org.models import Role
from backend.outbox import deliver
from tests.clock import pinned
from tests.nonsite.platform import alert, callback, camera, send, to_notice, triage_to_case

_clock = pinned(2026, 12, 2, 10)  # the calendar its fixed dates were written for (API windows are relative to today)

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def admin(make, squad):
    return make.officer(Role.district_admin, district=squad.district)


def _case(client, make, leader, case_id):
    return client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json


def test_the_statement_period_skips_the_districts_holidays_and_counts_its_working_weekend(
        client, make, squad, leader, reviewer, admin, suishenban):
    days = [{"day": f"2026-10-0{d}", "working": False, "name": "国庆节"} for d in range(1, 8)]
    loaded = client.put("/api/nonsite/calendar/2026", headers=make.headers(admin),
                        json={"days": [*days, {"day": "2026-10-10", "working": True, "name": "国庆节调休"}]})
    assert loaded.status_code == 200, loaded.json
    assert len(client.get("/api/nonsite/calendar/2026", headers=make.headers(leader)).json["days"]) == 8
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"])).json)
    notice = to_notice(client, make, leader, reviewer, case_id)["documents"][0]
    # delivered on Wednesday 30 September: Thursday 8, Friday 9 and the working Saturday 10 October
    assert callback(client, suishenban, "delivered", notice["number"],
                    datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)).status_code == 200
    assert _case(client, make, leader, case_id)["statement_due_at"] == "2026-10-10T16:00:00+00:00"


@pytest.mark.parametrize("days, code", [
    ([{"day": "2027-01-01", "working": False, "name": "元旦"}], "day_outside_year"),
    ([{"day": "2026-10-08", "working": True, "name": "调休"}], "not_a_weekend"),
    ([{"day": "2026-10-01", "working": False, "name": "国庆"}] * 2, "day_repeated"),
])
def test_a_calendar_that_cannot_be_is_refused_and_the_old_one_kept(client, make, admin, days, code):
    kept = [{"day": "2026-05-01", "working": False, "name": "劳动节"}]
    client.put("/api/nonsite/calendar/2026", headers=make.headers(admin), json={"days": kept})
    response = client.put("/api/nonsite/calendar/2026", headers=make.headers(admin), json={"days": days})
    assert (response.status_code, response.json["error"]) == (422, code)
    assert client.get("/api/nonsite/calendar/2026", headers=make.headers(admin)).json["days"] == kept
    huge = client.get("/api/nonsite/calendar/99999999999999999999", headers=make.headers(admin))
    assert huge.status_code in (404, 422)
    assert client.put("/api/nonsite/calendar/1999", headers=make.headers(admin), json={"days": []}).status_code == 422


def test_a_fine_at_the_threshold_offers_a_hearing_and_waits_five_working_days(
        client, make, squad, leader, reviewer, suishenban, app, monkeypatch):
    monkeypatch.setitem(app.config, "NONSITE_HEARING_FINE", 10000)
    cam = camera(client, make, squad)
    small, large = (triage_to_case(client, make, leader, send(client, alert(cam["code"], plate=p)).json)
                    for p in ("沪A11111", "沪A22222"))
    assert to_notice(client, make, leader, reviewer, small, fine=9999)["hearing_offered"] is False
    case = to_notice(client, make, leader, reviewer, large, fine=10000)
    assert case["hearing_offered"] is True
    deliver()
    sent = {doc["number"]: doc for doc in suishenban.documents}
    assert sent[case["documents"][0]["number"]]["hearing_working_days"] == 5
    friday = datetime(2026, 12, 4, 10, tzinfo=SHANGHAI)
    callback(client, suishenban, "delivered", case["documents"][0]["number"], friday)
    # five working days, Monday 7 to Friday 11 December, not the statement's three
    assert _case(client, make, leader, large)["statement_due_at"] == "2026-12-11T16:00:00+00:00"


def test_a_first_violation_of_a_forgiving_kind_ends_with_a_warning_and_the_second_is_fined(
        client, make, squad, leader, reviewer, suishenban):
    kinds = {k["code"]: k for k in client.get("/api/nonsite/kinds", headers=make.headers(leader)).json}
    assert kinds["out_of_store"]["first_offence_days"] == 365 and kinds["out_of_store"]["first_offence_example_default"]
    assert kinds["muck_uncovered"]["first_offence_days"] is None
    cam = camera(client, make, squad, kinds=("out_of_store",))
    shop = {"kind": "out_of_store", "plate": None, "shop": "老王水果店"}
    first = triage_to_case(client, make, leader, send(client, alert(cam["code"], **shop)).json)
    case = to_notice(client, make, leader, reviewer, first, fine=500)
    assert (case["first_offence"], case["fine"]) == (True, 0)
    notice = case["documents"][0]
    assert notice["content"]["proposed_penalty"].startswith("警告")
    friday = datetime(2026, 12, 4, 10, tzinfo=SHANGHAI)
    callback(client, suishenban, "delivered", notice["number"], friday)
    later = datetime(2026, 12, 10, 10, tzinfo=SHANGHAI)
    with time_machine.travel(later):
        decided = client.post(f"/api/nonsite/cases/{first}/decide", headers=make.headers(leader)).json
    decision = decided["documents"][1]
    assert decision["content"]["penalty"].startswith("警告") and decision["content"]["fine"] == 0
    callback(client, suishenban, "delivered", decision["number"], later)
    closed = client.post(f"/api/nonsite/cases/{first}/close", headers=make.headers(leader))
    assert closed.json["state"] == "closed"  # nothing to pay

    next_day = datetime.now(SHANGHAI) - timedelta(minutes=30)  # another event, not the burst of the first
    second = triage_to_case(client, make, leader, send(client, alert(cam["code"], at=next_day, **shop)).json)
    fined = to_notice(client, make, leader, reviewer, second, fine=500)
    assert (fined["first_offence"], fined["fine"]) == (False, 500)


def test_a_plate_in_the_registry_names_the_party_and_its_phone_is_shown_by_need(
        client, make, squad, leader, reviewer, admin, suishenban):
    registered = client.post("/api/nonsite/parties", headers=make.headers(admin), json={
        "kind": "company", "name": "上海某某渣土运输有限公司", "credit_code": "91310106MA1FY0XX3K",
        "disposal_permit": "沪渣处字 2026-001", "phone": "13812341234", "plates": ["沪D12345", "沪D54321"]})
    assert registered.status_code == 201, registered.json
    assert registered.json["plates"] == ["沪D12345", "沪D54321"]
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"], plate="沪D54321")).json)
    case = to_notice(client, make, leader, reviewer, case_id)
    assert case["party_name"] == "上海某某渣土运输有限公司"
    deliver()
    [sent] = suishenban.documents
    assert sent["party"] == {"name": "上海某某渣土运输有限公司", "credit_code": "91310106MA1FY0XX3K",
                             "plate": "沪D54321"}
    assert "13812341234" not in str(sent)
    by_plate = client.get("/api/nonsite/parties?plate=沪D54321", headers=make.headers(leader)).json
    assert by_plate[0]["phone"] == "13812341234"
    masked = client.get("/api/nonsite/parties?plate=沪D54321", headers=make.headers(reviewer)).json
    assert masked[0]["phone"] == "138****1234"


@pytest.mark.parametrize("change, status, code", [
    ({"credit_code": "91310106MA1FY0XX3I"}, 422, "bad_credit_code"),
    ({"credit_code": None}, 422, "credit_code_required"),
    ({"plates": ["ABC-123"]}, 422, "bad_plate"),
    ({"plates": ["沪E11111", "沪E11111"]}, 422, "plate_repeated"),
    ({"plates": ["沪F00001"]}, 409, "plate_registered"),
    ({"phone": "12345"}, 422, "invalid_phone"),
])
def test_a_party_that_cannot_be_is_refused(client, make, admin, change, status, code):
    base = {"kind": "company", "name": "某公司", "credit_code": "91310106MA1FY0XX3K", "plates": []}
    client.post("/api/nonsite/parties", headers=make.headers(admin), json={**base, "plates": ["沪F00001"]})
    body = {key: value for key, value in {**base, **change}.items() if value is not None}
    response = client.post("/api/nonsite/parties", headers=make.headers(admin), json=body)
    assert (response.status_code, response.json["error"]) == (status, code), response.json
