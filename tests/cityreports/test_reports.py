"""The city report on a month built by hand in two districts: duty, orders and complaints, 两超期两随意, credit hours
and month sheets per district, as JSON and Excel; who may read which district; what a bad query gets."""
from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from backend.community.models import Status as ComplaintStatus
from backend.db import LOCAL_TZ, session
from backend.duty.models import CheckKind, DutyCheck, Timing
from backend.orders.models import OrderSource, SourceKind, Status, WorkOrder
from backend.org.models import Role
from backend.supervision.cases.models import CaseFlag, FlagKind
from backend.supervision.points.models import MonthlyPoints, SheetState
from backend.training.models import Course, CourseCompletion
from tests.clock import pinned
from tests.orders.builders import complaint

_pinned_clock = pinned(2026, 4, 15, 12, 0)
_numbers = itertools.count(1)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def shift(make, officer, day: str, *, check_in: Timing | None = None, out_of_area: bool = False,
          absent: bool = False):
    """An 8-hour shift of `officer` on `day`, with its check-in (if any)."""
    starts = local(f"{day} 08:00")
    made = make.shift(officer, starts, starts + timedelta(hours=8))
    made.absent, made.attended_minutes = absent, 0 if absent else 480
    if check_in is not None:
        session.add(DutyCheck(client_id=f"c{next(_numbers)}", officer_id=officer.id, shift_id=made.id,
                              kind=CheckKind.check_in, client_at=starts, timing=check_in, out_of_area=out_of_area,
                              minutes_off=10 if check_in == Timing.late else 0, lat=31.23, lng=121.47,
                              accuracy_m=10.0, received_at=starts))
    session.flush()
    return made


def order(source, squad, received: str, *, resolved: str | None = None, followup: str | None = None):
    received_at = local(received)
    session.add(WorkOrder(source_id=source.id, source_order_id=f"R{next(_numbers)}", body_sha256="0" * 64,
                          squad_id=squad.id, category="street_vending", source_category="A0101", description="工单",
                          status=Status.resolved if resolved else Status.accepted, received_at=received_at,
                          accept_due_at=received_at + timedelta(hours=2),
                          resolve_due_at=received_at + timedelta(hours=24), deadlines_from_source=False,
                          resolved_at=local(resolved) if resolved else None, followup_result=followup,
                          lat=31.22, lng=121.44 + next(_numbers) / 100))


def completed(officer, category: str, hours: str, on: date):
    course = Course(district_id=officer.district_id, title=f"课程{next(_numbers)}", category=category,
                    credit_hours=Decimal(hours))
    session.add(course)
    session.flush()
    session.add(CourseCompletion(course_id=course.id, officer_id=officer.id, completed_on=on,
                                 recorded_by_id=officer.id))


def sheet(officer, total: str, state: SheetState = SheetState.published):
    session.add(MonthlyPoints(officer_id=officer.id, month=date(2026, 3, 1), district_id=officer.district_id,
                              squad_id=officer.squad_id, state=state, base=Decimal("100"),
                              items_total=Decimal(total) - 100, total=Decimal(total), deductions=Decimal("0"),
                              version=1))


@pytest.fixture
def city(make):
    """March 2026 in two districts.

    A (squads a1, a2; officers o1 in a1, o2 in a2): o1 has 3 March shifts (late; on time out of area; absent) and
    one on 28 February; 2 orders of a1 (on time and 满意; late), a complaint of a2 on time rated 5 and a rejected
    one; 2 cases of o1 registered and closed in March, one with a 办案超期 flag; credit hours: o1 online 60 in
    January (classroom none: behind) and classroom 24 in April (after the month), o2 online 20 and classroom 10
    (on track at the end of March: 90/365 of 60 and 24); sheets o1 101 (好), o2 88 (below every floor).
    B (squad b1, o3): one shift checked in on time.
    """
    a1 = make.squad(name="静安寺街道中队")
    a2 = make.squad(a1.district, name="南京西路街道中队")
    b1 = make.squad(name="外滩街道中队")
    o1, o2, o3 = make.officer(squad=a1), make.officer(squad=a2), make.officer(squad=b1)
    shift(make, o1, "2026-03-02", check_in=Timing.late)
    shift(make, o1, "2026-03-03", check_in=Timing.on_time, out_of_area=True)
    shift(make, o1, "2026-03-04", absent=True)
    shift(make, o1, "2026-02-28", check_in=Timing.late)
    shift(make, o3, "2026-03-02", check_in=Timing.on_time)
    source = OrderSource(district_id=a1.district_id, squad_id=a1.id, name=f"cr{next(_numbers)}", title="区城运中心",
                         kind=SourceKind.city_platform, key_encrypted=b"-", coord_system="gcj02", category_map={},
                         status_map={})
    session.add(source)
    session.flush()
    order(source, a1, "2026-03-02 09:00", resolved="2026-03-02 15:00", followup="satisfied")
    order(source, a1, "2026-03-05 09:00", resolved="2026-03-07 09:00")
    office = make.office(a2)
    complaint(make, office, "2026-03-03 09:00", resolved="2026-03-03 12:00", rating=5)
    complaint(make, office, "2026-03-12 09:00", status=ComplaintStatus.rejected)
    make.case_record(o1, discovered_on=date(2026, 3, 1), registered_on=date(2026, 3, 2), closed_on=date(2026, 3, 20))
    late = make.case_record(o1, discovered_on=date(2025, 11, 1), registered_on=date(2025, 11, 5),
                            closed_on=date(2026, 3, 25))
    session.add(CaseFlag(case_id=late.id, kind=FlagKind.handling_overdue, day=date(2026, 3, 10), officer_id=o1.id,
                         squad_id=a1.id))
    completed(o1, "online", "60", date(2026, 1, 10))
    completed(o1, "classroom", "24", date(2026, 4, 2))
    completed(o2, "online", "20", date(2026, 2, 1))
    completed(o2, "classroom", "10", date(2026, 3, 31))
    sheet(o1, "101")
    sheet(o2, "88", SheetState.draft)
    session.commit()
    return {"a": a1.district, "b": b1.district, "a1": a1}


def report(client, make, who, path="/api/city-reports/districts", **query):
    return client.get(path, headers=make.headers(who), query_string=query)


def test_a_districts_month_is_what_was_counted_by_hand(client, make, city):
    admin = make.officer(Role.district_admin, district=city["a"])
    (row,) = report(client, make, admin, month="2026-03").json
    assert (row["district_id"], row["district"], row["month"]) == (city["a"].id, city["a"].name, "2026-03")
    assert {k: row[k] for k in ("shifts", "shifts_absent", "check_ins", "late", "out_of_area")} == {
        "shifts": 3, "shifts_absent": 1, "check_ins": 2, "late": 1, "out_of_area": 1}
    assert (row["attendance_rate"], row["punctuality_rate"]) == (0.6667, 0.5)
    assert {k: row[k] for k in ("orders_received", "orders_due", "orders_on_time", "orders_rated",
                                "complaints_received", "complaints_due", "complaints_on_time")} == {
        "orders_received": 2, "orders_due": 2, "orders_on_time": 1, "orders_rated": 1, "complaints_received": 2,
        "complaints_due": 1, "complaints_on_time": 1}
    assert (row["on_time_rate"], row["satisfaction_rate"]) == (0.6667, 1.0)
    assert {k: row[k] for k in ("cases_registered", "cases_closed", "cases_closed_clean", "handling_overdue",
                                "case_flags")} == {
        "cases_registered": 1, "cases_closed": 2, "cases_closed_clean": 1, "handling_overdue": 1, "case_flags": 1}
    assert row["case_compliance_rate"] == 0.5
    assert (row["trainees"], row["trainees_on_track"], row["credit_required"], row["credit_earned"]) == (
        2, 1, "168.0", "90.0")
    assert (row["credit_on_track_rate"], row["credit_completion"]) == (0.5, 0.5357)
    assert (row["sheets"], row["sheets_final"], row["points_mean"], row["points_min"], row["points_max"]) == (
        2, 1, 94.5, "88.00", "101.00")
    assert row["points_floor_rate"] == 0.5
    assert [(band["grade"], band["sheets"]) for band in row["points_bands"]] == [
        ("好", 1), ("较好", 0), ("一般", 0), ("低于最低分档", 1)]


def test_the_city_reads_every_district_and_the_excel_has_the_same_figures(client, make, city):
    admin = make.officer(Role.district_admin, district=city["b"])
    city["b"].name = '=HYPERLINK("http://evil.example","点我")'
    session.commit()
    (row,) = report(client, make, admin, month="2026-03").json
    assert (row["shifts"], row["attendance_rate"], row["on_time_rate"], row["points_mean"]) == (1, 1.0, None, None)
    export = report(client, make, admin, "/api/city-reports/districts/export", month="2026-03")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    assert "city-report-2026-03.xlsx" in export.headers["Content-Disposition"]
    sheet_rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    header, line = sheet_rows
    assert line[0] == "'" + city["b"].name  # a formula goes out as text
    assert dict(zip(header, line, strict=True))["出勤率"] == 1.0


def test_who_reads_which_district(client, make, city):
    a_admin = make.officer(Role.district_admin, district=city["a"])
    b_supervisor = make.officer(Role.supervisor, district=city["b"])
    assert [r["district_id"] for r in report(client, make, b_supervisor, month="2026-03").json] == [city["b"].id]
    refused = report(client, make, b_supervisor, month="2026-03", district_id=city["a"].id)
    assert refused.status_code == 404 and refused.json["error"] == "not_found" and "区局" in refused.json["message"]
    assert report(client, make, a_admin, month="2026-03", district_id=city["a"].id).json[0]["shifts"] == 3
    officer = make.officer(squad=city["a1"])
    assert report(client, make, officer, month="2026-03").status_code == 403
    leader = make.officer(Role.squad_leader, squad=city["a1"])
    assert report(client, make, leader, month="2026-03").status_code == 403
    assert client.get("/api/city-reports/districts", query_string={"month": "2026-03"}).status_code == 401


@pytest.mark.parametrize("query", [
    {"month": "2026-13"}, {"month": "2026-00"}, {"month": "0000-03"}, {"month": "99999-03"}, {"month": "2026-3x"},
    {}, {"month": "2026-03", "district_id": 2**64}, {"month": "2026-03", "district_id": 0},
    {"month": "2026-03", "district_id": "一"},
])
def test_a_bad_query_is_refused_in_chinese(client, make, city, query):
    admin = make.officer(Role.district_admin, district=city["a"])
    for path in ("/api/city-reports/districts", "/api/city-reports/districts/export"):
        refused = report(client, make, admin, path, **query)
        assert refused.status_code == 422, (path, query)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.json["errors"]))


def test_a_month_without_anything_has_no_rates(client, make, city):
    admin = make.officer(Role.district_admin, district=city["a"])
    (row,) = report(client, make, admin, month="2025-06").json
    assert row["shifts"] == 0 and row["attendance_rate"] is None and row["points_bands"][0]["sheets"] == 0
    assert row["trainees"] == 2  # the people are there all the same
