"""The city bureau and the street and town governments (街镇): who sees what, who may change what.

District A has squads A1 (under 街镇 T1) and A2 (under 街镇 T2); district B has squad B1. T1's leader reads
A1's duty, complaints, points and training and nothing else, and changes nothing; the city's staff read every
district and change only what their own work is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from backend.community import privacy
from backend.db import local_day, session, utcnow
from backend.org.models import Officer, Role, Squad, Town
from backend.supervision.points.operations import refresh_month
from tests.test_readme_commands import flask, operator_env


@dataclass
class City:
    a1: Squad
    a2: Squad
    b1: Squad
    t1: Town
    t2: Town
    admin_a: Officer
    admin_b: Officer
    town_leader: Officer
    city_supervisor: Officer
    city_admin: Officer
    field: dict[str, Officer]  # squad name -> an officer of it


@pytest.fixture
def city(make) -> City:
    a1 = make.squad(name="A1")
    a2 = make.squad(a1.district, name="A2")
    b1 = make.squad(name="B1")
    t1, t2 = make.town(a1.district, a1, name="T1 街道"), make.town(a1.district, a2, name="T2 镇")
    return City(a1, a2, b1, t1, t2, make.officer(Role.district_admin, district=a1.district),
                make.officer(Role.district_admin, district=b1.district), make.officer(Role.town_leader, town=t1),
                make.officer(Role.city_supervisor), make.officer(Role.city_admin),
                {squad.name: make.officer(squad=squad) for squad in (a1, a2, b1)})


def _squads_seen(rows, squad_of) -> set[int]:
    return {squad_of(row) for row in rows}


# -- data scope: duty board, complaints, points month, training progress ---------------------------------------

def test_duty_board_town_leader_sees_their_squads_city_sees_all(client, make, city):
    starts = utcnow() - timedelta(minutes=5)
    for officer in city.field.values():
        make.shift(officer, starts, starts + timedelta(hours=8), post=make.post(officer.squad))
    seen = {}
    for who in (city.town_leader, city.city_supervisor, city.admin_a):
        response = client.get("/api/duty/board", headers=make.headers(who))
        assert response.status_code == 200, response.json
        seen[who.role] = {row["squad_id"] for row in response.json} & {city.a1.id, city.a2.id, city.b1.id}
    assert seen[Role.town_leader] == {city.a1.id}
    assert seen[Role.city_supervisor] == {city.a1.id, city.a2.id, city.b1.id}
    assert seen[Role.district_admin] == {city.a1.id, city.a2.id}


def test_complaints_town_leader_sees_their_squads_and_no_phone(client, make, city):
    for squad in (city.a1, city.a2, city.b1):
        make.complaint(make.office(squad), phone_encrypted=privacy.encrypt_phone("13812345678"),
                       phone_masked=privacy.mask_phone("13812345678"))
    for who, expected in ((city.town_leader, {city.a1.id}),
                          (city.city_supervisor, {city.a1.id, city.a2.id, city.b1.id})):
        response = client.get("/api/community/complaints?page_size=100", headers=make.headers(who))
        assert response.status_code == 200, response.json
        rows = [row for row in response.json if row["squad_id"] in {city.a1.id, city.a2.id, city.b1.id}]
        assert {row["squad_id"] for row in rows} == expected
        assert {row["phone"] for row in rows} == {"138****5678"}  # PIPL: nobody of them handles it


def test_points_month_town_leader_sees_their_squads_officers(client, make, city):
    month = local_day().replace(day=1)
    refresh_month(month, officer_ids=[o.id for o in city.field.values()])
    session.commit()
    ids = {name: officer.id for name, officer in city.field.items()}
    for who, expected in ((city.town_leader, {ids["A1"]}), (city.city_supervisor, set(ids.values()))):
        response = client.get(f"/api/points/monthly?month={month:%Y-%m}&page_size=100", headers=make.headers(who))
        assert response.status_code == 200, response.json
        assert {row["officer_id"] for row in response.json} & set(ids.values()) == expected


def test_orders_and_complaints_report_per_squad_in_scope(client, make, city):
    month = f"{local_day():%Y-%m}"
    for who, expected in ((city.town_leader, [city.a1.id]), (city.admin_a, [city.a1.id, city.a2.id])):
        response = client.get(f"/api/orders/reports/monthly?month={month}", headers=make.headers(who))
        assert response.status_code == 200, response.json
        assert [row["squad_id"] for row in response.json] == expected
    everyone = client.get(f"/api/orders/reports/monthly?month={month}", headers=make.headers(city.city_supervisor))
    assert {city.a1.id, city.a2.id, city.b1.id} <= {row["squad_id"] for row in everyone.json}
    assert client.get(f"/api/orders/reports/monthly?month={month}&squad_id={city.a2.id}",
                      headers=make.headers(city.town_leader)).status_code == 404


def test_training_progress_of_a_squad_town_leader_theirs_city_any(client, make, city):
    def progress(who, squad):
        return client.get(f"/api/training/credits/squad?squad_id={squad.id}", headers=make.headers(who))

    mine = progress(city.town_leader, city.a1)
    assert mine.status_code == 200 and {row["officer"]["id"] for row in mine.json} == {city.field["A1"].id}
    assert progress(city.town_leader, city.a2).status_code == 404
    assert progress(city.town_leader, city.b1).status_code == 404
    other_district = progress(city.city_supervisor, city.b1)
    assert other_district.status_code == 200
    assert {row["officer"]["id"] for row in other_district.json} == {city.field["B1"].id}
    assert progress(city.admin_a, city.b1).status_code == 404


def test_town_leader_reads_their_town_and_officers_only(client, make, city):
    headers = make.headers(city.town_leader)
    towns = client.get("/api/org/towns", headers=headers).json
    assert [(t["id"], t["squad_ids"]) for t in towns] == [(city.t1.id, [city.a1.id])]
    assert client.get(f"/api/org/towns/{city.t2.id}", headers=headers).status_code == 404
    assert client.get(f"/api/org/officers/{city.field['A1'].id}", headers=headers).status_code == 200
    assert client.get(f"/api/org/officers/{city.field['A2'].id}", headers=headers).status_code == 404
    assert client.get(f"/api/org/officers/{city.admin_a.id}", headers=headers).status_code == 404
    assert {s["id"] for s in client.get("/api/org/squads", headers=headers).json} == {city.a1.id}


def test_districts_the_city_sees_all_a_district_its_own(client, make, city):
    def codes(who):
        return {d["id"] for d in client.get("/api/org/districts", headers=make.headers(who)).json}

    assert codes(city.city_admin) >= {city.a1.district_id, city.b1.district_id}
    assert codes(city.admin_a) == {city.a1.district_id}
    assert codes(city.town_leader) == set()  # a district's own record: not the town leader's


# -- observers change nothing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.town_leader, Role.city_supervisor, Role.city_trainer])
def test_observers_change_nothing(client, make, city, role):
    who = city.town_leader if role == Role.town_leader else make.officer(role)
    headers = make.headers(who)
    attempts = [
        ("POST", "/api/org/towns", {"code": "X-1", "name": "某街道"}),
        ("PUT", f"/api/org/squads/{city.a1.id}/town", {"town_id": None}),
        ("POST", "/api/duty/check-ins", {}),
        ("POST", f"/api/community/complaints/{make.complaint(make.office(city.a1)).id}/accept", {}),
    ]
    if role != Role.city_trainer:  # city-wide courses are the city trainer's work (test_city_wide_training.py)
        attempts.append(("POST", "/api/training/courses", {"title": "课", "category": "online", "credit_hours": "1.0"}))
    for method, url, body in attempts:
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 403, (url, response.json)
        assert response.json["error"] in {"read_only_role", "role_forbidden"}, response.json
        assert "无权" in response.json["message"]
    assert city.a1.town_id == city.t1.id
    assert client.post("/api/auth/logout", headers=headers).status_code == 204  # their own session, yes


# -- the district administrator's 街镇, hostile input --------------------------------------------------------

def test_district_admin_creates_a_town_and_attaches_a_squad(client, make, city):
    headers = make.headers(city.admin_a)
    created = client.post("/api/org/towns", headers=headers, json={"code": "JA-NEW", "name": "新街道"})
    assert created.status_code == 201 and created.json["district_id"] == city.a1.district_id
    moved = client.put(f"/api/org/squads/{city.a2.id}/town", headers=headers, json={"town_id": created.json["id"]})
    assert moved.status_code == 200 and moved.json["town_name"] == "新街道"
    assert client.get(f"/api/org/towns/{created.json['id']}", headers=headers).json["squad_ids"] == [city.a2.id]
    assert client.post("/api/org/towns", headers=headers,
                       json={"code": "JA-NEW", "name": "重名"}).json["error"] == "town_code_taken"
    detached = client.put(f"/api/org/squads/{city.a2.id}/town", headers=headers, json={"town_id": None})
    assert detached.status_code == 200 and detached.json["town_id"] is None


def test_attaching_to_an_unknown_or_foreign_town_is_refused(client, make, city):
    headers = make.headers(city.admin_a)
    foreign = make.town(city.b1.district, city.b1)
    for town_id in (foreign.id, 2_000_000_000):
        response = client.put(f"/api/org/squads/{city.a1.id}/town", headers=headers, json={"town_id": town_id})
        assert response.status_code == 422 and response.json["error"] == "unknown_town", response.json
        assert "街镇不存在" in response.json["message"]
    session.refresh(city.a1)
    assert city.a1.town_id == city.t1.id
    # another district's squad, or a town id of the wrong type
    assert client.put(f"/api/org/squads/{city.b1.id}/town", headers=headers,
                      json={"town_id": city.t1.id}).status_code == 404
    assert client.put(f"/api/org/squads/{city.a1.id}/town", headers=headers,
                      json={"town_id": "T1"}).status_code == 422
    assert client.get(f"/api/org/towns/{foreign.id}", headers=headers).status_code == 404


def test_town_leader_accounts_are_tied_to_a_town_of_the_district(client, make, city):
    headers = make.headers(city.admin_a)
    body = {"badge_no": "TL-1", "name": "街道领导", "role": "town_leader", "password": "town-leader-1"}
    assert client.post("/api/org/officers", headers=headers, json=body).json["error"] == "town_required"
    foreign = make.town(city.b1.district)
    refused = client.post("/api/org/officers", headers=headers, json={**body, "town_id": foreign.id})
    assert refused.status_code == 422 and refused.json["error"] == "unknown_town"
    created = client.post("/api/org/officers", headers=headers, json={**body, "town_id": city.t2.id})
    assert created.status_code == 201 and created.json["town_id"] == city.t2.id
    login = client.post("/api/auth/login", json={"badge_no": "TL-1", "password": "town-leader-1"})
    squads = client.get("/api/org/squads", headers={"Authorization": f"Bearer {login.json['token']}"}).json
    assert [s["id"] for s in squads] == [city.a2.id]
    # an officer becoming a squad leader leaves no 街镇 behind; a squad member given a 街镇 is refused
    assert client.post("/api/org/officers", headers=headers, json={
        "badge_no": "TL-2", "name": "队员", "role": "officer", "squad_id": city.a1.id,
        "town_id": city.t1.id}).json["error"] == "town_not_allowed"
    changed = client.patch(f"/api/org/officers/{created.json['id']}", headers=headers, json={"role": "supervisor"})
    assert changed.status_code == 200 and changed.json["town_id"] is None


def test_no_one_gives_a_role_of_the_other_level(client, make, city):
    district_headers, city_headers = make.headers(city.admin_a), make.headers(city.city_admin)
    city_body = {"badge_no": "SH-9", "name": "市局督察", "role": "city_supervisor"}
    refused = client.post("/api/org/officers", headers=district_headers, json=city_body)
    assert refused.status_code == 403 and refused.json["error"] == "role_not_assignable"
    promoted = client.patch(f"/api/org/officers/{city.field['A1'].id}", headers=district_headers,
                            json={"role": "city_admin"})
    assert promoted.status_code == 403 and promoted.json["error"] == "role_not_assignable"

    created = client.post("/api/org/officers", headers=city_headers, json=city_body)
    assert created.status_code == 201 and created.json["district_id"] is None
    assert client.post("/api/org/officers", headers=city_headers, json={
        "badge_no": "SH-10", "name": "队员", "role": "officer", "squad_id": city.a1.id}).status_code == 403
    # the city reads a district's people, but does not manage them; a district admin cannot see the city's
    assert client.get(f"/api/org/officers/{city.field['B1'].id}", headers=city_headers).status_code == 200
    assert client.patch(f"/api/org/officers/{city.field['B1'].id}", headers=city_headers,
                        json={"active": False}).json["error"] == "role_not_assignable"
    assert client.get(f"/api/org/officers/{created.json['id']}", headers=district_headers).status_code == 404


def test_the_database_keeps_city_staff_out_of_districts(make, city):
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Officer(badge_no="SH-X", name="错", role=Role.city_admin, district_id=city.a1.district_id))
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Officer(badge_no="TL-X", name="错", role=Role.town_leader, district_id=city.a1.district_id))


def test_create_city_admin_command(tmp_path):
    env = operator_env(f"sqlite:///{tmp_path / 'operator.db'}")
    assert flask("migrate", env=env).returncode == 0
    done = flask("org", "create-city-admin", "SH-CLI", "市局管理员", "--password", "city-admin-1", env=env)
    assert done.returncode == 0, done.stderr
    assert "已添加市局管理员" in done.stdout
    again = flask("org", "create-city-admin", "SH-CLI", "重复", "--password", "city-admin-1", env=env)
    assert again.returncode != 0 and "已存在" in again.stderr
