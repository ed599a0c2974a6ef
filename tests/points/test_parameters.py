"""考核参数 as district data: a district's own base, lock day, limits … from a month on, through HTTP; the example
default (the deployment's setting) where it has set none; published months and other districts unaffected."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.errors import Invalid
from backend.org.models import Role
from backend.supervision.points import jobs, operations, parameters
from backend.supervision.points.models import MonthlyPoints, QuarterlyEvaluation, SheetState

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def districts(make):
    """Two districts, each with a squad leader, an officer with records in October and November, an admin."""
    world = {}
    for name in ("a", "b"):
        squad = make.squad()
        officer = make.officer(squad=squad)
        world[name] = dict(officer=officer, leader=make.officer(Role.squad_leader, squad=squad),
                           admin=make.officer(Role.district_admin, district=squad.district), district=squad.district)
    return world


def sheet(officer, month: date) -> MonthlyPoints:
    session.expire_all()
    return session.scalar(select(MonthlyPoints).where(MonthlyPoints.officer_id == officer.id,
                                                      MonthlyPoints.month == month))


def publish(leader, *sheets) -> None:
    for one in sheets:
        operations.publish(leader, operations.review(leader, one))
    session.commit()


def set_parameter(client, make, admin, name, value, since="2026-11"):
    return client.post("/api/points/parameters", headers=make.headers(admin),
                       json={"name": name, "value": value, "effective_from": since})


def shown(client, make, viewer, month, **query):
    response = client.get("/api/points/parameters", query_string={"month": month, **query},
                          headers=make.headers(viewer))
    assert response.status_code == 200, response.json
    return {row["name"]: row for row in response.json}


def test_a_districts_own_base_and_lock_day_change_its_next_months_not_a_published_one_nor_another_district(
        client, make, facts, run_daily, districts):
    a, b = districts["a"], districts["b"]
    for world in (a, b):
        facts.add(world["officer"], OCT, "attendance")
        facts.add(world["officer"], NOV, "attendance")
    run_daily(OCT, NOV)
    publish(a["leader"], sheet(a["officer"], OCT))

    refused = set_parameter(client, make, a["admin"], "POINTS_MONTHLY_BASE", "110", since="2026-10")
    assert refused.status_code == 409 and refused.json["error"] == "month_published"
    assert list(refused.json["errors"]) == ["effective_from"]
    created = set_parameter(client, make, a["admin"], "POINTS_MONTHLY_BASE", "110")
    assert created.status_code == 201, created.json
    assert (created.json["value"], created.json["effective_from"]) == ("110", "2026-11")
    assert set_parameter(client, make, a["admin"], "POINTS_LOCK_DAY", "20").status_code == 201
    audited = session.scalars(select(AuditEntry.object_type).where(AuditEntry.actor_id == a["admin"].id)).all()
    assert audited.count("points_parameter") == 2

    # the district's November is recomputed with its base; its published October and district b are not
    assert (sheet(a["officer"], NOV).base, sheet(a["officer"], NOV).total) == (Decimal("110.00"), Decimal("110.20"))
    assert (sheet(a["officer"], OCT).base, sheet(a["officer"], OCT).state) == (100, SheetState.published)
    assert sheet(b["officer"], NOV).base == 100

    november = shown(client, make, a["admin"], "2026-11")
    assert (november["POINTS_MONTHLY_BASE"]["value"], november["POINTS_MONTHLY_BASE"]["source"]) == ("110", "district")
    assert november["POINTS_MONTHLY_BASE"]["effective_from"] == "2026-11"
    assert november["POINTS_MONTHLY_BASE"]["set_by_id"] == a["admin"].id
    assert november["POINTS_MONTHLY_BASE"]["default"] == "100"
    october = shown(client, make, a["admin"], "2026-10")["POINTS_MONTHLY_BASE"]
    assert (october["value"], october["source"], october["effective_from"]) == ("100", "example_default", None)
    assert "示例默认值" in october["note"]
    assert shown(client, make, b["admin"], "2026-11")["POINTS_MONTHLY_BASE"]["source"] == "example_default"

    # October (published, lock day 10 in force then) locks on 10 November; November's lock day is a's 20th
    jobs.lock_months(date(2026, 11, 10))
    assert sheet(a["officer"], OCT).state == SheetState.locked
    publish(a["leader"], sheet(a["officer"], NOV))
    publish(b["leader"], sheet(b["officer"], NOV))
    jobs.lock_months(date(2026, 12, 10))
    assert (sheet(a["officer"], NOV).state, sheet(b["officer"], NOV).state) == (SheetState.published,
                                                                                 SheetState.locked)
    jobs.lock_months(date(2026, 12, 20))
    assert sheet(a["officer"], NOV).state == SheetState.locked


def test_a_districts_adjustment_limit_and_grades_apply_to_its_sheets(client, make, facts, run_daily, districts):
    a, b = districts["a"], districts["b"]
    for world in (a, b):
        facts.add(world["officer"], NOV, "attendance")
    run_daily(NOV)
    assert set_parameter(client, make, a["admin"], "POINTS_ADJUSTMENT_LIMIT", "3").status_code == 201
    assert set_parameter(client, make, a["admin"], "POINTS_QUARTER_GRADES", "优秀:110,合格:100").status_code == 201
    with pytest.raises(Invalid) as refused:
        operations.add_adjustment(a["leader"], sheet(a["officer"], NOV), points=5, reason="协助处置突发事件")
    assert refused.value.code == "adjustment_out_of_range"
    session.rollback()
    operations.add_adjustment(b["leader"], sheet(b["officer"], NOV), points=5, reason="协助处置突发事件")
    session.commit()
    quarter = {q.officer_id: q.grade for q in session.scalars(select(QuarterlyEvaluation))}
    assert quarter[a["officer"].id] == "合格"  # 100.2 ≥ 100 on a's own scale
    assert quarter[b["officer"].id] == "好"  # 105.2 on the example default scale


@pytest.mark.parametrize(("name", "value", "code"), [
    ("POINTS_LOCK_DAY", "0", "out_of_range"),
    ("POINTS_LOCK_DAY", "29", "out_of_range"),
    ("POINTS_LOCK_DAY", "１５", "invalid_number"),
    ("POINTS_LOCK_DAY", "15.5", "invalid_number"),
    ("POINTS_EXCELLENT_QUOTA_PERCENT", "-1", "invalid_number"),
    ("POINTS_EXCELLENT_QUOTA_PERCENT", "101", "out_of_range"),
    ("POINTS_MONTHLY_BASE", "1e3", "invalid_number"),
    ("POINTS_MONTHLY_BASE", "NaN", "invalid_number"),
    ("POINTS_MONTHLY_BASE", "100.001", "invalid_number"),
    ("POINTS_ADJUSTMENT_LIMIT", "0", "out_of_range"),
    ("POINTS_RATING_BONUS", "excellent:2,good:1,fair:0", "ratings_incomplete"),
    ("POINTS_RATING_BONUS", "excellent:2;good:1,fair:0,poor:-2", "malformed_pairs"),
    ("POINTS_RATING_BONUS", "excellent:2,good:1,fair:0,poor:-2,poor:-3", "ratings_incomplete"),
    ("POINTS_QUARTER_GRADES", "好:100,好:95", "duplicate_grade"),
    ("POINTS_QUARTER_GRADES", "好:100,差:80", "invalid_grade_name"),
    ("POINTS_QUARTER_GRADES", "好", "malformed_pairs"),
    ("POINTS_RATING_BONUS", "excellent:1,good:2,fair:0,poor:-2", "ratings_out_of_order"),
    ("POINTS_RATING_BONUS", "excellent:2,good:1,fair:-3,poor:-2", "ratings_out_of_order"),
    ("POINTS_BASIC_FLOOR", "100.01", "floors_out_of_order"),  # above the example default 优秀线 100
    ("POINTS_UNQUALIFIED_FLOOR", "96", "floors_out_of_order"),  # above the example default 基本称职线 95
    ("POINTS_EXCELLENT_FLOOR", "94.5", "floors_out_of_order"),  # below the example default 基本称职线 95
])
def test_each_value_is_checked_as_its_type_and_refused_by_name(client, make, name, value, code):
    admin = make.officer(Role.district_admin)
    response = set_parameter(client, make, admin, name, value)
    assert response.status_code == 422, response.json
    assert response.json["error"] == code and list(response.json["errors"]) == ["value"]
    assert any("\u4e00" <= char <= "\u9fff" for char in response.json["message"])


def test_hostile_requests_and_who_may_read_or_set(client, make):
    admin = make.officer(Role.district_admin)
    other = make.officer(Role.district_admin)
    city = make.officer(Role.city_admin)
    officer = make.officer(district=admin.district)

    def post(actor, **body):
        return client.post("/api/points/parameters", headers=make.headers(actor),
                           json={"name": "POINTS_LOCK_DAY", "value": "15", "effective_from": "2026-12", **body})

    assert post(admin, name="NO_SUCH").status_code == 422
    assert post(admin, name="POINTS_SHEET_URL").status_code == 422  # not a district parameter
    assert post(admin, effective_from="2026-13").status_code == 422
    assert post(admin, value=15).status_code == 422
    assert post(admin, value="1" * 201).status_code == 422
    assert post(city).status_code == 403 and post(officer).status_code == 403
    assert post(admin).status_code == 201
    assert post(admin, value="16").status_code == 201  # the same month again: that version's value changes
    assert shown(client, make, admin, "2026-12")["POINTS_LOCK_DAY"]["value"] == "16"
    assert shown(client, make, other, "2026-12")["POINTS_LOCK_DAY"]["value"] == "10"

    def get(actor, **query):
        return client.get("/api/points/parameters", query_string=query, headers=make.headers(actor))

    assert get(city).status_code == 422
    assert get(city, district_id=2 ** 64).status_code == 422
    assert get(city, district_id=admin.district_id, month="2026-12").json[2]["value"] == "16"
    assert get(other, district_id=admin.district_id).status_code == 404
    assert get(admin, month="2026-1").status_code == 422
    assert get(officer).status_code == 200


def test_parsed_values_are_what_the_engine_reads_the_example_default_too(app, monkeypatch, make):
    district = make.district()
    monkeypatch.setitem(app.config, "POINTS_RATING_BONUS", " poor:-3, excellent:3,good:1,fair:0")
    monkeypatch.setitem(app.config, "POINTS_QUARTER_GRADES", "一般:90,好:100,较好:95")
    assert parameters.value("POINTS_RATING_BONUS", district.id, NOV) == {
        "excellent": Decimal(3), "good": Decimal(1), "fair": Decimal(0), "poor": Decimal(-3)}
    assert parameters.value("POINTS_QUARTER_GRADES", district.id, NOV) == (
        (Decimal(100), "好"), (Decimal(95), "较好"), (Decimal(90), "一般"))
    assert parameters.as_text("POINTS_RATING_BONUS", parameters.parse("POINTS_RATING_BONUS", "poor:-2,excellent:2,"
                                                                       "fair:0,good:1")) == \
        "excellent:2,good:1,fair:0,poor:-2"
    monkeypatch.setitem(app.config, "POINTS_QUARTER_GRADES", "好:100;较好:95")
    with pytest.raises(Invalid) as refused:  # a malformed deployment default is read by the same parser
        parameters.value("POINTS_QUARTER_GRADES", district.id, NOV)
    assert refused.value.code == "malformed_pairs"


def test_the_floors_in_force_together_keep_their_order_from_each_month_on(client, make):
    admin = make.officer(Role.district_admin)
    assert set_parameter(client, make, admin, "POINTS_BASIC_FLOOR", "98", since="2027-01").status_code == 201

    response = set_parameter(client, make, admin, "POINTS_EXCELLENT_FLOOR", "97", since="2026-11")
    assert response.status_code == 422, response.json  # fine in November, not with 98 from January
    assert response.json["error"] == "floors_out_of_order" and "2027年01月" in response.json["message"]
    assert shown(client, make, admin, "2026-11")["POINTS_EXCELLENT_FLOOR"]["source"] == "example_default"

    assert set_parameter(client, make, admin, "POINTS_EXCELLENT_FLOOR", "99", since="2027-03").status_code == 201
    # until March's own version, 97 meets no basic floor above it but January's 98: still refused
    assert set_parameter(client, make, admin, "POINTS_EXCELLENT_FLOOR", "97", since="2026-11").status_code == 422
    # raising 不称职线 to 96 is fine from January (96 ≤ 98), not from November (95 then)
    assert set_parameter(client, make, admin, "POINTS_UNQUALIFIED_FLOOR", "96", since="2026-11").status_code == 422
    assert set_parameter(client, make, admin, "POINTS_UNQUALIFIED_FLOOR", "96", since="2027-01").status_code == 201
    assert shown(client, make, admin, "2027-03")["POINTS_UNQUALIFIED_FLOOR"]["value"] == "96"
    # lowering the basic floor from March under 96 would cross the 不称职线 in force then
    assert set_parameter(client, make, admin, "POINTS_BASIC_FLOOR", "95", since="2027-03").status_code == 422
    assert set_parameter(client, make, admin, "POINTS_BASIC_FLOOR", "96", since="2027-03").status_code == 201
    other = make.officer(Role.district_admin)  # another district's values are not this one's
    assert set_parameter(client, make, other, "POINTS_EXCELLENT_FLOOR", "97", since="2026-11").status_code == 201


def test_the_versions_read_once_for_a_refresh_answer_as_each_read_alone_from_each_month_on(make):
    """A refresh reads every district's versions once (parameters.InForce) and hands them down: it answers for any
    district and month as a read of that value alone does; a version set afterwards is seen by the next one."""
    first, second = make.district(), make.district()
    by = make.officer(Role.district_admin, district=first).id
    session.add_all([
        parameters.Parameter(district_id=first.id, name="POINTS_MONTHLY_BASE", value="90", effective_from=OCT,
                             created_by_id=by),
        parameters.Parameter(district_id=first.id, name="POINTS_MONTHLY_BASE", value="95", effective_from=NOV,
                             created_by_id=by),
        parameters.Parameter(district_id=second.id, name="POINTS_RATING_BONUS",
                             value="excellent:5,good:1,fair:0,poor:-5", effective_from=NOV, created_by_id=by)])
    session.flush()
    in_force = parameters.InForce()
    for month in (date(2026, 9, 1), OCT, NOV, date(2027, 12, 1)):
        for district in (first, second):
            for name in parameters.PARAMETERS:
                assert in_force.value(name, district.id, month) == parameters.value(name, district.id, month)
    assert in_force.values("POINTS_MONTHLY_BASE", OCT, [first.id, second.id]) == {
        first.id: Decimal(90), second.id: parameters.default_value("POINTS_MONTHLY_BASE")}
    session.add(parameters.Parameter(district_id=second.id, name="POINTS_MONTHLY_BASE", value="80",
                                     effective_from=NOV, created_by_id=by))
    assert in_force.value("POINTS_MONTHLY_BASE", second.id, NOV) != Decimal(80)  # made before: never reused
    assert parameters.InForce().value("POINTS_MONTHLY_BASE", second.id, NOV) == Decimal(80)
