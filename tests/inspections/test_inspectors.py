"""The inspector registry (执法检查人员名录库): only registered inspectors valid over the whole plan are drawn, from any
squad; one inspector meets one object at most INSPECTIONS_MAX_MEETINGS times a year; an inspector drawn for another
squad's object finds it under "my inspections"."""
from backend.org.models import Role
from tests.inspections.test_plans import _code, drawn_inspections, register


def test_registry_meeting_limit_and_my_inspections_across_squads(client, make, app, monkeypatch):
    district = make.district()
    home, away = make.squad(district, name="南京西路中队"), make.squad(district, name="静安寺中队")
    admin = make.headers(make.officer(Role.district_admin, district=district))
    visitor, colleague = make.officer(squad=away, name="王强"), make.officer(squad=away, name="刘洋")
    expired, trainer = make.officer(squad=home), make.officer(Role.trainer, district=district)
    refused = register(client, admin, trainer, "1")
    assert (refused.status_code, refused.json["error"]) == (422, "not_an_inspector")
    backwards = register(client, admin, visitor, "2", valid_from="2027-01-01", valid_until="2026-12-31")
    assert (backwards.status_code, backwards.json["error"]) == (422, "bad_validity")
    for officer, number in ((visitor, "31010620011"), (colleague, "31010620012")):
        assert register(client, admin, officer, number).status_code == 201
    assert register(client, admin, visitor, "again").json["error"] == "inspector_exists"
    # valid only until the plan's middle: never drawn
    assert register(client, admin, expired, "31010620013", valid_until="2027-02-15").status_code == 201
    listed = client.get("/api/inspections/inspectors", headers=make.headers(visitor)).json
    assert [(e["officer_name"], e["certificate_no"]) for e in listed][:2] == [("王强", "31010620011"),
                                                                           ("刘洋", "31010620012")]

    client.post("/api/inspections/kinds", headers=admin, json={"code": "street_shop", "name": "沿街商户"})
    shop = client.post("/api/inspections/objects", headers=admin, json={
        "kind": "street_shop", "name": "老王面馆", "credit_code": _code(1), "address": "南京西路 1 号",
        "squad_id": home.id}).json
    first = client.post("/api/inspections/plans", headers=admin, json={
        "name": "一季度", "first_month": "2027-01-01", "months": 3, "squad_ids": [home.id]}).json
    draw = client.post(f"/api/inspections/plans/{first['id']}/draws", headers=admin, json={})
    assert draw.status_code == 201, draw.json
    [inspection] = drawn_inspections(client, admin, draw.json)  # medium: quarterly
    assert sorted(inspection["inspector_ids"]) == sorted([visitor.id, colleague.id])
    assert client.get(draw.json["inputs_url"], headers=admin).json["max_meetings"] == 4

    mine = client.get("/api/inspections/inspections", headers=make.headers(visitor), query_string={"mine": "true"})
    assert [(i["id"], i["object_name"]) for i in mine.json] == [(inspection["id"], "老王面馆")]
    assert [i["id"] for i in client.get("/api/inspections/inspections", headers=make.headers(visitor)).json] == [
        inspection["id"]]
    outsider = make.officer(squad=away)
    assert client.get("/api/inspections/inspections", headers=make.headers(outsider)).json == []
    assert client.get("/api/inspections/inspections", headers=make.headers(outsider),
                      query_string={"mine": "true"}).json == []

    monkeypatch.setitem(app.config, "INSPECTIONS_MAX_MEETINGS", 1)
    second = client.post("/api/inspections/plans", headers=admin, json={
        "name": "二季度", "first_month": "2027-04-01", "months": 3, "squad_ids": [home.id]}).json
    limited = client.post(f"/api/inspections/plans/{second['id']}/draws", headers=admin, json={})
    assert (limited.status_code, limited.json["error"]) == (422, "too_few_inspectors")
    assert "次数上限" in limited.json["message"]
    monkeypatch.setitem(app.config, "INSPECTIONS_MAX_MEETINGS", 2)
    allowed = client.post(f"/api/inspections/plans/{second['id']}/draws", headers=admin, json={})
    assert allowed.status_code == 201, allowed.json
    assert sorted(client.get(allowed.json["inputs_url"], headers=admin).json["meetings"]) == sorted(
        [[visitor.id, shop["id"], 1], [colleague.id, shop["id"], 1]])
    assert client.post(f"/api/inspections/draws/{allowed.json['id']}/verification",
                       headers=admin).json["reproduced"] is True
