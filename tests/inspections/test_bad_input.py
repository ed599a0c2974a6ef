"""Issue 19's "Bad input", case by case, and hostile values on the import, plan, draw and checklist endpoints: each
answers a 4xx with a machine code and a Chinese message, and nothing of it is stored."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.db import local_day, session
from backend.inspections.models import (
    Draw,
    Exclusion,
    GradeChange,
    Inspection,
    InspectionCase,
    InspectionPhoto,
    Plan,
    RegulatedObject,
)
from tests.inspections.test_boundary import PUDONG, SQUARE
from tests.inspections.test_plans import drawn_inspections, photo, quarter  # noqa: F401  (the fixture)
from tests.inspections.test_registry import ALIBABA, SHANGHAI, TENCENT, _csv, _import, _valid_code, world  # noqa: F401

CHINESE = re.compile("[\u4e00-\u9fff]")
BEYOND_64_BITS = 2**64 + 1
DEEP = "[" * 200 + "]" * 200


def _refused(response, status: int | None = None, code: str | None = None):
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.json
    assert isinstance(body.get("error"), str) and body["error"], body
    assert CHINESE.search(body.get("message", "")), body
    if status is not None:
        assert response.status_code == status, body
    if code is not None:
        assert body["error"] == code, body
    return body


def _counts(*models) -> tuple:
    return tuple(session.scalar(select(func.count()).select_from(model)) for model in models)


def _raw(client, method, url, headers, text):
    """A JSON body as written, so that values json.dumps never writes (1e999, a lone surrogate) reach the server."""
    return client.open(url, method=method, headers=headers, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json")


ROW = ["沿街商户", "老王面馆", ALIBABA, "", "南京西路 1 号", "31.229", "121.455", "", "", "南京西路中队", ""]


def _row(**cells):
    columns = {"kind": 0, "name": 1, "code": 2, "lat": 5, "lng": 6, "squad": 9}
    row = list(ROW)
    for name, value in cells.items():
        row[columns[name]] = value
    return row


@pytest.mark.parametrize("bad_row, words", [
    (_row(code="91330100716105852A"), "校验"),  # a wrong check digit
    (_row(code=ALIBABA), "重复"),  # the code of the good row above it
    (_row(code=TENCENT, kind="游乐场"), "游乐场"),  # an unknown kind
    (_row(code=TENCENT, lat=str(PUDONG[0]), lng=str(PUDONG[1])), "区界"),  # outside the district
    (_row(code=TENCENT, lat="1e999"), "无穷大"),
    (_row(code=str(BEYOND_64_BITS)), "信用代码"),
    (_row(code=TENCENT, squad=str(BEYOND_64_BITS)), "中队"),
    (_row(code=TENCENT, lat="0001-01-01"), "不是数字"),
    (_row(code=TENCENT, lng="9999-12-31"), "不是数字"),
])
def test_an_import_with_one_bad_row_stores_nothing(client, make, world, bad_row, words):  # noqa: F811
    admin = make.headers(world["admin"])
    assert client.put("/api/inspections/boundary", headers=admin, json={"points": SQUARE}).status_code == 200
    before = _counts(RegulatedObject, GradeChange)
    body = _refused(_import(client, admin, _csv([ROW, bad_row])), 422, "import_row_errors")
    assert list(body["errors"]["rows"]) == ["3"] and words in body["errors"]["rows"]["3"], body
    assert _counts(RegulatedObject, GradeChange) == before


def test_an_import_of_another_squads_code_or_of_unreadable_text_stores_nothing(client, make, world):  # noqa: F811
    admin, other_leader = make.headers(world["admin"]), make.headers(world["other_leader"])
    assert _import(client, admin, _csv([ROW])).status_code == 201
    before = _counts(RegulatedObject, GradeChange)
    theirs = _row(code=SHANGHAI, squad="静安寺中队")
    ours = _row(squad="静安寺中队")  # ALIBABA, registered in 南京西路中队
    body = _refused(_import(client, other_leader, _csv([theirs, ours])), 422, "import_row_errors")
    assert "其他中队" in body["errors"]["rows"]["3"]
    # a lone surrogate written into the file (CESU bytes): not UTF-8, and not a file of this layout in GBK
    surrogate = "类型,名称\n".encode() + b"\xed\xa0\x80,x\n"
    _refused(_import(client, admin, surrogate))
    _refused(_import(client, admin, b"\xff\xfe" + "类型".encode("utf-16-le")))
    assert _counts(RegulatedObject, GradeChange) == before


PLAN = '{"name": "季度检查", "first_month": "2027-01-01", "months": 3, %s}'


def test_a_plan_is_made_from_good_input(client, quarter):  # noqa: F811  (the control of the next test)
    made = _raw(client, "POST", "/api/inspections/plans", quarter["headers"], PLAN % '"kind_ids": []')
    assert made.status_code == 201, made.json


@pytest.mark.parametrize("body", [
    PLAN.replace("2027-01-01", "0001-01-01") % '"kind_ids": []',
    PLAN.replace("2027-01-01", "9999-12-31") % '"kind_ids": []',
    PLAN.replace("2027-01-01", "2027-02-30") % '"kind_ids": []',
    PLAN.replace('"months": 3', f'"months": {BEYOND_64_BITS}') % '"kind_ids": []',
    PLAN.replace('"months": 3', '"months": 1e999') % '"kind_ids": []',
    PLAN % f'"kind_ids": [{BEYOND_64_BITS}]',
    PLAN % f'"squad_ids": [{-BEYOND_64_BITS}]',
    PLAN % '"kind_ids": [1e999]',
    PLAN % f'"kind_ids": {DEEP}',
    PLAN % '"grades": ["\\ud800"]',
    PLAN.replace("季度检查", "\\ud800") % '"kind_ids": []',
    PLAN % '"grades": ["extreme"]',
])
def test_a_plan_from_bad_input_is_refused_and_not_stored(client, quarter, body):  # noqa: F811
    before = _counts(Plan)
    _refused(_raw(client, "POST", "/api/inspections/plans", quarter["headers"], body))
    assert _counts(Plan) == before


@pytest.mark.parametrize("body", [
    '{"reason": "\\ud800"}', '{"reason": 1e999}', f'{{"reason": {BEYOND_64_BITS}}}', f'{{"reason": {DEEP}}}',
    '{"reason": "' + "理" * 501 + '"}',
])
def test_a_draw_from_bad_input_is_refused_and_not_stored(client, quarter, body):  # noqa: F811
    url = f"/api/inspections/plans/{quarter['plan']['id']}/draws"
    _refused(_raw(client, "POST", url, quarter["headers"], body))
    assert _counts(Draw, Inspection) == (0, 0)


def test_a_draw_with_everyone_excluded_or_of_no_plan_stores_nothing(client, quarter):  # noqa: F811
    headers, first_shop = quarter["headers"], quarter["objects"][1]
    for officer in (quarter["leader"], quarter["second"]):  # quarter["first"] is excluded already
        assert client.post("/api/inspections/exclusions", headers=headers, json={
            "officer_id": officer.id, "object_id": first_shop, "reason": "利害关系"}).status_code == 201
    body = _refused(client.post(f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=headers, json={}),
                    422, "too_few_inspectors")
    assert "检查人员" in body["message"]
    for plan_id in (BEYOND_64_BITS, 2**63, 0):
        _refused(client.post(f"/api/inspections/plans/{plan_id}/draws", headers=headers, json={}), 404)
    assert _counts(Draw, Inspection) == (0, 0)


@pytest.mark.parametrize("body", [
    f'{{"officer_id": {BEYOND_64_BITS}, "object_id": 1, "reason": "亲属"}}',
    f'{{"officer_id": 1, "object_id": {-BEYOND_64_BITS}, "reason": "亲属"}}',
    '{"officer_id": 1e999, "object_id": 1, "reason": "亲属"}',
    '{"officer_id": 1, "object_id": 1, "reason": "\\ud800"}',
])
def test_an_exclusion_from_bad_input_is_refused(client, quarter, body):  # noqa: F811
    before = _counts(Exclusion)
    _refused(_raw(client, "POST", "/api/inspections/exclusions", quarter["headers"], body))
    assert _counts(Exclusion) == before


@pytest.fixture
def on_site(client, make, quarter):  # noqa: F811
    """A drawn inspection, its first inspector's headers and a photo of the item that will fail."""
    draw = client.post(f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=quarter["headers"],
                       json={}).json
    inspection, other = drawn_inspections(client, quarter["headers"], draw)[:2]
    people = {o.id: o for o in (quarter["leader"], quarter["first"], quarter["second"])}
    headers = make.headers(people[inspection["inspector_ids"][0]])
    assert photo(client, headers, inspection["id"], "跨门营业").status_code == 201
    return dict(quarter, inspection=inspection, other=other, inspector=headers, people=people)


FAILED = '{"checklist": [{"item": "跨门营业", "passed": false, "note": "门前堆放货物"}], "rectify_by": "%s"}'


@pytest.mark.parametrize("body", [
    FAILED % "0001-01-01", FAILED % "9999-12-31", FAILED % str(local_day() - timedelta(days=1)),
    FAILED % "2027-02-30",
    '{"checklist": [{"item": "\\ud800", "passed": true}]}',
    '{"checklist": [{"item": "占道经营", "passed": 1e999}]}',
    f'{{"checklist": [{{"item": "占道经营", "passed": {BEYOND_64_BITS}}}]}}',
    f'{{"checklist": {DEEP}}}',
    '{"checklist": []}',
    '{"checklist": [{"item": "占道经营", "passed": true}, {"item": "占道经营", "passed": false}]}',
])
def test_a_checklist_from_bad_input_is_refused_and_the_inspection_stays_due(client, on_site, body):
    url = f"/api/inspections/inspections/{on_site['inspection']['id']}/result"
    before = _counts(Inspection, InspectionCase, InspectionPhoto)
    _refused(_raw(client, "POST", url, on_site["inspector"], body))
    assert session.get(Inspection, on_site["inspection"]["id"]).status.value == "due"
    assert _counts(Inspection, InspectionCase, InspectionPhoto) == before


def test_a_checklist_twice_by_someone_not_drawn_or_after_the_plan_closed_is_refused(client, make, on_site):
    url = f"/api/inspections/inspections/{on_site['inspection']['id']}/result"
    passed = {"checklist": [{"item": "占道经营", "passed": True}]}
    not_drawn = next(o for o in on_site["people"].values() if o.id not in on_site["inspection"]["inspector_ids"])
    _refused(client.post(url, headers=make.headers(not_drawn), json=passed), 409, "not_drawn_inspector")
    _refused(client.post(f"/api/inspections/inspections/{BEYOND_64_BITS}/result", headers=on_site["inspector"],
                         json=passed), 404)
    assert client.post(url, headers=on_site["inspector"], json=passed).status_code == 201
    recorded = json.dumps(session.get(Inspection, on_site["inspection"]["id"]).checklist, sort_keys=True)
    _refused(client.post(url, headers=on_site["inspector"], json=passed), 409, "already_recorded")
    assert client.post(f"/api/inspections/plans/{on_site['plan']['id']}/close",
                       headers=on_site["headers"]).status_code == 200
    other = on_site["other"]
    _refused(client.post(f"/api/inspections/inspections/{other['id']}/result",
                         headers=make.headers(on_site["people"][other["inspector_ids"][0]]), json=passed),
             409, "plan_closed")
    session.expire_all()
    assert session.get(Inspection, other["id"]).status.value == "due"
    assert json.dumps(session.get(Inspection, on_site["inspection"]["id"]).checklist, sort_keys=True) == recorded


def test_an_object_with_a_bad_squad_id_is_refused(client, make, world):  # noqa: F811
    admin = make.headers(world["admin"])
    body = {"kind": "street_shop", "name": "老王面馆", "credit_code": ALIBABA, "address": "南京西路 1 号"}
    for squad_id in (BEYOND_64_BITS, -BEYOND_64_BITS, 0):
        _refused(client.post("/api/inspections/objects", headers=admin, json={**body, "squad_id": squad_id}), 422)
        _refused(client.get("/api/inspections/objects", headers=admin, query_string={"squad_id": squad_id}), 422)
    assert _counts(RegulatedObject) == (0,)


def test_an_object_with_inspections_is_not_deleted(client, make, on_site):
    headers, object_id = on_site["headers"], on_site["inspection"]["object_id"]
    body = _refused(client.delete(f"/api/inspections/objects/{object_id}", headers=headers), 409,
                    "object_has_inspections")
    assert "不能删除" in body["message"]
    assert session.get(RegulatedObject, object_id) is not None
    assert client.get(f"/api/inspections/inspections/{on_site['inspection']['id']}", headers=headers).status_code \
        == 200
    drawn = {row["object_id"] for row in drawn_inspections(client, headers, client.get(
        f"/api/inspections/draws/{on_site['inspection']['draw_id']}", headers=headers).json)}
    never_drawn = next(n for n in on_site["objects"].values() if n not in drawn)
    assert client.delete(f"/api/inspections/objects/{never_drawn}", headers=headers).status_code == 204
