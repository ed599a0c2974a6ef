"""Issue 19's "done when": a quarter played end to end over HTTP — the registry imported from a file, grades
computed, a plan and its 双随机 draw (re-run to the same result), two inspections on the light app's calls
(miniapp_contracts/inspections.yaml: one passes, one fails with a photo), the rectification and its
re-inspection, the grade raised with its reason, and the public page showing the results."""
from __future__ import annotations

import io
from datetime import timedelta

from backend.db import local_day
from backend.inspections import scoring
from backend.inspections.plans import run
from backend.org.models import Role
from tests.inspections.test_plans import _code, drawn_inspections, photo, register
from tests.inspections.test_public_page import _individual

CSV = ("类型,名称,统一社会信用代码,地址,中队,联系人,联系电话\n"
       f"沿街商户,静安某某餐饮有限公司,{_code(1)},南京西路 1 号,南京西路中队,李经理,13900000001\n"
       f"沿街商户,王五水果店,{_individual(2)},南京西路 2 号,南京西路中队,王五,13900000002\n"
       f"沿街商户,静安某某超市有限公司,{_code(3)},南京西路 3 号,南京西路中队,赵经理,13900000003\n")


def test_a_quarter_from_import_to_the_public_page(client, make):
    district = make.district(name="静安区", code="ja")
    squad = make.squad(district, name="南京西路中队")
    admin = make.headers(make.officer(Role.district_admin, district=district))
    first, second = make.officer(squad=squad, name="吴检查员"), make.officer(squad=squad, name="郑检查员")
    for n, officer in enumerate((first, second)):
        assert register(client, admin, officer, f"3101062007{n}").status_code == 201
    kind = client.post("/api/inspections/kinds", headers=admin, json={
        "code": "street_shop", "name": "沿街商户", "checklist": [
            {"item": "跨门营业", "basis": "《上海市市容环境卫生管理条例》第二十二条"}, {"item": "门前责任区整洁"}]})
    assert kind.status_code == 201, kind.json

    # the registry, imported from a file; grades computed (every object starts at the example default, and the
    # nightly rules find nothing to move yet)
    imported = client.post("/api/inspections/objects/import", headers=admin, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(CSV.encode()), "shops.csv", "text/csv")})
    assert imported.status_code == 201, imported.json
    assert (imported.json["created"], imported.json["updated"]) == (3, 0)
    objects = {o["name"]: o for o in client.get("/api/inspections/objects", headers=admin).json}
    assert {o["grade"] for o in objects.values()} == {"medium"}
    assert scoring.regrade_all()["changed"] == 0
    individual = objects["王五水果店"]
    history = client.get(f"/api/inspections/objects/{individual['id']}/grades", headers=admin).json
    assert [(h["grade_from"], h["grade_to"], h["reason"]) for h in history] == [(None, "medium", "登记时的初始等级")]

    # the plan and its draw: medium risk is inspected quarterly, so each object once; both inspectors each time
    plan = client.post("/api/inspections/plans", headers=admin, json={
        "name": "本季度沿街商户双随机检查", "first_month": str(local_day().replace(day=1)), "months": 3}).json
    drawn = client.post(f"/api/inspections/plans/{plan['id']}/draws", headers=admin, json={})
    assert drawn.status_code == 201, drawn.json
    draw = drawn.json
    draw["inspections"] = drawn_inspections(client, admin, draw)
    inputs = client.get(draw["inputs_url"], headers=make.headers(first)).json
    assert len(draw["inspections"]) == 3 and inputs["algorithm"] == 2
    assert all(sorted(i["inspector_ids"]) == sorted([first.id, second.id]) for i in draw["inspections"])
    assert client.post(f"/api/inspections/draws/{draw['id']}/verification",
                       headers=make.headers(first)).json["reproduced"] is True
    assert [(r["object_id"], r["inspector_ids"]) for r in run(draw["seed"], inputs)] == [
        (i["object_id"], i["inspector_ids"]) for i in draw["inspections"]]

    # on the phone: my day, my inspections, one passes, one fails with a photo and a deadline
    phone = make.headers(first)
    today = client.get("/api/duty/today/items", headers=phone).json
    assert [item["kind"] for item in today] == ["inspection"] * 3
    mine = {i["object_name"]: i for i in client.get("/api/inspections/inspections", headers=phone,
                                                    query_string={"mine": "true"}).json}
    company, shop = mine["静安某某餐饮有限公司"], mine["王五水果店"]
    passed = client.post(f"/api/inspections/inspections/{company['id']}/result", headers=phone, json={
        "checklist": [{"item": "跨门营业", "passed": True}, {"item": "门前责任区整洁", "passed": True}]})
    assert (passed.status_code, passed.json["passed"]) == (201, True)
    assert photo(client, phone, shop["id"], "跨门营业").status_code == 201
    deadline = str(local_day() + timedelta(days=14))
    failed = client.post(f"/api/inspections/inspections/{shop['id']}/result", headers=phone, json={
        "checklist": [{"item": "跨门营业", "passed": False, "note": "水果摊超出门面约 1.5 米"},
                      {"item": "门前责任区整洁", "passed": True}], "rectify_by": deadline})
    assert failed.status_code == 201, failed.json
    assert (failed.json["passed"], failed.json["rectification"]) == (False, "pending")

    # the grade change, with its reason
    history = client.get(f"/api/inspections/objects/{individual['id']}/grades", headers=admin).json
    assert (history[-1]["grade_from"], history[-1]["grade_to"]) == ("medium", "high")
    assert "检查不合格 1 次（+3 分）" in history[-1]["reason"]

    # the public page while the rectification is pending
    page = client.get(f"/api/inspections/public/{district.code}", query_string={"result": "fail"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "个体工商户（名称不公开）" in html and "整改中" in html
    assert "王五" not in html and "静安某某餐饮有限公司" not in html

    # the plan closes; the other drawn inspector re-inspects (re-inspections go on after it): rectified
    assert client.post(f"/api/inspections/plans/{plan['id']}/close", headers=admin).status_code == 200
    all_pass = [{"item": "跨门营业", "passed": True}, {"item": "门前责任区整洁", "passed": True}]
    again = client.post(f"/api/inspections/inspections/{failed.json['reinspection_id']}/result",
                        headers=make.headers(second), json={"checklist": all_pass})
    assert again.status_code == 201, again.json
    assert client.get(f"/api/inspections/inspections/{shop['id']}", headers=phone).json["rectification"] == "rectified"

    html = client.get(f"/api/inspections/public/{district.code}").get_data(as_text=True)
    assert "共 3 条" in html and "静安某某餐饮有限公司" in html and "已整改" in html
    assert html.count("个体工商户（名称不公开）") == 2  # the failed inspection and its re-inspection
    assert "静安某某超市有限公司" not in html  # not inspected yet
    for personal in ("王五", "13900000002", "李经理", "吴检查员", "郑检查员", _individual(2)):
        assert personal not in html
