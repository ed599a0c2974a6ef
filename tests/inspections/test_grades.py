"""Risk grades: the history with the reason of each change, and how often each grade is inspected (example
defaults until the district sets its own versions)."""
from datetime import date, timedelta

from backend.db import local_day
from backend.org.models import Role
from tests.inspections.test_registry import ALIBABA, _object, world  # noqa: F401  (the fixture)


def test_grade_change_needs_a_reason_and_is_kept_in_the_history(client, make, world):  # noqa: F811
    leader = make.headers(world["leader"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    assert (item["grade"], item["grade_name"]) == ("medium", "中风险")

    without = client.post(f"/api/inspections/objects/{item['id']}/grades", headers=leader,
                          json={"grade": "high", "reason": "  "})
    assert (without.status_code, without.json["error"]) == (422, "reason_required")
    same = client.post(f"/api/inspections/objects/{item['id']}/grades", headers=leader,
                       json={"grade": "medium", "reason": "复核"})
    assert (same.status_code, same.json["error"]) == (409, "grade_unchanged")
    officer = client.post(f"/api/inspections/objects/{item['id']}/grades", headers=make.headers(world["officer"]),
                          json={"grade": "low", "reason": "自行调整"})
    assert officer.status_code == 403

    raised = client.post(f"/api/inspections/objects/{item['id']}/grades", headers=leader,
                         json={"grade": "high", "reason": "两次被投诉跨门营业，检查发现未整改"})
    assert raised.status_code == 201, raised.json
    assert client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["grade"] == "high"
    history = client.get(f"/api/inspections/objects/{item['id']}/grades", headers=make.headers(world["trainer"])).json
    assert [(h["grade_from"], h["grade_to"], h["reason"]) for h in history] == [
        (None, "medium", "登记时的初始等级"), ("medium", "high", "两次被投诉跨门营业，检查发现未整改")]


def test_intervals_are_example_defaults_until_the_district_sets_a_version(client, make, world, monkeypatch, app):  # noqa: F811
    admin = make.headers(world["admin"])
    shown = client.get("/api/inspections/grade-rules", headers=make.headers(world["officer"])).json
    assert [(r["grade"], r["interval_months"], r["source"]) for r in shown] == [
        ("high", 1, "example_default"), ("medium", 3, "example_default"), ("low", 12, "example_default")]

    monkeypatch.setitem(app.config, "INSPECTIONS_GRADE_INTERVAL_MONTHS", "high:2,medium:6,low:24")
    from_next_year = date(local_day().year + 1, 1, 1)
    added = client.post("/api/inspections/grade-rules", headers=admin,
                        json={"grade": "medium", "interval_months": 4, "effective_from": from_next_year.isoformat()})
    assert added.status_code == 201, added.json
    assert (added.json["interval_months"], added.json["source"]) == (4, "district")
    again = client.post("/api/inspections/grade-rules", headers=admin,
                        json={"grade": "medium", "interval_months": 5, "effective_from": from_next_year.isoformat()})
    assert (again.status_code, again.json["error"]) == (409, "rule_exists")
    past = client.post("/api/inspections/grade-rules", headers=admin, json={
        "grade": "low", "interval_months": 6, "effective_from": (local_day() - timedelta(days=1)).isoformat()})
    assert (past.status_code, past.json["error"]) == (422, "rule_in_past")
    leader = client.post("/api/inspections/grade-rules", headers=make.headers(world["leader"]),
                         json={"grade": "low", "interval_months": 6, "effective_from": from_next_year.isoformat()})
    assert leader.status_code == 403

    today = {r["grade"]: r["interval_months"] for r in
             client.get("/api/inspections/grade-rules", headers=admin).json}
    assert today == {"high": 2, "medium": 6, "low": 24}
    then = client.get("/api/inspections/grade-rules", headers=admin,
                      query_string={"on": from_next_year.isoformat()}).json
    assert [(r["grade"], r["interval_months"], r["source"]) for r in then] == [
        ("high", 2, "example_default"), ("medium", 4, "district"), ("low", 24, "example_default")]
    other_district = make.officer(Role.district_admin)
    assert client.get("/api/inspections/grade-rules", headers=make.headers(other_district),
                      query_string={"on": from_next_year.isoformat()}).json[1]["interval_months"] == 6
