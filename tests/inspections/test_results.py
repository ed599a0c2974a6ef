"""On site: a failed item needs a photo (a real image), a rectification deadline after the inspection and within the
limit; the failure schedules a re-inspection by the same inspectors, opens a case where the checklist says so and
raises the grade; the re-inspection (after the plan closed) settles the rectification the public sees."""
from datetime import timedelta

from sqlalchemy import func, select

from backend.db import local_day, session
from backend.inspections.models import Inspection, InspectionCase, InspectionPhoto
from backend.storage import get_storage
from tests.inspections.test_plans import _code, drawn_inspections, photo, quarter  # noqa: F401  (the fixture)
from tests.photos import many_pixels_png


def _site_inspection(client, make, quarter):  # noqa: F811
    admin = quarter["headers"]
    kind = client.post("/api/inspections/kinds", headers=admin, json={
        "code": "construction_site", "name": "建筑工地", "checklist": [
            {"item": "围挡设置", "judge": "连续、稳固"},
            {"item": "渣土覆盖", "basis": "《上海市建筑垃圾处理管理规定》第十八条", "opens_case": True}]}).json
    site = client.post("/api/inspections/objects", headers=admin, json={
        "kind": "construction_site", "name": "一号工地", "credit_code": _code(99), "address": "南京西路 99 号",
        "squad_id": quarter["squad"].id}).json
    plan = client.post("/api/inspections/plans", headers=admin, json={
        "name": "工地专项", "first_month": "2027-01-01", "months": 3, "kind_ids": [kind["id"]],
        "squad_ids": [quarter["squad"].id]}).json
    drawn = client.post(f"/api/inspections/plans/{plan['id']}/draws", headers=admin, json={}).json
    inspection = drawn_inspections(client, admin, drawn)[0]
    people = {o.id: o for o in (quarter["leader"], quarter["first"], quarter["second"])}
    return site, plan, inspection, make.headers(people[inspection["inspector_ids"][0]])


def test_failed_inspection_to_rectification_and_reinspection(client, make, quarter):  # noqa: F811
    site, plan, inspection, headers = _site_inspection(client, make, quarter)
    url = f"/api/inspections/inspections/{inspection['id']}/result"
    checklist = [{"item": "围挡设置", "passed": True}, {"item": "渣土覆盖", "passed": False, "note": "东侧裸土未覆盖"}]
    later = str(local_day() + timedelta(days=14))

    unseen = client.post(url, headers=headers, json={"checklist": checklist, "rectify_by": later})
    assert (unseen.status_code, unseen.json["error"]) == (422, "photo_required")
    assert "渣土覆盖" in unseen.json["message"]
    not_image = photo(client, headers, inspection["id"], "渣土覆盖", data=b"%PDF-1.4 not a photo")
    assert (not_image.status_code, not_image.json["error"]) == (422, "not_an_image")
    bomb = photo(client, headers, inspection["id"], "渣土覆盖", data=many_pixels_png())
    assert bomb.status_code == 422
    unknown = photo(client, headers, inspection["id"], "消防通道")
    assert (unknown.status_code, unknown.json["error"]) == (422, "unknown_item")
    stranger = photo(client, make.headers(quarter["outsider"]), inspection["id"], "渣土覆盖")
    assert stranger.status_code in (404, 409)
    assert session.scalar(select(func.count()).select_from(InspectionPhoto)) == 0
    taken = photo(client, headers, inspection["id"], "渣土覆盖")
    assert taken.status_code == 201, taken.json
    stored = session.get(InspectionPhoto, taken.json["id"])
    assert get_storage().get(stored.evidence.original_key)[:3] == b"\xff\xd8\xff"

    for bad in (None, str(local_day()), str(local_day() - timedelta(days=1)),
                str(local_day() + timedelta(days=91)), "9999-12-31", "2027-02-30"):
        refused = client.post(url, headers=headers, json={"checklist": checklist, "rectify_by": bad})
        assert refused.status_code == 422, bad
    assert session.get(Inspection, inspection["id"]).status.value == "due"
    assert session.scalar(select(func.count()).select_from(InspectionCase)) == 0

    done = client.post(url, headers=headers, json={"checklist": checklist, "rectify_by": later})
    assert done.status_code == 201, done.json
    assert (done.json["passed"], done.json["rectify_by"], done.json["rectification"]) == (False, later, "pending")
    assert [p["item"] for p in done.json["photos"]] == ["渣土覆盖"]
    case = session.scalars(select(InspectionCase)).one()
    assert case.items == [{"item": "渣土覆盖", "basis": "《上海市建筑垃圾处理管理规定》第十八条",
                           "note": "东侧裸土未覆盖"}]
    grades = client.get(f"/api/inspections/objects/{site['id']}/grades", headers=quarter["headers"]).json
    assert (grades[-1]["grade_from"], grades[-1]["grade_to"]) == ("medium", "high")
    assert "检查不合格 1 次（+3 分）、立案 1 次（+3 分），计 6 分" in grades[-1]["reason"]

    again = done.json["reinspection_id"]
    listed = client.get("/api/inspections/inspections", headers=headers).json
    reinspection = next(i for i in listed if i["id"] == again)
    assert (reinspection["reinspection_of_id"], reinspection["status"]) == (inspection["id"], "due")
    assert reinspection["inspector_ids"] == inspection["inspector_ids"]
    district = quarter["squad"].district.code
    public = client.get(f"/api/inspections/public/{district}/results").json
    assert [(r["object_name"], r["result"], r["rectification"]) for r in public] == [("一号工地", "不合格", "整改中")]

    assert client.post(f"/api/inspections/plans/{plan['id']}/close", headers=quarter["headers"]).status_code == 200
    passed = client.post(f"/api/inspections/inspections/{again}/result", headers=headers,
                         json={"checklist": [{"item": "围挡设置", "passed": True},
                                             {"item": "渣土覆盖", "passed": True}]})
    assert passed.status_code == 201, passed.json
    public = client.get(f"/api/inspections/public/{district}/results").json
    assert sorted((r["result"], r["rectification"]) for r in public) == [("不合格", "已整改"), ("合格", None)]
    assert client.post(f"/api/inspections/draws/{inspection['draw_id']}/verification",
                       headers=headers).json["reproduced"] is True
