"""The daily duty facts through HTTP: exact figures, each person's scope, pages."""
import json
from datetime import timedelta

import pytest

from backend.db import utcnow
from backend.org.models import Role
from tests.duty.helpers import check_payload

ZERO = dict(attended_minutes=0, late=0, early_leave=0, absent=0, out_of_area_approved=0, out_of_area_rejected=0,
            patrol_metres=0)


@pytest.fixture
def district_day(client, make):
    """Squad one (leader, officers a and b), squad two (c) of the same district, d of another district;
    everyone on a three-hour shift that ended an hour ago. a came late and left early, b was on time."""
    leader = make.officer(Role.squad_leader)
    a, b = make.officer(squad=leader.squad), make.officer(squad=leader.squad)
    c = make.officer(squad=make.squad(leader.squad.district))
    d = make.officer()
    admin = make.officer(Role.district_admin, district=leader.squad.district)
    post = make.post(leader.squad)
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=4)
    shifts = {o: make.shift(o, start, start + timedelta(hours=3), post=post) for o in (a, b, c, d)}

    def submit(officer, kind, minutes):
        response = client.post(f"/api/duty/{kind}", headers=make.headers(officer),
                               json=check_payload(shifts[officer], start + timedelta(minutes=minutes)))
        assert response.status_code == 201, response.json

    submit(a, "check-ins", 20)
    submit(a, "check-outs", 120)
    submit(b, "check-ins", 1)
    submit(b, "check-outs", 180)
    return dict(leader=leader, a=a, b=b, c=c, d=d, admin=admin, day=shifts[a].day)


def _facts(client, make, officer, day, **query):
    response = client.get("/api/duty/facts", headers=make.headers(officer),
                          query_string={"day": day.isoformat(), **query})
    assert response.status_code == 200, response.json
    return response.json, json.loads(response.headers["X-Pagination"])


def _row(officer, **figures):
    return dict(officer_id=officer.id, officer_name=officer.name, badge_no=officer.badge_no, scheduled_minutes=180,
                **(ZERO | figures))


def test_the_leader_sees_exactly_the_figures_of_the_squad(client, make, district_day):
    a, b = district_day["a"], district_day["b"]
    rows, pages = _facts(client, make, district_day["leader"], district_day["day"])
    assert rows == [_row(a, attended_minutes=100, late=1, early_leave=1), _row(b, attended_minutes=179)]
    assert pages["total"] == 2


def test_an_officer_sees_their_own_and_district_staff_the_district_page_by_page(client, make, district_day):
    a, b, c, day = district_day["a"], district_day["b"], district_day["c"], district_day["day"]
    assert _facts(client, make, a, day)[0] == [_row(a, attended_minutes=100, late=1, early_leave=1)]

    first, pages = _facts(client, make, district_day["admin"], day, page_size=2)
    second, _ = _facts(client, make, district_day["admin"], day, page_size=2, page=2)
    assert pages["total"] == 3
    assert first + second == [_row(a, attended_minutes=100, late=1, early_leave=1), _row(b, attended_minutes=179),
                              _row(c)]
    assert district_day["d"].id not in {row["officer_id"] for row in first + second}


def test_a_day_without_shifts_has_no_facts(client, make, district_day):
    assert _facts(client, make, district_day["leader"], district_day["day"] - timedelta(days=3))[0] == []


def test_the_day_is_required_and_must_be_a_date(client, make, district_day):
    headers = make.headers(district_day["leader"])
    missing = client.get("/api/duty/facts", headers=headers)
    assert missing.status_code == 422 and missing.json["errors"]["query"]["day"] == ["缺少必填字段。"]
    wrong = client.get("/api/duty/facts", headers=headers, query_string={"day": "昨天"})
    assert wrong.status_code == 422 and "日期" in wrong.json["errors"]["query"]["day"][0]
    assert client.get("/api/duty/facts", query_string={"day": "2026-06-01"}).status_code == 401
