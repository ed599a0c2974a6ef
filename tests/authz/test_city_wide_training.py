"""City-wide training (issue 22, point 4): courses, live classes and their quizzes of no district, which the city
trainer writes and every district sees; a district's trainers write their district's and change no city-wide
record; the officers of every district join a city-wide live class and answer its quizzes.

Each case is a row of every role: the status a caller of that role gets (and the machine code of a 403 that
is not the plain role refusal). Districts A and B; the callers are of district A (the city's staff of none).
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from backend.db import utcnow
from backend.org.models import Role
from backend.training.live.classes import join_signature
from backend.training.operations import MAX_MATERIALS
from tests.authz.city_wide import (
    CITY_WIDE,
    DISTRICT,
    READ_ONLY,
    ROLE,
    ROLES,
    World,
    add_course,
    add_live_class,
    add_question,
    build_world,
    check,
    row,
    seen,
)


@pytest.fixture
def world(make) -> World:
    return build_world(make)


def test_who_adds_a_course_and_whose_it_is(client, make, world):
    def call(headers):
        return client.post("/api/training/courses", headers=headers,
                           json={"title": "文明执法", "category": "classroom", "credit_hours": 2})

    check(world, make, call, row(ROLE, ROLE, "201", ROLE, "201", ROLE, READ_ONLY, READ_ONLY, "201", READ_ONLY))
    city = add_course(client, make, world.city_trainer)
    own = add_course(client, make, world.trainer_a)
    assert city["district_id"] is None and own["district_id"] == world.trainer_a.district_id


def test_who_edits_a_city_wide_course(client, make, world):
    course = add_course(client, make, world.city_trainer)

    def call(headers):
        return client.patch(f"/api/training/courses/{course['id']}", headers=headers, json={"title": "全市课程修订"})

    check(world, make, call, row(ROLE, ROLE, CITY_WIDE, ROLE, CITY_WIDE, ROLE, READ_ONLY, READ_ONLY, "200",
                                   READ_ONLY))


def test_who_edits_a_districts_course(client, make, world):
    course = add_course(client, make, world.trainer_a)

    def call(headers):
        return client.patch(f"/api/training/courses/{course['id']}", headers=headers, json={"title": "本区课程修订"})

    check(world, make, call, row(ROLE, ROLE, "200", ROLE, "200", ROLE, READ_ONLY, READ_ONLY, DISTRICT,
                                   READ_ONLY))


def test_every_district_sees_a_city_wide_course_and_a_town_leader_no_course(client, make, world):
    city = add_course(client, make, world.city_trainer)

    def call(headers):
        return client.get(f"/api/training/courses/{city['id']}", headers=headers)

    check(world, make, call, row("200", "200", "200", "200", "200", "200", "200", "200", "200", "404"))
    other_district = make.headers(world.officer_b)
    assert client.get(f"/api/training/courses/{city['id']}", headers=other_district).status_code == 200
    listed = client.get("/api/training/courses", headers=other_district).json
    assert city["id"] in [c["id"] for c in listed]
    own_a = add_course(client, make, world.trainer_a)
    assert client.get(f"/api/training/courses/{own_a['id']}", headers=other_district).status_code == 404


def _material(title="讲义"):
    return {"title": title, "file": (io.BytesIO(b"%PDF-1.4 city-wide handout"), "handout.pdf", "application/pdf")}


def test_who_uploads_a_city_wide_courses_material(client, make, world):
    course = add_course(client, make, world.city_trainer)

    def call(headers):
        return client.post(f"/api/training/courses/{course['id']}/materials", headers=headers, data=_material(),
                           content_type="multipart/form-data")

    check(world, make, call, row(ROLE, ROLE, CITY_WIDE, ROLE, CITY_WIDE, ROLE, READ_ONLY, READ_ONLY, "201",
                                   READ_ONLY))
    material = client.get(f"/api/training/courses/{course['id']}", headers=make.headers(world.officer_b)).json
    assert [m["title"] for m in material["materials"]] == ["讲义"]


def test_a_course_holds_at_most_its_materials_and_nothing_is_half_written(client, make, world):
    headers = make.headers(world.city_trainer)
    links = [{"title": f"第{i}讲", "url": f"https://learn.example.gov.cn/v/{i}"} for i in range(MAX_MATERIALS + 1)]
    too_many = client.post("/api/training/courses", headers=headers, json={
        "title": "资料过多", "category": "classroom", "credit_hours": 2, "materials": links})
    assert too_many.status_code == 422 and too_many.json["error"] == "too_many_materials"
    listed = client.get("/api/training/courses", headers=headers).json
    assert "资料过多" not in [c["title"] for c in listed]
    full = add_course(client, make, world.city_trainer, materials=links[:MAX_MATERIALS])
    one_more = client.post(f"/api/training/courses/{full['id']}/materials", headers=headers, data=_material(),
                           content_type="multipart/form-data")
    assert one_more.status_code == 409 and one_more.json["error"] == "too_many_materials"
    assert "100" in one_more.json["message"]
    assert len(client.get(f"/api/training/courses/{full['id']}", headers=headers).json["materials"]) == MAX_MATERIALS


def test_who_schedules_a_live_class_and_whose_it_is(client, make, world):
    starts = utcnow() + timedelta(days=1)

    def call(headers):
        return client.post("/api/training/live-classes", headers=headers, json={
            "title": "直播课", "classroom": "智慧教室", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(), "category": "classroom", "credit_hours": "1.0"})

    check(world, make, call, row(ROLE, ROLE, "201", ROLE, "201", ROLE, READ_ONLY, READ_ONLY, "201", READ_ONLY))
    city = add_live_class(client, make, world.city_trainer)
    assert city["district_id"] is None and city["join_url"]


def test_a_city_wide_class_is_of_a_city_wide_course(client, make, world):
    district_course = add_course(client, make, world.trainer_a)
    starts = utcnow() + timedelta(days=1)
    response = client.post("/api/training/live-classes", headers=make.headers(world.city_trainer), json={
        "title": "直播课", "classroom": "市局智慧教室", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(), "category": "classroom", "credit_hours": "1.0",
        "course_id": district_course["id"]})
    assert response.status_code == 422 and response.json["error"] == "district_course"


def test_who_pushes_a_quiz_into_a_city_wide_class(client, make, world):
    live_class = add_live_class(client, make, world.city_trainer)
    city_question = add_question(client, make, world.city_trainer)

    def call(headers):
        return client.post(f"/api/training/live-classes/{live_class['id']}/quizzes", headers=headers,
                           json={"question_id": city_question, "seconds": 60})

    # a district's trainer sees the class but not the city's bank: the class refuses them first
    check(world, make, call, row(ROLE, ROLE, CITY_WIDE, ROLE, CITY_WIDE, ROLE, READ_ONLY, READ_ONLY, "201",
                                   READ_ONLY))
    district_question = add_question(client, make, world.trainer_a)
    leak = client.post(f"/api/training/live-classes/{live_class['id']}/quizzes",
                       headers=make.headers(world.city_trainer), json={"question_id": district_question})
    assert leak.status_code == 422 and leak.json["error"] == "district_question"


def test_the_city_trainer_runs_no_districts_class(client, make, world):
    starts = utcnow() - timedelta(minutes=10)
    live_class = make.live_class(world.trainer_a, starts, starts + timedelta(hours=2))
    headers = make.headers(world.city_trainer)
    for path in ("attendance", "attendance.csv", "head-count", "qr.png", "screen"):
        response = client.get(f"/api/training/live-classes/{live_class.id}/{path}", headers=headers)
        assert seen(response) == DISTRICT, path
    question = add_question(client, make, world.city_trainer)
    pushed = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                         json={"question_id": question})
    assert seen(pushed) == DISTRICT
    banks = client.get("/api/training/banks", headers=headers).json
    assert banks and all(b["id"] != make.question_bank(world.trainer_a).id for b in banks)


def test_officers_of_two_districts_in_one_city_wide_class(client, make, world):
    live_class = add_live_class(client, make, world.city_trainer)
    class_id = live_class["id"]
    question = add_question(client, make, world.city_trainer)
    officer_b2 = make.officer(squad=world.officer_b.squad)
    trainees = {"A": world.officer_a, "B": world.officer_b, "B2": officer_b2}
    for officer in trainees.values():
        joined = client.post(f"/api/training/live-classes/{class_id}/join", headers=make.headers(officer),
                             json={"sig": join_signature(class_id)})
        assert joined.status_code == 200, joined.json
    city_headers = make.headers(world.city_trainer)
    quiz = client.post(f"/api/training/live-classes/{class_id}/quizzes", headers=city_headers,
                       json={"question_id": question, "seconds": 60}).json
    for name, officer in trainees.items():
        current = client.get(f"/api/training/live-classes/{class_id}/quiz", headers=make.headers(officer))
        assert current.status_code == 200 and current.json["id"] == quiz["id"], name
        answered = client.post(f"/api/training/quizzes/{quiz['id']}/answers", headers=make.headers(officer),
                               json={"answer": [0] if name != "B2" else [1]})
        assert answered.status_code == 201, (name, answered.json)
    again = client.post(f"/api/training/quizzes/{quiz['id']}/answers", headers=make.headers(world.officer_b),
                        json={"answer": [1]})
    assert again.status_code == 409 and again.json["error"] == "already_answered"
    outsider = make.officer(squad=world.officer_b.squad)  # of district B, not in the class
    refused = client.post(f"/api/training/quizzes/{quiz['id']}/answers", headers=make.headers(outsider),
                          json={"answer": [0]})
    assert refused.status_code == 409 and refused.json["error"] == "not_joined"
    whole = client.get(f"/api/training/quizzes/{quiz['id']}/distribution", headers=city_headers).json
    assert (whole["answered"], whole["correct"], whole["present"]) == (3, 2, 3)
    assert [o["count"] for o in whole["options"]] == [2, 1]
    # district A's trainer follows the class: the whole distribution, the attendance of their own officers
    trainer_headers = make.headers(world.trainer_a)
    assert client.get(f"/api/training/quizzes/{quiz['id']}/distribution", headers=trainer_headers).json[
        "answered"] == 3
    theirs = client.get(f"/api/training/live-classes/{class_id}/attendance", headers=trainer_headers).json
    assert [a["officer_id"] for a in theirs] == [world.officer_a.id]
    everyone = client.get(f"/api/training/live-classes/{class_id}/attendance", headers=city_headers).json
    assert sorted(a["officer_id"] for a in everyone) == sorted(o.id for o in trainees.values())
    # a district's own class stays its own: district B's officer neither sees nor answers A's quiz
    own_class = make.live_class(world.trainer_a, utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=1))
    assert client.get(f"/api/training/live-classes/{own_class.id}", headers=make.headers(world.officer_b)
                      ).status_code == 404


def test_a_live_class_says_whether_its_reader_runs_it_as_the_screen_link_answers(client, make, world):
    """`managed` (what the console offers the QR code, attendance and big screen by) agrees with the API's answer
    to the screen link, for every role, of a district's class and of a city-wide one."""
    classes = [add_live_class(client, make, world.trainer_a), add_live_class(client, make, world.city_trainer)]
    for role in ROLES:
        headers = make.headers(world.callers[role])
        listed = {c["id"]: c["managed"] for c in client.get("/api/training/live-classes", headers=headers).json}
        for live_class in classes:
            if live_class["id"] not in listed:
                continue  # not in the role's scope at all
            screen = client.get(f"/api/training/live-classes/{live_class['id']}/screen", headers=headers)
            assert listed[live_class["id"]] == (screen.status_code == 200), (role, live_class["district_id"], screen)
    lists = {role: client.get("/api/training/live-classes", headers=make.headers(world.callers[role])).json
             for role in ROLES}
    managed = {role for role, listed in lists.items() if listed and all(c["managed"] for c in listed)}
    assert managed == {Role.district_admin, Role.trainer}  # the city trainer runs the city's class, not the district's
