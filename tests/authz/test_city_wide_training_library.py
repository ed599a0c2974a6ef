"""City-wide papers, mandatory plans, yearly credit requirements, drills and teachers, and the city's question bank
(issue 22): of no district, the city trainer writes them and every district reads and uses them; a district's
staff change no city-wide record (403 city_wide_training), the city trainer no district's (403
district_training); a city-wide record names only city-wide ones (422 district_<what>).

Each case is a row of every role (tests/authz/city_wide.py); the callers are of district A.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from backend.db import local_day
from backend.org.models import Role
from tests.authz.city_wide import (
    CITY_WIDE,
    DISTRICT,
    READ_ONLY,
    ROLE,
    World,
    add_course,
    build_world,
    check,
    row,
    seen,
)
from tests.drills.scenarios import STANDARD_PATH, drill_body
from tests.training.scenarios import sit_exam
from tests.training.xlsx import xlsx

BEYOND_64_BITS = 2**64 + 1
CITY_PAPER = "403 city_paper_contents"
TODAY = local_day()
YEAR = TODAY.year


def writes(admin: str, trainer: str, city_trainer: str) -> dict:
    """The row of a change only training's authors make: the others refused for their role, the observers as
    read-only."""
    return row(ROLE, ROLE, admin, ROLE, trainer, ROLE, READ_ONLY, READ_ONLY, city_trainer, READ_ONLY)


def reads(admin: str, trainer: str, city_trainer: str) -> dict:
    """The row of a trainers' read (a paper's answers, its statistics): nobody else's."""
    return row(ROLE, ROLE, admin, ROLE, trainer, ROLE, ROLE, ROLE, city_trainer, ROLE)


@pytest.fixture
def world(make) -> World:
    return build_world(make)


def _city_paper(client, make, world, credit_hours: str = "1.5") -> dict:
    """A fixed paper of one question of the city's bank (对的 right), the city trainer's."""
    question = make.question(make.question_bank(world.city_trainer), options=["对的", "错的"], answer=[0])
    response = client.post("/api/training/papers", headers=make.headers(world.city_trainer, timedelta(hours=5)),
                           json={"title": "全市执法规范考试", "mode": "fixed", "time_limit_minutes": 30,
                                 "category": "online", "credit_hours": credit_hours,
                                 "questions": [{"question_id": question.id, "points": "10"}]})
    assert response.status_code == 201, response.json
    return response.json


# Papers --------------------------------------------------------------------------------------------------------------

def test_who_adds_a_paper_of_a_districts_question(client, make, world):
    question = make.question(make.question_bank(world.trainer_a))

    def call(headers):
        return client.post("/api/training/papers", headers=headers, json={
            "title": "本区月考", "mode": "fixed", "time_limit_minutes": 30, "category": "online", "credit_hours": "1",
            "questions": [{"question_id": question.id, "points": "10"}]})

    # the city trainer sees the district's question but a city-wide paper asks the city's bank only
    check(world, make, call, writes("201", "201", "422"))
    refused = call(make.headers(world.city_trainer))
    assert refused.json["error"] == "district_question" and refused.json["errors"] == {"question_id": [question.id]}


def test_a_city_wide_paper_draws_from_the_citys_bank_only(client, make, world):
    district_bank = make.question_bank(world.trainer_a)
    make.question(district_bank)
    body = {"title": "全市随机卷", "mode": "random", "time_limit_minutes": 30, "category": "online",
            "credit_hours": "1", "rules": [{"bank_id": district_bank.id, "count": 1, "points": "10"}]}
    headers = make.headers(world.city_trainer)
    refused = client.post("/api/training/papers", headers=headers, json=body)
    assert refused.status_code == 422 and refused.json["error"] == "district_bank"
    city_bank = make.question_bank(world.city_trainer)
    make.question(city_bank)
    body["rules"][0]["bank_id"] = city_bank.id
    made = client.post("/api/training/papers", headers=headers, json=body)
    assert made.status_code == 201 and made.json["district_id"] is None
    # a district's trainer does not see the city's bank: neither its questions nor its rules
    theirs = client.post("/api/training/papers", headers=make.headers(world.trainer_a), json=body)
    assert theirs.status_code == 404


def test_every_district_sees_and_takes_a_city_wide_paper(client, make, world):
    paper = _city_paper(client, make, world)
    assert paper["district_id"] is None

    def call(headers):
        return client.get(f"/api/training/papers/{paper['id']}", headers=headers)

    check(world, make, call, row("200", "200", "200", "200", "200", "200", "200", "200", "200", "404"))
    for officer in (world.officer_a, world.officer_b):
        assert paper["id"] in [p["id"] for p in client.get("/api/training/papers", headers=make.headers(officer)).json]
        started = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=make.headers(officer))
        assert started.status_code == 201, started.json


def test_who_reads_a_city_wide_papers_answers_and_statistics(client, make, world):
    paper = _city_paper(client, make, world)
    sit_exam(client, make, paper["id"], world.officer_a, correct=True)
    sit_exam(client, make, paper["id"], world.officer_b, correct=False)

    def contents(headers):
        return client.get(f"/api/training/papers/{paper['id']}/questions", headers=headers)

    # the answer key of the city's exam is the city trainer's alone: a district runs it with the details and results
    check(world, make, contents, reads(CITY_PAPER, CITY_PAPER, "200"))
    refused = contents(make.headers(world.trainer_a)).json
    assert refused["message"].startswith("全市试卷的题目和答案由市局培训管理员掌握"), refused
    assert "对的" not in str(refused)

    def statistics(headers):
        return client.get(f"/api/training/papers/{paper['id']}/item-statistics", headers=headers)

    check(world, make, statistics, reads("200", "200", "200"))
    # district A's trainer analyses their own officers' attempts; the city trainer everyone's
    theirs = statistics(make.headers(world.trainer_a)).json
    assert [r["officer_name"] for r in theirs["results"]] == [world.officer_a.name]
    assert statistics(make.headers(world.city_trainer)).json["attempts"] == 2


def test_the_city_trainer_reads_no_districts_paper(client, make, world):
    question = make.question(make.question_bank(world.trainer_a))
    paper = client.post("/api/training/papers", headers=make.headers(world.trainer_a), json={
        "title": "本区月考", "mode": "fixed", "time_limit_minutes": 30, "category": "online", "credit_hours": "1",
        "questions": [{"question_id": question.id, "points": "10"}]}).json
    headers = make.headers(world.city_trainer)
    for tail in ("questions", "item-statistics"):
        assert seen(client.get(f"/api/training/papers/{paper['id']}/{tail}", headers=headers)) == DISTRICT, tail


# The city's question bank ------------------------------------------------------------------------------------------

def _question_body(stem: str) -> dict:
    return {"kind": "single", "stem": stem, "options": ["出示执法证件", "出示工作证"], "answer": [0]}


def test_who_edits_and_deactivates_a_city_question(client, make, world):
    city_bank = make.question_bank(world.city_trainer)
    question = make.question(city_bank)

    def edit(headers):
        return client.put(f"/api/training/questions/{question.id}", headers=headers,
                          json=_question_body(f"全市题目修订 {question.id}"))

    # a district's staff do not see the city's bank (404, as for any id out of scope)
    check(world, make, edit, writes("404", "404", "200"))
    other = make.question(city_bank)

    def deactivate(headers):
        return client.post(f"/api/training/questions/{other.id}/deactivate", headers=headers)

    check(world, make, deactivate, writes("404", "404", "200"))


def test_the_city_trainer_edits_no_districts_question(client, make, world):
    question = make.question(make.question_bank(world.trainer_a))
    headers = make.headers(world.city_trainer)
    edited = client.put(f"/api/training/questions/{question.id}", headers=headers, json=_question_body("改题"))
    assert seen(edited) == DISTRICT
    assert seen(client.post(f"/api/training/questions/{question.id}/deactivate", headers=headers)) == DISTRICT
    assert seen(client.put(f"/api/training/questions/{question.id}", headers=make.headers(world.trainer_a),
                           json=_question_body("本区改题"))) == "200"


def _sheet(*rows) -> dict:
    data = xlsx(list(rows), header=["题型", "题干", "选项A", "选项B", "答案"])
    return {"file": (io.BytesIO(data), "题库.xlsx")}


def test_who_imports_into_the_citys_bank(client, make, world):
    city_bank = make.question_bank(world.city_trainer)
    counter = iter(range(100))

    def call(headers):
        return client.post(f"/api/training/banks/{city_bank.id}/import", headers=headers,
                           data=_sheet(["单选", f"全市题目{next(counter)}", "对", "错", "A"]),
                           content_type="multipart/form-data")

    check(world, make, call, writes("404", "404", "201"))
    listed = client.get(f"/api/training/banks/{city_bank.id}/questions", headers=make.headers(world.city_trainer))
    assert len(listed.json) == 1 and listed.json[0]["stem"].startswith("全市题目")


def test_a_city_import_with_bad_rows_is_reported_row_by_row_and_imports_nothing(client, make, world):
    city_bank = make.question_bank(world.city_trainer)
    headers = make.headers(world.city_trainer)
    response = client.post(f"/api/training/banks/{city_bank.id}/import", headers=headers, data=_sheet(
        ["单选", "执法时应当出示什么？", "执法证件", "工作证", "A"],
        ["问答", "这是什么题型？", "", "", "A"],
        ["单选", "没有答案的题", "甲", "乙", ""],
        ["单选", "答案不是选项", "甲", "乙", "C"]), content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"] == "excel_row_errors"
    rows = response.json["errors"]["rows"]
    assert sorted(rows) == ["3", "4", "5"] and "题型" in rows["3"] and "答案" in rows["4"]
    assert client.get(f"/api/training/banks/{city_bank.id}/questions", headers=headers).json == []
    district_bank = make.question_bank(world.trainer_a)
    into_district = client.post(f"/api/training/banks/{district_bank.id}/import", headers=headers,
                                data=_sheet(["单选", "区里的题", "甲", "乙", "A"]), content_type="multipart/form-data")
    assert seen(into_district) == DISTRICT


# Teachers ----------------------------------------------------------------------------------------------------------

def _teacher(client, make, author) -> dict:
    response = client.post("/api/training/teachers", headers=make.headers(author), json={"name": "李教授"})
    assert response.status_code == 201, response.json
    return response.json


def test_who_adds_a_teacher_and_whose_it_is(client, make, world):
    def call(headers):
        return client.post("/api/training/teachers", headers=headers, json={"name": "王教员"})

    check(world, make, call, writes("201", "201", "201"))
    assert _teacher(client, make, world.city_trainer)["district_id"] is None
    # a city-wide teacher who is one of us may be an officer of any district
    of_b = client.post("/api/training/teachers", headers=make.headers(world.city_trainer),
                       json={"name": "乙区骨干", "officer_id": world.officer_b.id})
    assert of_b.status_code == 201, of_b.json


def test_who_edits_a_city_wide_teacher(client, make, world):
    teacher = _teacher(client, make, world.city_trainer)

    def call(headers):
        return client.patch(f"/api/training/teachers/{teacher['id']}", headers=headers, json={"title": "教授"})

    check(world, make, call, writes(CITY_WIDE, CITY_WIDE, "200"))
    own = _teacher(client, make, world.trainer_a)
    assert seen(client.patch(f"/api/training/teachers/{own['id']}", headers=make.headers(world.city_trainer),
                             json={"title": "教授"})) == DISTRICT


def test_a_district_names_a_city_teacher_and_the_city_no_districts(client, make, world):
    city_teacher = _teacher(client, make, world.city_trainer)
    district_teacher = _teacher(client, make, world.trainer_a)
    assert client.get(f"/api/training/teachers/{city_teacher['id']}", headers=make.headers(world.officer_b)
                      ).status_code == 200
    own = add_course(client, make, world.trainer_a, teacher_id=city_teacher["id"])
    assert own["teacher_id"] == city_teacher["id"]
    refused = client.post("/api/training/courses", headers=make.headers(world.city_trainer), json={
        "title": "全市课程", "category": "classroom", "credit_hours": 2, "teacher_id": district_teacher["id"]})
    assert refused.status_code == 422 and refused.json["error"] == "district_teacher"


# Mandatory plans ---------------------------------------------------------------------------------------------------

def test_who_makes_a_plan_of_a_city_wide_course(client, make, world):
    course = add_course(client, make, world.city_trainer)

    def call(headers):
        return client.post("/api/training/plans", headers=headers,
                           json={"year": YEAR, "title": "年度必修", "course_ids": [course["id"]]})

    # a district may put a city-wide course in its own plan; the city trainer's plan is the city's
    check(world, make, call, writes("201", "201", "201"))
    plans = client.get(f"/api/training/plans?year={YEAR}", headers=make.headers(world.officer_b)).json
    assert [p["district_id"] for p in plans] == [None]


def test_who_records_completions_of_a_city_wide_course(client, make, world):
    course = add_course(client, make, world.city_trainer)

    def call(headers):
        return client.post(f"/api/training/courses/{course['id']}/completions", headers=headers,
                           json={"officer_ids": [world.officer_a.id], "completed_on": TODAY.isoformat()})

    # a district's staff record their officers' completion of the city's course; the first one counts, once
    check(world, make, call, writes("201", "201", "201"))
    own = add_course(client, make, world.trainer_a)
    assert seen(client.post(f"/api/training/courses/{own['id']}/completions", headers=make.headers(world.city_trainer),
                            json={"officer_ids": [world.officer_a.id], "completed_on": TODAY.isoformat()})) == DISTRICT


def test_a_city_plan_lists_city_wide_courses_only(client, make, world):
    own = add_course(client, make, world.trainer_a)
    response = client.post("/api/training/plans", headers=make.headers(world.city_trainer),
                           json={"year": YEAR, "title": "全市必修", "course_ids": [own["id"]]})
    assert response.status_code == 422 and response.json["error"] == "district_course"


def test_a_city_plan_binds_the_officers_of_every_district(client, make, world):
    course = add_course(client, make, world.city_trainer)
    plan = client.post("/api/training/plans", headers=make.headers(world.city_trainer),
                       json={"year": YEAR, "title": "全市必修", "course_ids": [course["id"]]})
    assert plan.status_code == 201 and plan.json["district_id"] is None
    for officer in (world.officer_a, world.officer_b):
        progress = client.get(f"/api/training/credits?year={YEAR}", headers=make.headers(officer)).json
        assert [c["id"] for c in progress["outstanding_courses"]] == [course["id"]]
    # district B's trainer records their officer's completion of the city's course: it is done, its hours count
    trainer_b = make.officer(Role.trainer, district=world.officer_b.district)
    recorded = client.post(f"/api/training/courses/{course['id']}/completions", headers=make.headers(trainer_b),
                           json={"officer_ids": [world.officer_b.id], "completed_on": TODAY.isoformat()})
    assert recorded.status_code == 201 and recorded.json == {"recorded": 1}
    progress = client.get(f"/api/training/credits?year={YEAR}", headers=make.headers(world.officer_b)).json
    assert progress["outstanding_courses"] == []
    assert {c["category"]: c["earned"] for c in progress["categories"]}["classroom"] == "2.0"
    # district A's trainer records none of district B's officers
    theirs = client.post(f"/api/training/courses/{course['id']}/completions", headers=make.headers(world.trainer_a),
                         json={"officer_ids": [world.officer_b.id], "completed_on": TODAY.isoformat()})
    assert theirs.status_code == 422 and theirs.json["error"] == "unknown_officers"


# Yearly credit requirements ----------------------------------------------------------------------------------------

def test_who_sets_the_citys_requirements(client, make, world):
    def call(headers):
        return client.put(f"/api/training/credit-requirements/{YEAR}", headers=headers, json={"categories": [
            {"category": "online", "name": "在线网训", "hours": "60"}]})

    check(world, make, call, row(ROLE, ROLE, "200", ROLE, ROLE, ROLE, READ_ONLY, READ_ONLY, "200", READ_ONLY))


def test_every_districts_officers_meet_the_citys_requirements_as_well(client, make, world):
    city = client.put(f"/api/training/credit-requirements/{YEAR}", headers=make.headers(world.city_trainer), json={
        "categories": [{"category": "online", "name": "在线网训", "hours": "60"},
                       {"category": "law", "name": "法治专题", "hours": "10"}]})
    assert city.status_code == 200, city.json
    own = client.put(f"/api/training/credit-requirements/{YEAR}", headers=make.headers(world.callers[
        Role.district_admin]), json={"categories": [{"category": "online", "name": "网上学习", "hours": "40"},
                                                    {"category": "classroom", "name": "集中面授", "hours": "30"}]})
    assert own.status_code == 200, own.json

    def required(officer) -> dict:
        listed = client.get(f"/api/training/credit-requirements/{YEAR}", headers=make.headers(officer)).json
        progress = client.get(f"/api/training/credits?year={YEAR}", headers=make.headers(officer)).json
        assert [(c["category"], c["required"]) for c in progress["categories"]] == [
            (c["category"], c["hours"]) for c in listed]
        return {c["category"]: c["hours"] for c in listed}

    # district A asks less online than the city: the city's 60 stand; its classroom hours add to the city's
    assert required(world.officer_a) == {"online": "60.0", "law": "10.0", "classroom": "30.0"}
    assert required(world.officer_b) == {"online": "60.0", "law": "10.0"}
    # the city's categories are every district's to credit: a district's course of the city's "law" category
    assert add_course(client, make, world.trainer_a, category="law")["category"] == "law"


def test_a_city_wide_paper_passed_counts_towards_a_districts_officer(client, make, world):
    paper = _city_paper(client, make, world, credit_hours="1.5")
    sit_exam(client, make, paper["id"], world.officer_b, correct=True)
    progress = client.get(f"/api/training/credits?year={YEAR}", headers=make.headers(world.officer_b)).json
    assert {c["category"]: c["earned"] for c in progress["categories"]}["online"] == "1.5"


# Drills ------------------------------------------------------------------------------------------------------------

def test_who_adds_a_drill_and_takes_a_city_wide_one(client, make, world):
    def call(headers):
        return client.post("/api/training/drills", headers=headers, json=drill_body())

    check(world, make, call, writes("201", "201", "201"))
    drill = call(make.headers(world.city_trainer)).json
    assert drill["district_id"] is None
    attempt = client.post(f"/api/training/drills/{drill['id']}/attempts", headers=make.headers(world.officer_b),
                          json={"path": STANDARD_PATH})
    assert attempt.status_code == 201 and attempt.json["passed"] is True
    progress = client.get(f"/api/training/credits?year={YEAR}", headers=make.headers(world.officer_b)).json
    assert {c["category"]: c["earned"] for c in progress["categories"]}["classroom"] == "0.5"


def test_who_closes_a_city_wide_drill(client, make, world):
    drills = iter(client.post("/api/training/drills", headers=make.headers(world.city_trainer),
                              json=drill_body()).json["id"] for _ in range(len(world.callers)))

    def call(headers):
        return client.post(f"/api/training/drills/{next(drills)}/close", headers=headers)

    check(world, make, call, writes(CITY_WIDE, CITY_WIDE, "200"))
    own = client.post("/api/training/drills", headers=make.headers(world.trainer_a), json=drill_body()).json
    assert seen(client.post(f"/api/training/drills/{own['id']}/close", headers=make.headers(world.city_trainer))
                ) == DISTRICT


def test_a_city_wide_gesture_drill_is_of_a_standard_gesture(client, make, world):
    headers = make.headers(world.trainer_a)
    added = client.post("/api/training/gestures", headers=headers, json={
        "code": "district_stop", "name": "停车手势", "joints": {"right_elbow": {"angle": 90, "tolerance": 20}}})
    assert added.status_code == 201, added.json
    body = {"title": "手势", "kind": "gesture", "category": "classroom", "credit_hours": "0.5"}
    city = make.headers(world.city_trainer)
    refused = client.post("/api/training/drills", headers=city, json={**body, "gesture_code": "district_stop"})
    assert refused.status_code == 422 and refused.json["error"] == "unknown_gesture"
    assert client.post("/api/training/drills", headers=city, json={**body, "gesture_code": "salute"}
                       ).status_code == 201


# Hostile input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("put", f"/api/training/questions/{BEYOND_64_BITS}", _question_body("题")),
    ("post", f"/api/training/questions/{BEYOND_64_BITS}/deactivate", None),
    ("get", f"/api/training/papers/{BEYOND_64_BITS}/questions", None),
    ("get", f"/api/training/papers/{BEYOND_64_BITS}/item-statistics", None),
    ("post", f"/api/training/drills/{BEYOND_64_BITS}/close", None),
    ("patch", f"/api/training/teachers/{BEYOND_64_BITS}", {"title": "教授"}),
    ("post", f"/api/training/courses/{BEYOND_64_BITS}/completions",
     {"officer_ids": [1], "completed_on": "2026-01-05"}),
])
def test_an_id_beyond_64_bits_in_a_path_is_not_found(client, make, world, method, path, body):
    response = getattr(client, method)(path, headers=make.headers(world.city_trainer), json=body)
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/training/plans", {"year": YEAR, "title": "计划", "course_ids": [BEYOND_64_BITS]}, "course_ids"),
    ("/api/training/courses", {"title": "课", "category": "online", "credit_hours": 1, "teacher_id": BEYOND_64_BITS},
     "teacher_id"),
    ("/api/training/papers", {"title": "卷", "mode": "fixed", "time_limit_minutes": 30, "category": "online",
                              "credit_hours": "1", "questions": [{"question_id": BEYOND_64_BITS, "points": "1"}]},
     "questions"),
    ("/api/training/teachers", {"name": "王", "officer_id": BEYOND_64_BITS}, "officer_id"),
])
def test_an_id_beyond_64_bits_in_a_body_is_a_field_error(client, make, world, path, body, field):
    response = client.post(path, headers=make.headers(world.city_trainer), json=body)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_another_districts_record_by_id_is_not_found(client, make, world):
    trainer_b = make.officer(Role.trainer, district=world.officer_b.district)
    question_b = make.question(make.question_bank(trainer_b))
    teacher_b = _teacher(client, make, trainer_b)
    course_b = add_course(client, make, trainer_b)
    headers = make.headers(world.trainer_a)
    assert client.put(f"/api/training/questions/{question_b.id}", headers=headers,
                      json=_question_body("改别区的题")).status_code == 404
    assert client.patch(f"/api/training/teachers/{teacher_b['id']}", headers=headers,
                        json={"title": "教授"}).status_code == 404
    assert client.post("/api/training/plans", headers=headers, json={
        "year": YEAR, "title": "计划", "course_ids": [course_b["id"]]}).status_code == 404
