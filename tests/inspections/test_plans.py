"""Plans and 双随机 draws: due inspections from the grades' intervals, random objects and two random inspectors
with conflict-of-interest exclusions, a recorded seed that re-runs to the same draw, re-draws with a reason,
and checklist results recorded once by a drawn inspector."""
import hashlib
import io
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.db import local_day, session
from backend.errors import Invalid
from backend.inspections.credit_code import check_character
from backend.inspections.models import Draw, Inspection, Plan
from backend.inspections.plans import _inputs, _lucky_in_sql, candidates, lucky_in_python, run
from backend.org.models import Role
from tests.photos import coffee, encode


def photo(client, headers, inspection_id, item, data=None, client_id=None):
    """A real JPEG of the item, uploaded by an inspector on site with the phone's position (and its own id)."""
    return client.post(f"/api/inspections/inspections/{inspection_id}/photos", headers=headers,
                       content_type="multipart/form-data",
                       data={"item": item, "photo": (io.BytesIO(data or encode(coffee())), "item.jpg", "image/jpeg"),
                             "lat": "31.2297", "lng": "121.4553", "client_id": client_id or str(uuid.uuid4())})


def register(client, headers, officer, certificate_no, valid_from="2026-01-01", valid_until="2028-12-31"):
    """Put `officer` in the inspector registry (执法检查人员名录库)."""
    return client.post("/api/inspections/inspectors", headers=headers, json={
        "officer_id": officer.id, "certificate_no": certificate_no, "valid_from": valid_from,
        "valid_until": valid_until})


def drawn_inspections(client, headers, draw: dict) -> list[dict]:
    """The draw's inspections as its detail links them: its paged listing read to the end (the detail only counts
    them); the pages are checked to add up to the count."""
    found, page = [], 1
    while True:
        answer = client.get(f"{draw['inspections_url']}&page={page}&page_size=2", headers=headers)
        assert answer.status_code == 200, answer.json
        if not answer.json:
            break
        found += answer.json
        page += 1
    assert len(found) == draw["inspection_counts"]["total"] == json.loads(answer.headers["X-Pagination"])["total"]
    return found


def _code(n: int) -> str:
    first17 = f"91310106MA1{n:06d}"
    return first17 + check_character(first17)


@pytest.fixture
def quarter(make, client):
    """A squad with a leader and two officers, shops of each grade, one officer excluded from one shop."""
    district = make.district(name="静安区")
    squad = make.squad(district, name="南京西路中队")
    admin = make.officer(Role.district_admin, district=district)
    people = dict(admin=admin, leader=make.officer(Role.squad_leader, squad=squad),
                  first=make.officer(squad=squad, name="张伟"), second=make.officer(squad=squad, name="李娜"),
                  outsider=make.officer(squad=make.squad(district)), squad=squad)
    headers = make.headers(admin)
    for n, officer in enumerate((people["leader"], people["first"], people["second"])):
        assert register(client, headers, officer, f"3101062000{n}").status_code == 201
    client.post("/api/inspections/kinds", headers=headers, json={"code": "street_shop", "name": "沿街商户"})
    objects = {}
    for n, grade in enumerate(["high", "high", "medium", "medium", "low", "low", "low", "low"], start=1):
        body = {"kind": "street_shop", "name": f"商户{n}", "credit_code": _code(n), "address": f"南京西路 {n} 号",
                "squad_id": squad.id}
        item = client.post("/api/inspections/objects", headers=headers, json=body).json
        if grade != "medium":
            client.post(f"/api/inspections/objects/{item['id']}/grades", headers=headers,
                        json={"grade": grade, "reason": "年度评定"})
        objects[n] = item["id"]
    excluded = client.post("/api/inspections/exclusions", headers=headers, json={
        "officer_id": people["first"].id, "object_id": objects[1], "reason": "近亲属经营"})
    assert excluded.status_code == 201, excluded.json
    plan = client.post("/api/inspections/plans", headers=headers, json={
        "name": "2027 年第一季度双随机检查", "first_month": "2027-01-01", "months": 3,
        "squad_ids": [squad.id]}).json
    return dict(people, objects=objects, plan=plan, headers=headers)


def test_quarter_draw_is_reproducible_and_honours_exclusions(client, make, quarter):
    drawn = client.post(f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=quarter["headers"], json={})
    assert drawn.status_code == 201, drawn.json
    draw = drawn.json
    assert "inspections" not in draw and draw["inspection_counts"] == {"total": 9, "due": 9, "done": 0, "cancelled": 0}
    draw["inspections"] = drawn_inspections(client, quarter["headers"], draw)
    for page in (2**64 + 1, 2**70, 10**30):  # a page far past the last (beyond 64 bits): empty, no error
        beyond = client.get(f"{draw['inspections_url']}&page={page}", headers=quarter["headers"])
        assert (beyond.status_code, beyond.json) == (200, [])
    for page in (0, -1, "x", "1e3"):
        refused = client.get(f"{draw['inspections_url']}&page={page}", headers=quarter["headers"])
        assert refused.status_code == 422, (page, refused.json)
    per_object = {}
    for inspection in draw["inspections"]:
        per_object[inspection["object_id"]] = per_object.get(inspection["object_id"], 0) + 1
        assert len(set(inspection["inspector_ids"])) == 2
        assert quarter["outsider"].id not in inspection["inspector_ids"]
    objects = quarter["objects"]
    # high monthly: 3 each; medium quarterly: 1 each; low yearly: a quarter of the 4 low ones, drawn
    assert [per_object.get(objects[n], 0) for n in (1, 2, 3, 4)] == [3, 3, 1, 1]
    assert sum(per_object.get(objects[n], 0) for n in (5, 6, 7, 8)) == 1
    assert all(
        quarter["first"].id not in i["inspector_ids"] for i in draw["inspections"] if i["object_id"] == objects[1]
    )
    published = client.get(f"/api/inspections/draws/{draw['id']}", headers=make.headers(quarter["first"])).json
    assert published["seed"] == draw["seed"] and "inputs" not in published and "reproduced" not in published
    assert published["tally"] == {"objects": {"high": 2, "low": 4, "medium": 2}, "inspectors": 3, "exclusions": 1,
                                  "meetings": 0, "inspections": 9}
    download = client.get(published["inputs_url"], headers=make.headers(quarter["first"]))
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert hashlib.sha256(download.data).hexdigest() == published["inputs_sha256"]
    inputs = download.json
    assert inputs["interval_months"] == {"high": 1, "medium": 3, "low": 12}
    assert candidates(inputs) == {"high": sorted([objects[1], objects[2]]), "medium": sorted([objects[3], objects[4]]),
                                  "low": sorted(objects[n] for n in (5, 6, 7, 8))}
    verified = client.post(f"/api/inspections/draws/{draw['id']}/verification", headers=make.headers(quarter["first"]))
    assert verified.json == {"draw_id": draw["id"], "inputs_sha256": published["inputs_sha256"],
                             "inputs_sha256_now": published["inputs_sha256"], "inputs_intact": True,
                             "reproduced": True}
    again = run(draw["seed"], inputs)
    assert [(r["object_id"], r["inspector_ids"]) for r in again] == [
        (i["object_id"], i["inspector_ids"]) for i in draw["inspections"]]
    other_seed = run("0" * 32, inputs)
    assert [r["inspector_ids"] for r in other_seed] != [i["inspector_ids"] for i in draw["inspections"]]

    # a tampered record no longer re-runs to the same result
    stored = session.get(Inspection, draw["inspections"][0]["id"])
    stored.inspector_ids = list(reversed(stored.inspector_ids))
    session.commit()
    verified = client.post(f"/api/inspections/draws/{draw['id']}/verification", headers=quarter["headers"]).json
    assert (verified["inputs_intact"], verified["reproduced"]) == (True, False)
    # and tampered inputs no longer hash to what was recorded
    record = session.get(Draw, draw["id"])
    record.inputs = {**record.inputs, "exclusions": []}
    session.commit()
    verified = client.post(f"/api/inspections/draws/{draw['id']}/verification", headers=quarter["headers"]).json
    assert verified["inputs_intact"] is False and verified["inputs_sha256"] == published["inputs_sha256"]


def test_redraw_needs_a_reason_and_keeps_the_old_draw(client, make, quarter):
    url = f"/api/inspections/plans/{quarter['plan']['id']}/draws"
    first = client.post(url, headers=quarter["headers"], json={}).json
    first["inspections"] = drawn_inspections(client, quarter["headers"], first)
    refused = client.post(url, headers=quarter["headers"], json={"reason": " "})
    assert (refused.status_code, refused.json["error"]) == (422, "redraw_reason_required")
    second = client.post(url, headers=quarter["headers"], json={"reason": "李娜调离本中队"})
    assert second.status_code == 201
    old = client.get(f"/api/inspections/draws/{first['id']}", headers=quarter["headers"]).json
    assert old["superseded_at"] is not None
    assert client.post(f"/api/inspections/draws/{first['id']}/verification",
                       headers=quarter["headers"]).json["reproduced"] is True
    assert old["inspection_counts"] == {"total": 9, "due": 0, "done": 0, "cancelled": 9}
    assert {i["status"] for i in drawn_inspections(client, quarter["headers"], old)} == {"cancelled"}
    assert second.json["reason"] == "李娜调离本中队" and second.json["seed"] != first["seed"]
    plan = client.get("/api/inspections/plans", headers=quarter["headers"]).json[0]
    assert plan["current_draw_id"] == second.json["id"]

    cancelled = first["inspections"][0]
    inspector = next(o for o in (quarter["leader"], quarter["first"], quarter["second"])
                     if o.id in cancelled["inspector_ids"])
    late = client.post(f"/api/inspections/inspections/{cancelled['id']}/result", headers=make.headers(inspector),
                       json={"checklist": [{"item": "占道经营", "passed": True}]})
    assert (late.status_code, late.json["error"]) == (409, "inspection_cancelled")


def test_result_recorded_once_by_a_drawn_inspector_until_the_plan_closes(client, make, quarter):
    url = f"/api/inspections/plans/{quarter['plan']['id']}/draws"
    draw = client.post(url, headers=quarter["headers"], json={}).json
    first, second = drawn_inspections(client, quarter["headers"], draw)[:2]
    people = {o.id: o for o in (quarter["leader"], quarter["first"], quarter["second"])}
    inspector = people[first["inspector_ids"][0]]
    not_drawn = next(o for o in people.values() if o.id not in first["inspector_ids"])
    checklist = [{"item": "占道经营", "passed": True}, {"item": "跨门营业", "passed": False, "note": "门前堆放货物"}]
    assert photo(client, make.headers(inspector), first["id"], "跨门营业").status_code == 201

    stranger = client.post(f"/api/inspections/inspections/{first['id']}/result", headers=make.headers(not_drawn),
                           json={"checklist": checklist})
    assert (stranger.status_code, stranger.json["error"]) == (409, "not_drawn_inspector")
    done = client.post(f"/api/inspections/inspections/{first['id']}/result", headers=make.headers(inspector),
                       json={"checklist": checklist, "rectify_by": str(local_day() + timedelta(days=7))})
    assert done.status_code == 201, done.json
    assert (done.json["status"], done.json["passed"]) == ("done", False)
    twice = client.post(f"/api/inspections/inspections/{first['id']}/result", headers=make.headers(inspector),
                        json={"checklist": checklist})
    assert (twice.status_code, twice.json["error"]) == (409, "already_recorded")
    redraw = client.post(url, headers=quarter["headers"], json={"reason": "人员调整"})
    assert (redraw.status_code, redraw.json["error"]) == (409, "draw_in_use")

    assert (
        client.post(f"/api/inspections/plans/{quarter['plan']['id']}/close", headers=quarter["headers"]).status_code
        == 200
    )
    closed = client.post(f"/api/inspections/inspections/{second['id']}/result",
                         headers=make.headers(people[second["inspector_ids"][0]]),
                         json={"checklist": [{"item": "占道经营", "passed": True}]})
    assert (closed.status_code, closed.json["error"]) == (409, "plan_closed")


def test_draw_with_too_few_inspectors_stores_nothing(client, make, quarter):
    admin = quarter["headers"]
    client.post("/api/inspections/exclusions", headers=admin, json={
        "officer_id": quarter["second"].id, "object_id": quarter["objects"][1], "reason": "曾在该店任职"})
    refused = client.post(f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=admin, json={})
    assert (refused.status_code, refused.json["error"]) == (422, "too_few_inspectors")
    assert session.scalar(select(func.count()).select_from(Draw)) == 0
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_published_results_show_no_personal_data(client, make, quarter):
    draw = client.post(
        f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=quarter["headers"], json={}
    ).json
    people = {o.id: o for o in (quarter["leader"], quarter["first"], quarter["second"])}
    for inspection, passed in zip(drawn_inspections(client, quarter["headers"], draw)[:2], (True, False), strict=True):
        headers = make.headers(people[inspection["inspector_ids"][1]])
        if not passed:
            photo(client, headers, inspection["id"], "跨门营业")
        done = client.post(f"/api/inspections/inspections/{inspection['id']}/result", headers=headers,
                           json={"checklist": [{"item": "跨门营业", "passed": passed, "note": "店主张三在场"}],
                                 "rectify_by": None if passed else str(local_day() + timedelta(days=7))})
        assert done.status_code == 201
    district = quarter["squad"].district.code
    published = client.get(f"/api/inspections/public/{district}/results")
    assert published.status_code == 200
    assert sorted(r["result"] for r in published.json) == ["不合格", "合格"]
    assert {r["object_name"] for r in published.json} == {"商户1"}
    text = published.get_data(as_text=True)
    assert "张三" not in text and all(o.name not in text for o in people.values())
    assert set(published.json[0]) == {"object_name", "kind_name", "inspected_on", "result", "rectification"}
    assert client.get(f"/api/inspections/public/{district}/results",
                      query_string={"date_to": "2020-01-01"}).json == []
    assert client.get("/api/inspections/public/no-such-district/results").status_code == 404


def test_result_follows_the_kinds_standard_checklist(client, make, quarter):
    admin = quarter["headers"]
    kind = client.post(
        "/api/inspections/kinds",
        headers=admin,
        json={
            "code": "construction_site",
            "name": "建筑工地",
            "checklist": [
                {"item": "围挡设置", "basis": "《上海市建筑垃圾处理管理规定》", "judge": "连续、稳固"},
                {"item": "渣土覆盖", "judge": "裸土全部覆盖"},
            ],
        },
    )
    assert kind.status_code == 201, kind.json
    assert [entry["item"] for entry in kind.json["checklist"]] == ["围挡设置", "渣土覆盖"]
    client.post("/api/inspections/objects", headers=admin, json={
        "kind": "construction_site", "name": "一号工地", "credit_code": _code(99), "address": "南京西路 99 号",
        "squad_id": quarter["squad"].id})
    plan = client.post("/api/inspections/plans", headers=admin, json={
        "name": "工地专项", "first_month": "2027-01-01", "months": 3, "kind_ids": [kind.json["id"]],
        "squad_ids": [quarter["squad"].id]}).json
    drawn = client.post(f"/api/inspections/plans/{plan['id']}/draws", headers=admin, json={}).json
    [inspection] = drawn_inspections(client, admin, drawn)
    headers = make.headers(next(o for o in (quarter["leader"], quarter["first"], quarter["second"])
                                if o.id == inspection["inspector_ids"][0]))
    url = f"/api/inspections/inspections/{inspection['id']}/result"
    partial = client.post(url, headers=headers, json={"checklist": [{"item": "围挡设置", "passed": True}]})
    assert (partial.status_code, partial.json["error"]) == (422, "checklist_mismatch")
    assert "渣土覆盖" in partial.json["message"]
    done = client.post(url, headers=headers, json={"checklist": [{"item": "渣土覆盖", "passed": True},
                                                                 {"item": "围挡设置", "passed": True}]})
    assert (done.status_code, done.json["passed"]) == (201, True)


def _documented_pick(seed: str, inspectors: list[int], object_id: int, n: int, out=()) -> list[int]:
    """Version 2 of the inspector draw as README and plans.py word it, written out again with hashlib."""
    chosen, k = [], 0
    while len(chosen) < 2:
        digest = hashlib.sha256(f"{seed}:inspector:{object_id}:{n}:{k}".encode()).hexdigest()
        candidate = inspectors[int(digest[:16], 16) % len(inspectors)]
        if candidate not in out and candidate not in chosen:
            chosen.append(candidate)
        k += 1
    return chosen


def test_the_draw_follows_its_documented_algorithm_and_old_draws_keep_theirs():
    inputs = {"algorithm": 2, "months": 3, "interval_months": {"high": 1, "medium": 3, "low": 12},
              "objects": [[5, "high", 1], [7, "medium", 1]], "inspectors": [11, 12, 13, 14],
              "exclusions": [[12, 7]], "max_meetings": 4, "meetings": []}
    drawn = run("seed-19", inputs)
    assert [(row["object_id"], row["n"]) for row in drawn] == [(5, 1), (5, 2), (5, 3), (7, 1)]
    assert [row["inspector_ids"] for row in drawn] == [
        _documented_pick("seed-19", [11, 12, 13, 14], 5, n) for n in (1, 2, 3)] + [
        _documented_pick("seed-19", [11, 12, 13, 14], 7, 1, out={12})]
    assert 12 not in drawn[3]["inspector_ids"]
    old = {key: value for key, value in inputs.items() if key != "algorithm"}  # recorded before version 2
    ranked = sorted([11, 13, 14], key=lambda o: hashlib.sha256(f"seed-19:inspector:7:1:{o}".encode()).hexdigest())
    assert run("seed-19", old)[3]["inspector_ids"] == ranked[:2]
    limited = {**inputs, "max_meetings": 1, "meetings": [[11, 7, 1], [13, 7, 1]]}  # only 14 is left for object 7
    with pytest.raises(Invalid) as refused:
        run("seed-19", limited)
    assert refused.value.code == "too_few_inspectors"


def test_a_compact_record_draws_as_the_old_one_and_the_documented_object_rank_holds():
    old = {"algorithm": 2, "months": 3, "interval_months": {"high": 1, "medium": 3, "low": 12},
           "objects": [[5, "high", 1], [7, "medium", 1]] + [[oid, "low", 2] for oid in range(20, 60, 3)],
           "inspectors": [11, 12, 13, 14], "exclusions": [[12, 7]], "max_meetings": 4, "meetings": []}
    lows = list(range(20, 60, 3))
    compact = {**{k: v for k, v in old.items() if k != "objects"},
               "object_ids": {"high": [5], "medium": [7], "low": [20] + [3] * (len(lows) - 1)}}
    assert candidates(compact) == candidates(old) == {"high": [5], "medium": [7], "low": lows}
    assert run("seed-19", compact) == run("seed-19", old)
    # the documented rank, written out again: the round(14/4) = 4 lowest by SHA-256("<seed>:object:low:<id>")
    ranked = sorted(lows, key=lambda o: hashlib.sha256(f"seed-19:object:low:{o}".encode()).hexdigest())
    assert lucky_in_python("seed-19", compact) == {"low": set(ranked[:4])}
    assert {row["object_id"] for row in run("seed-19", compact)} == {5, 7, *ranked[:4]}


def test_the_database_ranks_the_objects_as_python_does(client, quarter, database_url):
    """On PostgreSQL the draw ranks the objects in SQL; run with and without that ranking is the same draw."""
    plan = session.get(Plan, quarter["plan"]["id"])
    for seed in ("seed-19", "0" * 32, "ｓｅｅｄ"):
        inputs, _squads = _inputs(plan)
        in_sql = _lucky_in_sql(plan, seed, inputs)
        if not database_url.startswith("postgresql"):
            assert in_sql is None
            continue
        assert in_sql == lucky_in_python(seed, inputs) and len(in_sql["low"]) == 1
        assert run(seed, inputs, in_sql) == run(seed, inputs)


@pytest.mark.parametrize("path", ["/api/inspections/draws/{}", "/api/inspections/draws/{}/inputs"])
@pytest.mark.parametrize("draw_id", ["18446744073709551616", "99999999", "-1", "1e3", "%ED%A0%80", "0"])
def test_hostile_draw_ids_are_refused_on_the_detail_the_inputs_and_the_verification(
        client, quarter, path, draw_id):
    for method, url in (("get", path.format(draw_id)),
                        ("post", f"/api/inspections/draws/{draw_id}/verification")):
        answer = getattr(client, method)(url, headers=quarter["headers"])
        assert answer.status_code == 404, (url, answer.status_code)


def test_another_district_neither_downloads_nor_verifies_a_draw(client, make, quarter):
    draw = client.post(f"/api/inspections/plans/{quarter['plan']['id']}/draws", headers=quarter["headers"], json={})
    stranger = make.officer(role=Role.district_admin, district=make.district())
    for answer in (client.get(draw.json["inputs_url"], headers=make.headers(stranger)),
                   client.post(f"/api/inspections/draws/{draw.json['id']}/verification", headers=make.headers(stranger),
                               data=b"x" * 2_000_000, content_type="application/json")):
        assert answer.status_code in (404, 413), answer.status_code
        assert "seed" not in answer.get_data(as_text=True)
    assert client.get(draw.json["inputs_url"]).status_code == 401


def test_a_draw_recorded_before_the_compact_inputs_stays_readable_and_verifiable(client, make, quarter):
    """A version-1 draw with the old `objects` triples and no digest (as 0086 finds it before computing one)."""
    plan, objects = quarter["plan"], quarter["objects"]
    first, second = quarter["first"], quarter["second"]
    inputs = {"months": 3, "interval_months": {"high": 1, "medium": 3, "low": 12},
              "objects": [[objects[3], "medium", None], [objects[4], "medium", None]],
              "inspectors": [first.id, second.id], "exclusions": []}
    old = Draw(district_id=first.district_id, plan_id=plan["id"], seed="old-seed", inputs=inputs,
               drawn_by_id=quarter["admin"].id)
    session.add(old)
    session.flush()
    for row in run("old-seed", inputs):
        session.add(Inspection(draw_id=old.id, object_id=row["object_id"], squad_id=first.squad_id,
                               inspector_ids=row["inspector_ids"], status="due", due_on=local_day()))
    session.commit()
    headers = quarter["headers"]
    shown = client.get(f"/api/inspections/draws/{old.id}", headers=headers).json
    expected = hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert shown["inputs_sha256"] == expected
    assert shown["tally"] == {"objects": {"medium": 2}, "inspectors": 2, "exclusions": 0, "meetings": 0,
                              "inspections": 2}
    assert client.get(shown["inputs_url"], headers=headers).json == inputs
    assert client.post(f"/api/inspections/draws/{old.id}/verification", headers=headers).json == {
        "draw_id": old.id, "inputs_sha256": expected, "inputs_sha256_now": expected, "inputs_intact": True,
        "reproduced": True}


def test_a_squad_leaders_draw_counts_are_those_of_the_list_they_see(client, make, quarter):
    headers, other = quarter["headers"], quarter["outsider"].squad
    for n in (21, 22):  # two medium shops of the other squad: one inspection each in the quarter
        assert client.post("/api/inspections/objects", headers=headers, json={
            "kind": "street_shop", "name": f"商户{n}", "credit_code": _code(n), "address": f"静安寺 {n} 号",
            "squad_id": other.id}).status_code == 201
    plan = client.post("/api/inspections/plans", headers=headers, json={
        "name": "两个中队的季度检查", "first_month": "2027-01-01", "months": 3,
        "squad_ids": [quarter["squad"].id, other.id]}).json
    drawn = client.post(f"/api/inspections/plans/{plan['id']}/draws", headers=headers, json={})
    assert drawn.status_code == 201, drawn.json
    assert drawn.json["inspection_counts"]["total"] == 11  # the admin's: the whole draw
    other_leader = make.headers(make.officer(Role.squad_leader, squad=other))
    seen = client.get(f"/api/inspections/draws/{drawn.json['id']}", headers=other_leader).json
    assert seen["inspection_counts"] == {"total": 2, "due": 2, "done": 0, "cancelled": 0}
    listed = drawn_inspections(client, other_leader, seen)  # the count is the list's total, page by page
    assert {row["object_id"] for row in listed} <= {row["id"] for row in client.get(
        "/api/inspections/objects", headers=other_leader).json}
    assert seen["tally"]["inspections"] == 9 + 2  # the tally stays the draw's record
