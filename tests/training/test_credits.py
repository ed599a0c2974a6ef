"""Libraries, mandatory plans and credit hours ("60+24"): each officer's progress and who is behind."""
import io
from datetime import UTC, datetime

import time_machine

from backend.db import local_day
from backend.org.models import Role

MID_YEAR = datetime(2026, 7, 2, 4, 0, tzinfo=UTC)  # day 183 of 365


def _course(client, headers, title, category, hours):
    response = client.post("/api/training/courses", headers=headers, json={
        "title": title, "category": category, "credit_hours": hours,
        "materials": [{"title": "课件", "url": "https://learn.example.gov.cn/c/1"}]})
    assert response.status_code == 201, response.json
    return response.json


def _complete(client, headers, course, officers, day="2026-06-01"):
    response = client.post(f"/api/training/courses/{course['id']}/completions", headers=headers,
                           json={"officer_ids": [o.id for o in officers], "completed_on": day})
    assert response.status_code == 201, response.json
    return response.json["recorded"]


def _categories(progress):
    return {c["category"]: (c["earned"], c["expected"], c["behind"]) for c in progress["categories"]}


def test_progress_per_category_and_the_squad_leader_sees_who_is_behind(client, make):
    with time_machine.travel(MID_YEAR, tick=False):
        trainer = make.officer(Role.trainer)
        squad = make.squad(trainer.district)
        leader = make.officer(Role.squad_leader, squad=squad, name="队长")
        done, idle, half = (make.officer(squad=squad, name=n) for n in ("完成", "没学", "一半"))
        headers = make.headers(trainer)
        teacher = client.post(
            "/api/training/teachers", headers=headers, json={"name": "王教员", "title": "高级讲师"}
        ).json
        online = _course(client, headers, "行政处罚法网课", "online", "32.0")
        classroom = client.post("/api/training/courses", headers=headers, json={
            "title": "队列训练", "category": "classroom", "credit_hours": "12.0", "teacher_id": teacher["id"]}).json
        plan = client.post("/api/training/plans", headers=headers, json={
            "year": 2026, "title": "2026 年全员必修", "role": "officer", "course_ids": [classroom["id"]]})
        assert plan.status_code == 201 and plan.json["courses"][0]["title"] == "队列训练"
        assert _complete(client, headers, online, [done, half]) == 2
        assert _complete(client, headers, online, [done]) == 0  # counted once
        _complete(client, headers, classroom, [done])

        mine = client.get("/api/training/credits", headers=make.headers(done)).json
        assert _categories(mine) == {"online": ("32.0", "30.1", False), "classroom": ("12.0", "12.0", False)}
        assert [c["name"] for c in mine["categories"]] == ["在线网训", "集中面授"]
        assert mine["behind"] is False and mine["outstanding_courses"] == []
        theirs = client.get(f"/api/training/credits?officer_id={half.id}", headers=make.headers(leader)).json
        assert _categories(theirs)["classroom"] == ("0.0", "12.0", True)
        assert [c["title"] for c in theirs["outstanding_courses"]] == ["队列训练"]
        assert client.get(f"/api/training/credits?officer_id={half.id}",
                          headers=make.headers(done)).status_code == 404

        behind = client.get("/api/training/credits/squad?behind=true", headers=make.headers(leader)).json
        assert {row["officer"]["name"] for row in behind} == {"一半", "队长", "没学"}
        everyone = client.get(f"/api/training/credits/squad?squad_id={squad.id}", headers=headers).json
        assert len(everyone) == 4
        assert client.get("/api/training/credits/squad", headers=make.headers(idle)).status_code == 403


def test_district_sets_its_own_categories_and_hours(client, make):
    admin = make.officer(Role.district_admin)
    trainer = make.officer(Role.trainer, district=admin.district)
    officer = make.officer(squad=make.squad(admin.district))
    assert [(c["category"], c["hours"]) for c in client.get(
        "/api/training/credit-requirements/2025", headers=make.headers(officer)).json] == [
        ("online", "60.0"), ("classroom", "24.0")]
    response = client.put(
        "/api/training/credit-requirements/2025",
        headers=make.headers(admin),
        json={
            "categories": [
                {"category": "law", "name": "法律知识", "hours": "40"},
                {"category": "drill", "name": "实战训练", "hours": "8"},
            ]
        },
    )
    assert response.status_code == 200
    assert client.put("/api/training/credit-requirements/2025", headers=make.headers(trainer),
                      json={"categories": [{"category": "x", "name": "x", "hours": "1"}]}).status_code == 403
    _complete(client, make.headers(trainer), _course(client, make.headers(trainer), "法律", "law", "41.5"),
              [officer], day="2025-05-05")
    progress = client.get("/api/training/credits?year=2025", headers=make.headers(officer)).json
    assert _categories(progress) == {"law": ("41.5", "40.0", False), "drill": ("0.0", "8.0", True)}


def test_unknown_category_and_foreign_teacher_are_refused(client, make):
    trainer = make.officer(Role.trainer)
    headers = make.headers(trainer)
    response = client.post("/api/training/courses", headers=headers, json={
        "title": "x", "category": "nonsense", "credit_hours": "1"})
    assert response.status_code == 422 and response.json["error"] == "unknown_category"
    other = make.officer(Role.trainer)
    foreign = client.post("/api/training/teachers", headers=make.headers(other), json={"name": "外区教师"}).json
    response = client.post("/api/training/courses", headers=headers, json={
        "title": "x", "category": "online", "credit_hours": "1", "teacher_id": foreign["id"]})
    assert response.status_code == 404


def test_officers_read_the_library_but_cannot_change_it(client, make):
    trainer = make.officer(Role.trainer)
    officer = make.officer(squad=make.squad(trainer.district))
    course = _course(client, make.headers(trainer), "城管执法文书", "online", "2.0")
    listed = client.get("/api/training/courses", headers=make.headers(officer)).json
    assert [c["title"] for c in listed] == ["城管执法文书"]
    assert listed[0]["materials"][0]["url"] == "https://learn.example.gov.cn/c/1"
    assert client.post("/api/training/courses", headers=make.headers(officer), json={
        "title": "x", "category": "online", "credit_hours": "1"}).status_code == 403
    stranger = make.officer()
    assert client.get(f"/api/training/courses/{course['id']}", headers=make.headers(stranger)).status_code == 404


def test_material_files_are_stored_and_downloaded_by_the_district(client, make):
    trainer = make.officer(Role.trainer)
    officer = make.officer(squad=make.squad(trainer.district))
    course = _course(client, make.headers(trainer), "执法记录仪使用", "online", "1.0")
    pdf = b"%PDF-1.4 course slides"
    uploaded = client.post(f"/api/training/courses/{course['id']}/materials", headers=make.headers(trainer),
                           data={"title": "课件", "file": (io.BytesIO(pdf), "slides.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["content_type"] == "application/pdf" and uploaded.json["url"] is None
    path = f"/api/training/courses/{course['id']}/materials/{uploaded.json['id']}/file"
    download = client.get(path, headers=make.headers(officer))
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(path, headers=make.headers(make.officer())).status_code == 404
    empty = client.post(f"/api/training/courses/{course['id']}/materials", headers=make.headers(trainer),
                        data={"title": "空", "file": (io.BytesIO(b""), "x.pdf")}, content_type="multipart/form-data")
    assert empty.status_code == 422 and empty.json["error"] == "empty_file"


def test_a_course_is_edited_and_its_hours_are_fixed_once_someone_completed_it(client, make):
    trainer = make.officer(Role.trainer)
    headers = make.headers(trainer)
    officer = make.officer(squad=make.squad(trainer.district))
    course = _course(client, headers, "执法文书", "online", "4.0")
    url = f"/api/training/courses/{course['id']}"
    teacher = client.post("/api/training/teachers", headers=headers, json={"name": "王教员"}).json
    renamed = client.patch(url, headers=headers, json={"title": "执法文书规范", "credit_hours": "6.0",
                                                       "teacher_id": teacher["id"]})
    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["title"], renamed.json["credit_hours"], renamed.json["teacher_id"]) == (
        "执法文书规范", "6.0", teacher["id"])
    unknown = client.patch(url, headers=headers, json={"category": "nonsense"})
    assert (unknown.status_code, unknown.json["error"]) == (422, "unknown_category")

    _complete(client, headers, renamed.json, [officer], day=local_day().isoformat())
    fixed = client.patch(url, headers=headers, json={"credit_hours": "8.0", "description": "新版讲义"})
    assert (fixed.status_code, fixed.json["error"]) == (409, "course_has_completions")
    assert fixed.json["errors"] == {"credit_hours": ["已有人员完成，不能修改。"]}
    assert client.get(url, headers=headers).json["description"] is None  # nothing of the refused change kept
    same = client.patch(url, headers=headers, json={"credit_hours": "6.0", "description": "新版讲义"})
    assert same.status_code == 200 and same.json["description"] == "新版讲义"  # the hours as they are: no change
    assert client.patch(url, headers=make.headers(officer), json={"title": "x"}).status_code == 403
