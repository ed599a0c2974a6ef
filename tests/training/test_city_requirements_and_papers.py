"""The city trainer reads the city's own yearly credit requirements (no district named), a district's merged view
with ?district_id=; a district's staff run a city-wide paper without its answer key (403 city_paper_contents)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend.db import local_day
from backend.org.models import Role
from tests.authz.city_wide import build_world
from tests.training.scenarios import sit_exam

YEAR = local_day().year
BEYOND_64_BITS = 2**64 + 1


@pytest.fixture
def world(make):
    return build_world(make)


def _put(client, headers, categories):
    response = client.put(f"/api/training/credit-requirements/{YEAR}", headers=headers, json={"categories": [
        {"category": code, "name": name, "hours": hours} for code, name, hours in categories]})
    assert response.status_code == 200, response.json


def _read(client, headers, query: str = ""):
    response = client.get(f"/api/training/credit-requirements/{YEAR}{query}", headers=headers)
    assert response.status_code == 200, response.json
    return [(c["category"], c["name"], c["hours"]) for c in response.json]


def test_the_city_trainer_reads_the_citys_own_requirements_and_a_districts_merged(client, make, world):
    city = make.headers(world.city_trainer)
    assert _read(client, city) == [("online", "在线网训", "60.0"), ("classroom", "集中面授", "24.0")]  # none set
    _put(client, city, [("online", "在线网训", "50"), ("law", "法治专题", "10")])
    admin_a = make.headers(world.callers[Role.district_admin])
    _put(client, admin_a, [("online", "网上学习", "70"), ("classroom", "集中面授", "30")])
    # the city's own, whatever a district asks more
    assert _read(client, city) == [("online", "在线网训", "50.0"), ("law", "法治专题", "10.0")]
    merged = [("online", "在线网训", "70.0"), ("law", "法治专题", "10.0"), ("classroom", "集中面授", "30.0")]
    assert _read(client, city, f"?district_id={world.trainer_a.district_id}") == merged
    assert _read(client, admin_a) == merged  # a district's staff: their merged view, as before
    assert _read(client, make.headers(world.officer_b)) == [("online", "在线网训", "50.0"), ("law", "法治专题", "10.0")]
    # the city's other staff read a district's settings: they name it
    for role in (Role.city_admin, Role.city_supervisor):
        missing = client.get(f"/api/training/credit-requirements/{YEAR}", headers=make.headers(world.callers[role]))
        assert (missing.status_code, missing.json["error"]) == (422, "district_required")


@pytest.mark.parametrize(("query", "status", "error"), [(f"?district_id={BEYOND_64_BITS}", 422, "validation_error"),
                                                         ("?district_id=999999", 404, "not_found")])
def test_the_city_trainer_naming_an_unknown_district_is_not_answered_the_citys(client, make, world, query, status,
                                                                               error):
    response = client.get(f"/api/training/credit-requirements/{YEAR}{query}", headers=make.headers(world.city_trainer))
    assert (response.status_code, response.json["error"]) == (status, error), response.json


@pytest.mark.parametrize("query", ["?district_id=", "?district_id=%EF%BC%91", "?district_id=1.0", "?district_id=+1"])
def test_a_malformed_district_is_refused_not_read_as_none(client, make, world, query):
    response = client.get(f"/api/training/credit-requirements/{YEAR}{query}", headers=make.headers(world.city_trainer))
    assert response.status_code == 422 and "district_id" in response.json["errors"]["query"], response.json


def _city_paper(client, make, world) -> dict:
    question = make.question(make.question_bank(world.city_trainer), options=["对的", "错的"], answer=[0])
    response = client.post("/api/training/papers", headers=make.headers(world.city_trainer, timedelta(hours=5)),
                           json={"title": "全市执法规范考试", "mode": "fixed", "time_limit_minutes": 30,
                                 "category": "online", "credit_hours": "1.5",
                                 "questions": [{"question_id": question.id, "points": "10"}]})
    assert response.status_code == 201, response.json
    return response.json


def test_a_district_runs_a_city_paper_without_its_answer_key(client, make, world):
    paper = _city_paper(client, make, world)
    sit_exam(client, make, paper["id"], world.officer_a, correct=True)
    for role in (Role.trainer, Role.district_admin):
        headers = make.headers(world.callers[role])
        refused = client.get(f"/api/training/papers/{paper['id']}/questions", headers=headers)
        assert (refused.status_code, refused.json["error"]) == (403, "city_paper_contents"), refused.json
        assert refused.json["message"] == ("全市试卷的题目和答案由市局培训管理员掌握，区局不能查看；"
                                           "区局可查看试卷信息、本区人员的成绩和题目分析")
        # what running it needs: the paper, their officers' results, the item statistics over them
        assert client.get(f"/api/training/papers/{paper['id']}", headers=headers).json["title"] == "全市执法规范考试"
        results = client.get(f"/api/training/papers/{paper['id']}/item-statistics", headers=headers).json["results"]
        assert [(r["officer_name"], r["passed"]) for r in results] == [(world.officer_a.name, True)]
    contents = client.get(f"/api/training/papers/{paper['id']}/questions", headers=make.headers(world.city_trainer))
    assert contents.status_code == 200 and contents.json["questions"][0]["question"]["answer"] == [0]
    # their own district's paper stays theirs to read in full
    own = client.post("/api/training/papers", headers=make.headers(world.trainer_a), json={
        "title": "本区月考", "mode": "fixed", "time_limit_minutes": 30, "category": "online", "credit_hours": "1",
        "questions": [{"question_id": make.question(make.question_bank(world.trainer_a)).id, "points": "10"}]}).json
    assert client.get(f"/api/training/papers/{own['id']}/questions", headers=make.headers(world.trainer_a)
                      ).status_code == 200
