"""Each domain's daily facts, made as that domain makes them, become daily records and month points."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
import time_machine

from backend.community.models import Status
from backend.db import LOCAL_TZ
from backend.org.models import Role
from tests.drills.scenarios import STANDARD_PATH, drill_body
from tests.training.scenarios import attend, one_question_paper, sit_exam


@pytest.fixture
def squad(make):
    return make.squad()


@pytest.fixture
def officer(make, squad):
    return make.officer(squad=squad)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def daily(client, make, officer, day: date) -> set[tuple[str, str, str]]:
    """(item, quantity, source) of the officer's daily records of `day`."""
    response = client.get("/api/points/daily", headers=make.headers(officer), query_string={
        "officer_id": officer.id, "date_from": day.isoformat(), "date_to": day.isoformat()})
    assert response.status_code == 200, response.json
    return {(row["item"], row["quantity"], row["source"]) for row in response.json}


def month(client, make, officer, day: date) -> tuple[dict[str, str], str]:
    """The officer's sheet of the month of `day`: points per item, and the total."""
    [row] = client.get("/api/points/monthly", headers=make.headers(officer), query_string={
        "month": f"{day:%Y-%m}", "officer_id": officer.id}).json
    sheet = client.get(f"/api/points/monthly/{row['id']}", headers=make.headers(officer)).json
    return {line["item"]: line["points"] for line in sheet["lines"]}, sheet["total"]


def test_complaints_resolved_on_time_late_and_rated(client, make, run_daily, squad, officer):
    day = date(2026, 11, 20)
    office = make.office(squad)
    noon = _local(day, 12)
    make.complaint(office, submitted_at=noon - timedelta(hours=3), status=Status.closed, resolved_by_id=officer.id,
                   resolved_at=noon, rating=5, rated_at=noon + timedelta(hours=2))
    make.complaint(office, submitted_at=noon - timedelta(hours=2), status=Status.resolved, resolved_by_id=officer.id,
                   resolved_at=noon)
    make.complaint(office, submitted_at=noon - timedelta(days=3), status=Status.closed, resolved_by_id=officer.id,
                   resolved_at=noon + timedelta(hours=1), rating=2, rated_at=noon + timedelta(hours=3))  # 1-day limit
    run_daily(day)

    assert daily(client, make, officer, day) == {
        ("complaint_on_time", "2.000", "complaints"), ("complaint_late", "1.000", "complaints"),
        ("resident_rating", "1.000", "complaints")}  # 5 + 2 stars, 1 above 3 each
    assert month(client, make, officer, day) == (
        {"complaint_on_time": "1.00", "complaint_late": "-1.00", "resident_rating": "0.20"}, "100.20")


def test_supervision_findings_deduct_by_severity(client, make, run_daily, squad, officer):
    day = date(2026, 11, 20)
    supervisor = make.officer(Role.supervisor, district=squad.district)
    make.finding(supervisor, officer, found_at=_local(day, 9), severity=2)
    make.finding(supervisor, officer, found_at=_local(day, 15), severity=3)
    make.finding(supervisor, squad=squad, found_at=_local(day, 10))  # against the squad: nobody's points
    run_daily(day)

    assert daily(client, make, officer, day) == {("finding_severity", "5.000", "findings")}
    assert month(client, make, officer, day) == ({"finding_severity": "-5.00"}, "95.00")


def test_imported_cases_closed_overdue_and_withdrawn_at_will(client, make, run_daily, squad, officer):
    admin = make.officer(Role.district_admin, district=squad.district)
    header = ("案件编号,中队,承办人工号,发现日期,立案日期,结案日期,"
              "撤案日期,撤案理由,撤案审批人,撤销处罚日期,撤销处罚理由,撤销处罚审批人")
    rows = [f"C-1,{squad.name},{officer.badge_no},2026-03-01,2026-03-25,,,,,,,",  # registered late: overdue 03-17
            f"C-2,{squad.name},{officer.badge_no},2026-03-01,,,2026-03-05,,,,,",  # withdrawn, no reason: arbitrary
            f"C-3,{squad.name},{officer.badge_no},2026-03-01,2026-03-03,2026-03-20,,,,,,"]  # closed 03-20
    with time_machine.travel(_local(date(2026, 4, 30), 10), tick=False):
        response = client.post(
            "/api/cases/import-file",
            headers=make.headers(admin),
            content_type="multipart/form-data",
            data={"file": (io.BytesIO("\n".join([header, *rows]).encode()), "cases.csv")},
        )
    assert response.status_code == 200, response.json
    days = date(2026, 3, 5), date(2026, 3, 17), date(2026, 3, 20)
    run_daily(*days)

    assert [daily(client, make, officer, day) for day in days] == [
        {("case_arbitrary", "1.000", "cases")}, {("case_overdue", "1.000", "cases")},
        {("case_handled", "1.000", "cases")}]
    assert month(client, make, officer, days[0]) == (
        {"case_arbitrary": "-2.00", "case_overdue": "-1.00", "case_handled": "0.50"}, "97.50")


def test_live_class_hours_and_exams_passed_and_failed(client, make, run_daily, squad, officer):
    day = date(2026, 4, 8)
    start = _local(day, 9)
    trainer = make.officer(Role.trainer, district=squad.district)
    with time_machine.travel(start, tick=False) as traveller:
        live_class = make.live_class(trainer, start, start + timedelta(minutes=60))
        paper_id = one_question_paper(client, make, trainer, "1")
        attend(client, make, live_class, officer, traveller, minutes=30)
        sit_exam(client, make, paper_id, officer, correct=False)
        sit_exam(client, make, paper_id, officer, correct=True)
    run_daily(day)

    assert daily(client, make, officer, day) == {
        ("training_hours", "0.500", "training"), ("exam_passed", "1.000", "training"),
        ("exam_failed", "1.000", "training")}
    assert month(client, make, officer, day) == (
        {"training_hours": "0.25", "exam_passed": "1.00", "exam_failed": "-1.00"}, "100.25")


def test_each_scenario_drill_walked_counts_as_a_drill_completed(client, make, run_daily, squad, officer):
    day = date(2026, 11, 20)
    trainer = make.officer(Role.trainer, district=squad.district)
    drill = client.post("/api/training/drills", headers=make.headers(trainer), json=drill_body()).json
    with time_machine.travel(_local(day, 10), tick=False):
        for path in (STANDARD_PATH, STANDARD_PATH):  # walked twice: both scored, both count
            response = client.post(f"/api/training/drills/{drill['id']}/attempts", headers=make.headers(officer),
                                   json={"path": path})
            assert response.status_code == 201, response.json
    run_daily(day)

    assert daily(client, make, officer, day) == {("drill_completed", "2.000", "drills")}
    assert month(client, make, officer, day) == ({"drill_completed": "0.40"}, "100.40")
