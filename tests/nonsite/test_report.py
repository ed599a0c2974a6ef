"""The monthly report per squad with known answers (November 2026 in Shanghai time), and the 两超期 clock a
non-site case runs on from 立案 (flags at once, warnings from the hourly job)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from backend.db import session
from backend.org.models import Role
from backend.supervision.cases.jobs import warn_case_deadlines
from backend.supervision.cases.models import Case, CaseWarning, FlagKind
from tests.nonsite.platform import alert, callback, camera, send, to_notice

SHANGHAI = timezone(timedelta(hours=8))


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _triage(client, make, leader, alert_id: int, decision: str) -> int | None:
    body = {"decision": decision, "reason": "研判"} | ({"false_positive": "no_violation"}
                                                      if decision == "dismissed" else {})
    response = client.post(f"/api/nonsite/alerts/{alert_id}/triage", headers=make.headers(leader), json=body)
    assert response.status_code == 200, response.json
    return response.json["case_id"]


def _report(client, make, who, month: str):
    response = client.get("/api/nonsite/reports/monthly", headers=make.headers(who), query_string={"month": month})
    assert response.status_code == 200, response.json
    return response.json


def test_the_monthly_report_counts_alerts_precision_cases_deliveries_payments_and_days(
        client, make, squad, leader, reviewer, suishenban):
    other = make.squad(district=squad.district)
    with time_machine.travel(_at(11, 2, 10)):
        cam = camera(client, make, squad)["code"]
        sent = {name: send(client, alert(cam, plate=plate, at=at)).json for name, plate, at in (
            ("paid", "沪A11111", _at(11, 2, 9)), ("burst", "沪A11111", _at(11, 2, 9, 2)),
            ("false", "沪B22222", _at(11, 2, 9, 30)), ("october", "沪D44444", _at(10, 31, 23, 30)))}
        assert sent["burst"]["burst_of"] == sent["paid"]["id"]
        paid_case = _triage(client, make, leader, sent["paid"]["id"], "confirmed")
        _triage(client, make, leader, sent["false"]["id"], "dismissed")
        _triage(client, make, leader, sent["october"]["id"], "dismissed")
        notice = to_notice(client, make, leader, reviewer, paid_case, fine=2000)["documents"][0]
    with time_machine.travel(_at(11, 3, 10)):
        still_open = send(client, alert(cam, plate="沪C33333", at=_at(11, 3, 9))).json
        _triage(client, make, leader, still_open["id"], "confirmed")
    assert callback(client, suishenban, "delivered", notice["number"], _at(11, 6, 10)).status_code == 200  # Friday
    with time_machine.travel(_at(11, 12, 10)):  # the statement period ended as Thursday the 12th began
        decided = client.post(f"/api/nonsite/cases/{paid_case}/decide", headers=make.headers(leader))
        assert decided.status_code == 200, decided.json
    decision = decided.json["documents"][1]
    assert callback(client, suishenban, "delivered", decision["number"], _at(11, 13, 10)).status_code == 200
    assert callback(client, suishenban, "paid", decision["number"], _at(11, 16, 10), 2000).status_code == 200

    admin = make.officer(Role.district_admin, district=squad.district)
    rows = {row["squad_id"]: row for row in _report(client, make, admin, "2026-11")}
    expected = {"alerts": 3, "confirmed": 2, "dismissed": 1, "precision": 0.6667, "cases": 2, "delivered": 2,
                "paid": 1, "paid_amount": 2000, "decisions": 1, "days_alert_to_decision": 10.0}
    assert {name: rows[squad.id][name] for name in expected} == expected  # 10 days 1 hour, to one decimal
    assert {name: rows[other.id][name] for name in expected} == {
        **dict.fromkeys(expected, 0), "precision": None, "days_alert_to_decision": None}
    # the observers read it too, counts only (no plate, no party: PIPL's minimum necessary), each in their scope
    counts_only = {"squad_id", "squad", "district_id", "month", "alerts", "confirmed", "dismissed", "precision",
                   "cases", "not_registered", "withdrawn", "delivered", "paid", "paid_amount", "decisions",
                   "dropped", "revoked", "days_alert_to_decision"}
    city = {row["squad_id"]: row for row in _report(client, make, make.officer(Role.city_supervisor), "2026-11")}
    assert city[squad.id] == rows[squad.id] and set(city[squad.id]) == counts_only
    assert "沪A11111" not in str(city)
    town_leader = make.officer(Role.town_leader, town=make.town(squad.district, squad))
    assert [row["squad_id"] for row in _report(client, make, town_leader, "2026-11")] == [squad.id]
    other_town = make.officer(Role.town_leader, town=make.town(squad.district, other))
    assert [row["squad_id"] for row in _report(client, make, other_town, "2026-11")] == [other.id]
    assert client.get("/api/nonsite/reports/monthly", headers=make.headers(other_town),
                      query_string={"month": "2026-11", "squad_id": squad.id}).status_code == 404
    october = {row["squad_id"]: row for row in _report(client, make, admin, "2026-10")}[squad.id]
    assert (october["alerts"], october["dismissed"], october["cases"]) == (1, 1, 0)  # 23:30 on the 31st, Shanghai
    assert [row["squad_id"] for row in _report(client, make, leader, "2026-11")] == [squad.id]  # their own squad

    exported = client.get("/api/nonsite/reports/monthly/export", headers=make.headers(admin),
                          query_string={"month": "2026-11", "squad_id": squad.id})
    assert exported.status_code == 200
    sheet = load_workbook(BytesIO(exported.data)).active
    assert [cell.value for cell in sheet[2]] == [
        squad.name, "2026-11", 3, 2, 1, 0.6667, 2, 0, 0, 0, 0, 2, 1, 2000, 1, 10.0]


def test_bad_report_queries_are_refused(client, make, squad, leader):
    for month in ("2026-13", "99999-01", "2026-11-01", "%ED%A0%80", "%00"):  # the last two: bad UTF-8, NUL
        response = client.get(f"/api/nonsite/reports/monthly?month={month}", headers=make.headers(leader))
        assert response.status_code in (400, 422) and response.json["error"], month
    officer = make.officer(squad=squad)
    assert client.get("/api/nonsite/reports/monthly", headers=make.headers(officer),
                      query_string={"month": "2026-11"}).status_code == 403
    stranger = make.squad()
    assert client.get("/api/nonsite/reports/monthly", headers=make.headers(leader),
                      query_string={"month": "2026-11", "squad_id": stranger.id}).status_code == 404


def test_a_case_runs_on_the_two_overdue_clock_from_its_registration(client, make, squad, leader):
    with time_machine.travel(_at(11, 25, 10)):
        cam = camera(client, make, squad)["code"]
        late = send(client, alert(cam, at=_at(11, 2, 9))).json  # confirmed 23 days after the camera saw it
        case_id = _triage(client, make, leader, late["id"], "confirmed")
    record = session.scalars(select(Case).where(Case.number == f"非现场-{case_id}")).one()
    assert (record.discovered_on, record.registered_on, record.officer_id, record.squad_id) == (
        date(2026, 11, 2), date(2026, 11, 25), leader.id, squad.id)
    assert record.handling_due_on == date(2026, 11, 25) + timedelta(days=90)
    assert {flag.kind: flag.day for flag in record.flags} == {FlagKind.registration_overdue: date(2026, 11, 18)}

    three_days_before = datetime(2027, 2, 20, 12, tzinfo=SHANGHAI)  # handling due 2027-02-23
    assert warn_case_deadlines(three_days_before)["warnings"] >= 1
    warnings = session.scalars(select(CaseWarning.kind).where(CaseWarning.case_id == record.id)).all()
    assert warnings == ["handling_due"]
