"""The city report on a month built by hand in two districts: duty, orders and complaints, 两超期两随意, credit hours
and month sheets per district, as JSON and Excel; who may read which district; what a bad query gets."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from backend.db import session
from backend.org.models import Role


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


def test_a_name_with_a_control_character_goes_out_marked(client, make, city):
    """openpyxl refuses control characters in a cell: the export answered 500 for a name typed with one."""
    admin = make.officer(Role.district_admin, district=city["b"])
    city["b"].name = "静安\x01区"
    session.commit()
    export = report(client, make, admin, "/api/city-reports/districts/export", month="2026-03")
    assert export.status_code == 200
    (_, line) = load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True)
    assert line[0] == "静安\ufffd区"


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
    for path in ("/api/city-reports/districts", "/api/city-reports/districts/export", "/api/city-reports/towns",
                 "/api/city-reports/towns/export"):
        refused = report(client, make, admin, path, **query)
        assert refused.status_code == 422, (path, query)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.json["errors"]))


def test_a_month_without_anything_has_no_rates(client, make, city):
    admin = make.officer(Role.district_admin, district=city["a"])
    (row,) = report(client, make, admin, month="2025-06").json
    assert row["shifts"] == 0 and row["attendance_rate"] is None and row["points_bands"][0]["sheets"] == 0
    assert row["trainees"] == 2  # the people are there all the same


def test_the_citys_credit_requirements_count_for_every_district(client, make, city):
    city_trainer = make.officer(Role.city_trainer)
    set_ = client.put("/api/training/credit-requirements/2026", headers=make.headers(city_trainer), json={
        "categories": [{"category": "online", "name": "在线网训", "hours": "70"},
                       {"category": "law", "name": "法治专题", "hours": "10"}]})
    assert set_.status_code == 200, set_.json
    b_admin = make.officer(Role.district_admin, district=city["b"])
    own = client.put("/api/training/credit-requirements/2026", headers=make.headers(b_admin), json={
        "categories": [{"category": "online", "name": "在线网训", "hours": "50"},
                       {"category": "classroom", "name": "集中面授", "hours": "30"}]})
    assert own.status_code == 200, own.json
    rows = {r["district_id"]: r for r in report(client, make, city_trainer, month="2026-03").json}
    # district A set none: the city's 70 + 10 for each of its two trainees, instead of the default "60+24"
    assert (rows[city["a"].id]["trainees"], rows[city["a"].id]["credit_required"]) == (2, "160.0")
    # district B: the city's online 70 (above its own 50), law 10, and its own classroom 30, per trainee
    required_b = client.get("/api/training/credit-requirements/2026", headers=make.headers(b_admin)).json
    assert sorted((c["category"], c["hours"]) for c in required_b) == [
        ("classroom", "30.0"), ("law", "10.0"), ("online", "70.0")]
    row_b = rows[city["b"].id]
    assert row_b["trainees"] >= 1 and row_b["credit_required"] == f"{110 * row_b['trainees']}.0"
