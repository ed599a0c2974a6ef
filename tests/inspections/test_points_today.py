"""Inspections in the daily records (known answers: done by the due day, done late, each day open past it) and in
the officer's day (GET /api/duty/today/items), through the same pieces the scheduler and the light app use."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from backend.db import LOCAL_TZ, session
from backend.inspections import grades, inspectors, plans, registry, results
from backend.inspections.models import Grade
from backend.org.models import Role
from backend.supervision.points import jobs
from tests.inspections.test_plans import _code
from tests.points.test_sources import daily, month


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def quarter_2027(make):
    """Two inspectors (so both are drawn every time), a high-risk shop (three inspections, due by the end of each
    month of 2027's first quarter) and a medium-risk one (one, due by the quarter's end)."""
    district = make.district()
    squad = make.squad(district)
    admin = make.officer(Role.district_admin, district=district)
    first, second = make.officer(squad=squad), make.officer(squad=squad)
    for n, officer in enumerate((first, second)):
        inspectors.add_inspector(admin, officer_id=officer.id, certificate_no=f"3101062008{n}",
                                 valid_from=date(2026, 12, 1), valid_until=date(2028, 12, 31))
    registry.create_kind(admin, code="street_shop", name="沿街商户", checklist=[{"item": "跨门营业"}])
    shops = [registry.create_object(admin, kind="street_shop", squad_id=squad.id, name=name, credit_code=_code(n),
                                    licence_numbers=[], address=f"南京西路 {n} 号", lat=None, lng=None,
                                    contact_name=None, contact_phone=None, grid_cell=None)
             for n, name in ((1, "高风险商户"), (2, "中风险商户"))]
    grades.change_grade(admin, shops[0].id, grade=Grade.high, reason="年度评定")
    plan = plans.create_plan(admin, name="2027 年第一季度", first_month=date(2027, 1, 1), months=3, kind_ids=[],
                             squad_ids=[], grades=[])
    drawn = plans.draw(admin, plan.id, reason=None).inspections
    session.commit()
    return dict(admin=admin, first=first, second=second, shops=shops, plan=plan, outsider=make.officer(squad=squad),
                high=[i for i in drawn if i.object_id == shops[0].id], medium=[i for i in drawn
                                                                             if i.object_id == shops[1].id])


def test_each_inspection_is_due_by_the_end_of_its_share_of_the_plan(quarter_2027):
    assert [i.due_on for i in quarter_2027["high"]] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert [i.due_on for i in quarter_2027["medium"]] == [date(2027, 3, 31)]


def _record(officer, inspection, on: date) -> None:
    with time_machine.travel(_at(on), tick=False):
        results.record_result(officer, inspection.id, checklist=[{"item": "跨门营业", "passed": True, "note": ""}])
        session.commit()


def test_on_time_late_and_overdue_inspections_in_the_daily_records_of_both_inspectors(client, make, quarter_2027):
    first, second = quarter_2027["first"], quarter_2027["second"]
    high = quarter_2027["high"]
    _record(first, high[0], date(2027, 1, 20))  # due 31 January: on time
    _record(second, high[1], date(2027, 3, 2))  # due 28 February: open at the end of 1 March, done late on 2 March
    with time_machine.travel(_at(date(2027, 4, 2), 9), tick=False):
        plans.close_plan(quarter_2027["admin"], quarter_2027["plan"].id)  # March's two are never done
        session.commit()
    for day in (date(2027, 1, 20), date(2027, 2, 28), date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 31),
                date(2027, 4, 1), date(2027, 4, 2)):
        jobs.daily_records(day)
    session.commit()

    for officer in (first, second):  # both drawn inspectors count each inspection, whoever recorded it
        assert daily(client, make, officer, date(2027, 1, 20)) == {("inspection_on_time", "1.000", "inspections")}
        assert daily(client, make, officer, date(2027, 2, 28)) == set()  # due that day: not yet overdue
        assert daily(client, make, officer, date(2027, 3, 1)) == {("inspection_overdue", "1.000", "inspections")}
        assert daily(client, make, officer, date(2027, 3, 2)) == {("inspection_late", "1.000", "inspections")}
        assert daily(client, make, officer, date(2027, 3, 31)) == set()
        assert daily(client, make, officer, date(2027, 4, 1)) == {("inspection_overdue", "2.000", "inspections")}
        assert daily(client, make, officer, date(2027, 4, 2)) == set()  # the plan closed that morning
        assert month(client, make, officer, date(2027, 1, 1)) == ({"inspection_on_time": "0.30"}, "100.30")
        # late 1 × 0.10, overdue 1 day × -0.20 (example defaults)
        assert month(client, make, officer, date(2027, 3, 1)) == (
            {"inspection_late": "0.10", "inspection_overdue": "-0.20"}, "99.90")
    assert daily(client, make, quarter_2027["outsider"], date(2027, 4, 1)) == set()


def test_due_inspections_show_in_the_officers_day(client, make, quarter_2027):
    first = quarter_2027["first"]
    high, medium = quarter_2027["high"], quarter_2027["medium"]
    _record(first, high[0], date(2027, 1, 20))

    def items(officer, day: str):
        answer = client.get("/api/duty/today/items", headers=make.headers(officer), query_string={"day": day})
        assert answer.status_code == 200, answer.json
        return [(row["kind"], row["ref"], row["due_on"], row["overdue"]) for row in answer.json]

    assert items(first, "2026-12-20") == []  # the plan has not begun
    assert items(first, "2027-02-10") == [("inspection", str(high[1].id), "2027-02-28", False),
                                          ("inspection", str(high[2].id), "2027-03-31", False),
                                          ("inspection", str(medium[0].id), "2027-03-31", False)]
    assert items(first, "2027-03-01")[0] == ("inspection", str(high[1].id), "2027-02-28", True)
    assert items(quarter_2027["outsider"], "2027-02-10") == []
    row = client.get("/api/duty/today/items", headers=make.headers(first), query_string={"day": "2027-02-10"}).json[0]
    assert row["title"] == "检查：高风险商户（沿街商户，2027 年第一季度）"
    opened = client.get(row["path"], headers=make.headers(first))
    assert (opened.status_code, opened.json["object_name"], opened.json["due_on"]) == (200, "高风险商户", "2027-02-28")
    assert client.get(row["path"], headers=make.headers(quarter_2027["outsider"])).status_code == 200  # same squad
    for bad in ("2027-02-30", "9999-12-31", "x"):
        assert client.get("/api/duty/today/items", headers=make.headers(first),
                          query_string={"day": bad}).status_code == 422
