"""Each date field's own range (issue 15 §2), at its edges: a shift day, a rectification deadline, a points rule's
start, a photo's capture time. Just inside is taken; just outside, and the calendar's ends, are a 4xx with a
machine code and a Chinese message, and nothing is written."""
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.db import local_day
from backend.org.models import Role
from tests.evidence.helpers import unique_jpeg, upload

CALENDAR_ENDS = ["0001-01-01", "9999-12-31"]


def _refused(response, code: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.json["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"] + str(response.json.get("errors")))


def _days(offset: int) -> str:
    return (local_day() + timedelta(days=offset)).isoformat()


@pytest.fixture
def roster(client, make):
    leader = make.officer(Role.squad_leader)
    officer, post = make.officer(squad=leader.squad), make.post(leader.squad)

    def plan(day: str):
        return client.post("/api/duty/shifts", headers=make.headers(leader), json={"shifts": [
            {"officer_id": officer.id, "day": day, "start": "08:00", "end": "17:00", "duty_type": "patrol",
             "post_id": post.id}]})
    return plan


@pytest.mark.parametrize("offset", [-92, 183])
def test_a_shift_day_a_quarter_back_or_half_a_year_ahead_is_planned(offset, roster):
    assert roster(_days(offset)).status_code == 201


@pytest.mark.parametrize("day", [_days(-93), _days(184), *CALENDAR_ENDS])
def test_a_shift_day_beyond_its_range_is_refused(day, roster):
    response = roster(day)
    _refused(response, "validation_error")
    if day not in CALENDAR_ENDS:  # the message names the range as of today
        assert _days(-92) in str(response.json["errors"]) and _days(183) in str(response.json["errors"])


@pytest.fixture
def notice(client, make):
    squad = make.squad()
    supervisor = make.officer(Role.supervisor, district=squad.district)

    def issue(rectify_by: str):
        return client.post("/api/supervision/notices", headers=make.headers(supervisor), json={
            "kind": "inform", "problem": "问题", "requirement": "要求", "rectify_by": rectify_by, "squad_id": squad.id})
    return issue


@pytest.mark.parametrize("offset", [0, 365])
def test_a_rectification_deadline_from_today_to_a_year_ahead_is_set(offset, notice):
    assert notice(_days(offset)).status_code == 201


@pytest.mark.parametrize("day, code", [(_days(-1), "rectify_by_in_past"), (_days(366), "validation_error"),
                                       *((day, "validation_error") for day in CALENDAR_ENDS)])
def test_a_rectification_deadline_beyond_its_range_is_refused(day, code, notice):
    _refused(notice(day), code)


@pytest.fixture
def rule(client, make):
    admin = make.officer(Role.district_admin)

    def create(effective_from: str):
        return client.post("/api/points/rules", headers=make.headers(admin), json={
            "item": "commendation", "category": "奖励", "points_per_unit": "3", "monthly_cap": "12",
            "effective_from": effective_from})
    return create


def _month_start_within_a_year() -> date:
    last = local_day() + timedelta(days=366)
    return last.replace(day=1)


def _month_start_beyond_a_year() -> date:
    after = local_day() + timedelta(days=367)
    return (after.replace(day=1) + timedelta(days=32)).replace(day=1) if after.day > 1 else after


@pytest.mark.parametrize("day", ["2000-01-01", _month_start_within_a_year().isoformat()])
def test_a_rule_starting_on_a_month_from_the_first_recorded_to_a_year_ahead_is_made(day, rule):
    assert rule(day).status_code == 201


@pytest.mark.parametrize("day, code", [("1999-12-01", "validation_error"),
                                       (_month_start_beyond_a_year().isoformat(), "validation_error"),
                                       ("2027-01-15", "effective_from_not_month_start"),
                                       *((day, "validation_error") for day in CALENDAR_ENDS)])
def test_a_rule_start_beyond_its_range_is_refused(day, code, rule):
    _refused(rule(day), code)


@pytest.fixture
def photo(client, make):
    """Upload a photo captured `delta` from now (a dict of timedelta's arguments) or at a given time."""
    headers = make.headers(make.officer())

    def send(captured):
        at = captured if isinstance(captured, str) else (datetime.now(UTC) + timedelta(**captured)).isoformat()
        return upload(client, headers, unique_jpeg(), captured_at=at)
    return send


@pytest.mark.parametrize("delta", [{"hours": -71, "minutes": -58}, {"minutes": 1}])
def test_a_photo_taken_within_the_sync_window_and_the_clock_skew_is_taken(delta, photo):
    assert photo(delta).status_code == 201


@pytest.mark.parametrize("captured, code", [
    ({"hours": -72, "minutes": -2}, "validation_error"), ({"minutes": 4}, "captured_in_future"),
    ("0001-01-01T00:00:00+23:59", "validation_error"), ("9999-12-31T23:59:59-23:59", "validation_error")])
def test_a_photo_taken_outside_them_is_refused(captured, code, photo):
    _refused(photo(captured), code)
