"""Wherever a person names an officer by id (roster, inspector registry and exclusions, points items, findings
and notices, teachers, course completions, complaint assignment, attendance and credit reads), a camera's system
account is refused exactly as an officer who does not exist (same status, same code), and nothing is written."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from backend.community.models import ComplaintEvent
from backend.db import local_day, session, utcnow
from backend.duty.models import Shift
from backend.inspections.credit_code import check_character
from backend.inspections.models import Exclusion, InspectorEntry
from backend.org.models import Role
from backend.supervision.findings.models import Finding, Notice
from backend.supervision.points.models import ManualItem
from backend.training.models import CourseCompletion, Teacher

UNKNOWN = 987_654_321
YESTERDAY = str(date.today() - timedelta(days=1))


def roster(client, make, squad, leader):
    return Shift, lambda officer_id: client.post("/api/duty/shifts", headers=make.headers(leader), json={"shifts": [
        {"officer_id": officer_id, "day": str(date.today() + timedelta(days=1)), "start": "08:00", "end": "17:00",
         "duty_type": "office"}]})


def shift_handover(client, make, squad, leader):
    mine = make.officer(Role.officer, squad=squad)
    start = utcnow() + timedelta(days=1)
    shift = make.shift(mine, start, start + timedelta(hours=8), duty_type="office")
    return Shift, lambda officer_id: client.patch(f"/api/duty/shifts/{shift.id}", headers=make.headers(leader),
        json={"officer_id": officer_id})


def points_item(client, make, squad, leader):
    return ManualItem, lambda officer_id: client.post("/api/points/manual-items", headers=make.headers(leader), json={
        "officer_id": officer_id, "day": YESTERDAY, "item": "commendation", "quantity": 1, "note": "市容整治表彰"})


def inspector(client, make, squad, leader):
    admin = make.officer(Role.district_admin, district=squad.district)
    headers = make.headers(admin)
    return InspectorEntry, lambda officer_id: client.post("/api/inspections/inspectors", headers=headers, json={
        "officer_id": officer_id, "certificate_no": "31010620001", "valid_from": "2026-01-01",
        "valid_until": "2028-12-31"})


def exclusion(client, make, squad, leader):
    headers = make.headers(make.officer(Role.district_admin, district=squad.district))
    client.post("/api/inspections/kinds", headers=headers, json={"code": "street_shop", "name": "沿街商户"})
    code = "91310106MA1000001"
    shop = client.post("/api/inspections/objects", headers=headers, json={
        "kind": "street_shop", "name": "商户1", "credit_code": code + check_character(code), "address": "南京西路 1 号",
        "squad_id": squad.id})
    assert shop.status_code == 201, shop.json
    return Exclusion, lambda officer_id: client.post("/api/inspections/exclusions", headers=headers, json={
        "officer_id": officer_id, "object_id": shop.json["id"], "reason": "近亲属经营"})


def notice(client, make, squad, leader):
    headers = make.headers(make.officer(Role.supervisor, district=squad.district))
    return Notice, lambda officer_id: client.post("/api/supervision/notices", headers=headers, json={
        "kind": "inform", "problem": "未按规定亮证", "requirement": "立即整改", "rectify_by": local_day().isoformat(),
        "officer_id": officer_id})


def finding(client, make, squad, leader):
    supervisor = make.officer(Role.supervisor, district=squad.district)
    return Finding, lambda officer_id: client.post("/api/supervision/findings", headers=make.headers(supervisor), json={
        "officer_id": officer_id, "type_code": "badge", "severity": "general", "place": "南京西路 1618 号",
        "found_at": (utcnow() - timedelta(hours=1)).isoformat(), "description": "执法时未出示执法证件"})


def teacher(client, make, squad, leader):
    trainer = make.officer(Role.trainer, district=squad.district)
    return Teacher, lambda officer_id: client.post("/api/training/teachers", headers=make.headers(trainer),
        json={"name": "王教员", "officer_id": officer_id})


def completions(client, make, squad, leader):
    headers = make.headers(make.officer(Role.trainer, district=squad.district))
    course = client.post("/api/training/courses", headers=headers,
                         json={"title": "文明执法", "category": "classroom", "credit_hours": 2})
    assert course.status_code == 201, course.json
    url = f"/api/training/courses/{course.json['id']}/completions"
    return CourseCompletion, lambda officer_id: client.post(
        url, headers=headers, json={"officer_ids": [officer_id], "completed_on": YESTERDAY})


def complaint_assignment(client, make, squad, leader):
    complaint = make.complaint(make.office(squad))
    return ComplaintEvent, lambda officer_id: client.post(f"/api/community/complaints/{complaint.id}/assign",
        headers=make.headers(leader), json={"officer_id": officer_id})


def class_attendance(client, make, squad, leader):
    headers = make.headers(leader)
    return None, lambda officer_id: client.get(f"/api/training/officers/{officer_id}/attendance", headers=headers)


def credits(client, make, squad, leader):
    return None, lambda officer_id: client.get("/api/training/credits", query_string={"officer_id": officer_id},
        headers=make.headers(leader))


def _count(model) -> int | None:
    return None if model is None else session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("operation", [roster, shift_handover, points_item, inspector, exclusion, finding, notice,
                                       teacher, completions, complaint_assignment, class_attendance, credits])
def test_a_camera_account_is_refused_as_an_unknown_officer(client, make, squad, cam, leader, operation):
    model, send = operation(client, make, squad, leader)
    unknown = send(UNKNOWN)
    assert 400 <= unknown.status_code < 500, unknown.json
    before = _count(model)
    response = send(cam["officer_id"])
    assert (response.status_code, response.json["error"]) == (unknown.status_code, unknown.json["error"]), \
        response.json
    assert _count(model) == before


@pytest.mark.parametrize("operation", [roster, points_item, inspector, exclusion, finding, notice, teacher,
                                       completions, complaint_assignment])
def test_a_person_of_the_squad_is_accepted(client, make, squad, cam, leader, operation):
    """The same requests with a real officer succeed: the refusal above is about the camera account alone."""
    officer = make.officer(Role.officer, squad=squad)
    model, send = operation(client, make, squad, leader)
    before = _count(model)
    response = send(officer.id)
    assert response.status_code in (200, 201), response.json
    assert _count(model) > before
