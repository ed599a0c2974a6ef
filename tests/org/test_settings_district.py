"""A district's settings read by the city bureau's staff, who belong to no district: they name the district
(`?district_id=`), 422 without it, 404 for one unknown, never the example defaults in its place; a district's staff
read their own without naming it, and another district's by id is 404 like any object out of scope."""
from __future__ import annotations

from datetime import date

import pytest

from backend.db import session
from backend.inspections.models import ObjectKind
from backend.nonsite.models import CalendarDay
from backend.org.models import Role

SETTINGS = ["/api/nonsite/calendar/2026", "/api/inspections/kinds", "/api/inspections/grade-rules",
            "/api/inspections/grade-scoring", "/api/community/deadlines", "/api/training/credit-requirements/2026",
            "/api/points/rules", "/api/inspections/boundary"]


def _join(path: str, district_id) -> str:
    return f"{path}{'&' if '?' in path else '?'}district_id={district_id}"


@pytest.fixture
def two_districts(make):
    jingan, huangpu = make.district(name="静安区"), make.district(name="黄浦区")
    admin = make.officer(Role.district_admin, district=jingan)
    session.add_all([CalendarDay(district_id=jingan.id, day=date(2026, 10, 1), working=False, name="国庆节"),
                     ObjectKind(district_id=jingan.id, code="restaurant", name="餐饮店", checklist=[])])
    session.commit()
    return jingan, huangpu, admin


@pytest.mark.parametrize("path", SETTINGS)
@pytest.mark.parametrize("role", [Role.city_admin, Role.city_supervisor, Role.city_trainer])
def test_a_city_role_names_the_district(client, make, two_districts, path, role):
    jingan, _, _ = two_districts
    headers = make.headers(make.officer(role))
    missing = client.get(path, headers=headers)
    if role == Role.city_trainer and path.startswith("/api/training/credit-requirements/"):
        assert missing.status_code == 200, missing.json  # the city's own, which they set
    else:
        assert (missing.status_code, missing.json["error"]) == (422, "district_required"), missing.json
        assert "请指定区局" in missing.json["message"]
        assert missing.json["errors"]["district_id"] == ["市局人员须指定区局。"]
    unknown = client.get(_join(path, 999999), headers=headers)
    assert (unknown.status_code, unknown.json["error"]) == (404, "not_found")
    assert unknown.json["message"] == "区局不存在或不在您的管辖范围内"
    bad = client.get(_join(path, "abc"), headers=headers)
    assert bad.status_code == 422 and "district_id" in bad.json["errors"]["query"]
    named = client.get(_join(path, jingan.id), headers=headers)
    assert named.status_code == 200 or named.json["error"] == "boundary_not_set"  # none drawn yet: its own 404


def test_the_city_reads_what_the_district_set_and_its_own_staff_read_it_unnamed(client, make, two_districts):
    jingan, huangpu, admin = two_districts
    city = make.headers(make.officer(Role.city_supervisor))
    days = client.get(_join(SETTINGS[0], jingan.id), headers=city).json["days"]
    assert [(d["day"], d["name"]) for d in days] == [("2026-10-01", "国庆节")]
    assert client.get(_join(SETTINGS[0], huangpu.id), headers=city).json["days"] == []
    assert [k["name"] for k in client.get(_join(SETTINGS[1], jingan.id), headers=city).json] == ["餐饮店"]

    own = make.headers(admin)
    for path in SETTINGS[:-1]:
        assert client.get(path, headers=own).status_code == 200, path
        assert client.get(_join(path, jingan.id), headers=own).status_code == 200, path
    for path in SETTINGS:
        other = client.get(_join(path, huangpu.id), headers=own)
        assert (other.status_code, other.json["error"]) == (404, "not_found"), path
    assert client.get(SETTINGS[0], headers=own).json["days"] == days
