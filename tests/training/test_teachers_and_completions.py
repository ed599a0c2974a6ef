"""The teacher library edited in place (refusals beside their fields, nothing half-written), and a course's
completions: who completed it, when, with its credit hours."""
from __future__ import annotations

import pytest

from backend.org.models import Role


@pytest.fixture
def trainer(make):
    return make.officer(Role.trainer, district=make.district())


def _teacher(client, headers, **body):
    response = client.post("/api/training/teachers", headers=headers, json={"name": "王教员", **body})
    assert response.status_code == 201, response.json
    return response.json


def test_a_trainer_corrects_a_teacher_and_reads_it_back(client, make, trainer):
    headers = make.headers(trainer)
    teacher = _teacher(client, headers, title="讲师")
    colleague = make.officer(Role.officer, squad=make.squad(trainer.district))
    changed = client.patch(f"/api/training/teachers/{teacher['id']}", headers=headers,
                           json={"title": "高级讲师", "organisation": "区城管执法局", "officer_id": colleague.id})
    assert changed.status_code == 200, changed.json
    read = client.get(f"/api/training/teachers/{teacher['id']}", headers=headers).json
    assert (read["name"], read["title"], read["organisation"], read["officer_id"]) == (
        "王教员", "高级讲师", "区城管执法局", colleague.id)
    cleared = client.patch(f"/api/training/teachers/{teacher['id']}", headers=headers, json={"officer_id": None})
    assert cleared.json["officer_id"] is None and cleared.json["title"] == "高级讲师"


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": ""}, "name", None), ({"name": "   "}, "name", "不能只填空格。"), ({"name": None}, "name", "不能为空。"),
    ({"title": "长" * 65}, "title", None), ({"colour": "红"}, "colour", "未知字段。"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_changes(client, make, trainer, body, field, message):
    headers = make.headers(trainer)
    teacher = _teacher(client, headers, title="讲师")
    refused = client.patch(f"/api/training/teachers/{teacher['id']}", headers=headers,
                           json={"title": "改了一半", **body} if field != "title" else body)
    assert refused.status_code == 422
    assert field in refused.json["errors"]["json"]
    if message:
        assert refused.json["errors"]["json"][field] == [message]
    assert client.get(f"/api/training/teachers/{teacher['id']}", headers=headers).json["title"] == "讲师"


def test_a_teacher_is_no_officer_of_another_district(client, make, trainer):
    headers = make.headers(trainer)
    teacher = _teacher(client, headers, title="讲师")
    stranger = make.officer(Role.officer, squad=make.squad())
    refused = client.patch(f"/api/training/teachers/{teacher['id']}", headers=headers,
                           json={"title": "高级讲师", "officer_id": stranger.id})
    assert refused.status_code == 422 and refused.json["error"] == "unknown_officer"
    assert refused.json["errors"] == {"officer_id": ["人员不存在或不在本区。"]}
    assert client.get(f"/api/training/teachers/{teacher['id']}", headers=headers).json["title"] == "讲师"
    created = client.post("/api/training/teachers", headers=headers, json={"name": "李", "officer_id": stranger.id})
    assert created.status_code == 422 and created.json["errors"] == {"officer_id": ["人员不存在或不在本区。"]}


def test_a_course_lists_who_completed_it_with_the_hours_each_earned(client, make, trainer):
    headers = make.headers(trainer)
    squad, other_squad = make.squad(trainer.district), make.squad(trainer.district)
    first, second = make.officer(squad=squad, badge_no="C0001"), make.officer(squad=squad, badge_no="C0002")
    elsewhere = make.officer(squad=other_squad, badge_no="C0003")
    course = client.post("/api/training/courses", headers=headers, json={
        "title": "文明执法", "category": "classroom", "credit_hours": "2.5"}).json
    for officers, day in (([first, elsewhere], "2026-05-01"), ([second], "2026-06-01")):
        assert client.post(f"/api/training/courses/{course['id']}/completions", headers=headers, json={
            "officer_ids": [o.id for o in officers], "completed_on": day}).status_code == 201
    listed = client.get(f"/api/training/courses/{course['id']}/completions", headers=headers)
    assert listed.status_code == 200 and listed.headers["X-Pagination"]
    assert [(row["officer"]["badge_no"], row["completed_on"], row["credit_hours"], row["category"])
            for row in listed.json] == [("C0002", "2026-06-01", "2.5", "classroom"),
                                        ("C0001", "2026-05-01", "2.5", "classroom"),
                                        ("C0003", "2026-05-01", "2.5", "classroom")]
    leader = make.officer(Role.squad_leader, squad=squad)
    seen = client.get(f"/api/training/courses/{course['id']}/completions", headers=make.headers(leader)).json
    assert {row["officer"]["badge_no"] for row in seen} == {"C0001", "C0002"}  # their squad's people only
    stranger = make.officer(Role.trainer, district=make.district())
    assert client.get(f"/api/training/courses/{course['id']}/completions",
                      headers=make.headers(stranger)).status_code == 404


def test_a_material_file_is_given_by_its_download_address_not_its_storage_key(client, make, trainer):
    import io

    headers = make.headers(trainer)
    course = client.post("/api/training/courses", headers=headers, json={
        "title": "文明执法", "category": "classroom", "credit_hours": 2,
        "materials": [{"title": "录像", "url": "https://learn.example.gov.cn/v/1"}]}).json
    uploaded = client.post(f"/api/training/courses/{course['id']}/materials", headers=headers,
                           data={"title": "课件", "file": (io.BytesIO(b"%PDF-1.4 slides"), "s.pdf", "application/pdf")},
                           content_type="multipart/form-data").json
    assert "file_key" not in uploaded
    assert uploaded["file_url"] == f"/api/training/courses/{course['id']}/materials/{uploaded['id']}/file"
    materials = client.get(f"/api/training/courses/{course['id']}", headers=headers).json["materials"]
    assert [(m["title"], m["file_url"]) for m in materials] == [("录像", None), ("课件", uploaded["file_url"])]
    assert client.get(uploaded["file_url"], headers=headers).data == b"%PDF-1.4 slides"
    link = client.post("/api/downloads/links", headers=headers, json={"path": uploaded["file_url"]}).json["url"]
    assert client.get(link).data == b"%PDF-1.4 slides"
