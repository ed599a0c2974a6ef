"""The city administrator adds a district bureau and gives it its first administrator, through the API and, as an
operator does on the server, through `flask org create-district` / `create-district-admin`; that administrator
then signs in and runs the district. Bad input is refused in Chinese with a machine code, nothing half-written."""
from __future__ import annotations

from sqlalchemy import create_engine, func, select, text

from backend.audit import AuditEntry
from backend.db import session
from backend.org.models import District, Officer, Role
from tests.test_readme_commands import flask, operator_env


def test_the_city_administrator_adds_a_district_and_its_first_administrator(client, make):
    city = make.headers(make.officer(Role.city_admin))
    created = client.post("/api/org/districts", json={"code": " HP ", "name": "黄浦区城管执法局",
                                                      "wechat_department_id": 300}, headers=city)
    assert created.status_code == 201, created.json
    assert (created.json["code"], created.json["name"]) == ("HP", "黄浦区城管执法局")
    district_id = created.json["id"]
    assert [d["code"] for d in client.get("/api/org/districts", headers=city).json] == ["HP"]

    admin = client.post(f"/api/org/districts/{district_id}/admins", headers=city, json={
        "badge_no": "HP0001", "name": "陈明", "password": "hp-admin-1", "phone": "13800001111"})
    assert admin.status_code == 201, admin.json
    assert (admin.json["role"], admin.json["district_id"], admin.json["squad_id"]) == (
        "district_admin", district_id, None)
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type.in_(["district", "officer"]), AuditEntry.outcome == 201)) == 2

    # the new administrator signs in and sets up the district: a squad of its own
    login = client.post("/api/auth/login", json={"badge_no": "HP0001", "password": "hp-admin-1"})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    squad = client.post("/api/org/squads", json={"name": "外滩街道中队"}, headers=headers)
    assert squad.status_code == 201 and squad.json["district_id"] == district_id

    # a second administrator is the district's own business, not the city's
    again = client.post(f"/api/org/districts/{district_id}/admins", headers=city, json={
        "badge_no": "HP0002", "name": "王军", "password": "hp-admin-2"})
    assert (again.status_code, again.json["error"]) == (409, "district_has_admin")
    assert "已有区局管理员" in again.json["message"]


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client, make):
    existing = make.district(code="JA", name="静安区城管执法局", wechat_department_id=100)
    make.officer(Role.officer, badge_no="JA1002", district=existing)
    city = make.headers(make.officer(Role.city_admin))
    before = session.scalar(select(func.count()).select_from(District))
    for body, status, code, field in [
        ({"code": "JA", "name": "新区"}, 409, "district_code_taken", "code"),
        ({"code": "XH", "name": "静安区城管执法局"}, 409, "district_name_taken", "name"),
        ({"code": "XH", "name": "徐汇区", "wechat_department_id": 100}, 409, "wechat_department_taken",
         "wechat_department_id"),
        ({"code": "  ", "name": "徐汇区"}, 422, "district_fields_required", "code"),
    ]:
        response = client.post("/api/org/districts", json=body, headers=city)
        assert (response.status_code, response.json["error"]) == (status, code), response.json
        assert field in response.json["errors"] and response.json["message"]
    for body in ({"name": "徐汇区"}, {"code": "X" * 33, "name": "徐汇区"}, {"code": "XH", "name": "徐汇区",
                                                                           "wechat_department_id": 0}):
        response = client.post("/api/org/districts", json=body, headers=city)
        assert response.status_code == 422 and response.json["error"], body
    assert session.scalar(select(func.count()).select_from(District)) == before

    unknown = client.post("/api/org/districts/999999/admins", headers=city,
                          json={"badge_no": "XH0001", "name": "李", "password": "xh-admin-1"})
    assert (unknown.status_code, unknown.json["error"]) == (404, "not_found")
    district = make.district(code="XH", name="徐汇区")
    for body, status, code in [({"badge_no": "JA1002", "name": "李", "password": "xh-admin-1"}, 409, "badge_no_taken"),
                               ({"badge_no": "XH0001", "name": "李", "password": "short"}, 422, "validation_error"),
                               ({"badge_no": "XH0001", "name": "李"}, 422, "validation_error")]:
        response = client.post(f"/api/org/districts/{district.id}/admins", headers=city, json=body)
        assert (response.status_code, response.json["error"]) == (status, code), response.json
    assert session.scalar(select(Officer.id).where(Officer.district_id == district.id)) is None


def test_only_the_city_administrator_adds_districts(client, make):
    district = make.district()
    for role in (Role.district_admin, Role.city_supervisor, Role.city_trainer, Role.town_leader):
        headers = make.headers(make.officer(role, district=district))
        refused = client.post("/api/org/districts", json={"code": "QP", "name": "青浦区"}, headers=headers)
        assert refused.status_code == 403 and refused.json["error"] in ("role_forbidden", "read_only_role"), role
    assert session.scalar(select(District.id).where(District.code == "QP")) is None


def test_the_operator_adds_a_district_and_its_administrator_on_the_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'operator.db'}"
    env = operator_env(url)
    assert flask("migrate", env=env).returncode == 0
    done = flask("org", "create-district", "PD", "浦东新区城管执法局", "--wechat-department-id", "400", env=env)
    assert done.returncode == 0, done.stderr
    assert "已添加区局 浦东新区城管执法局（编码 PD" in done.stdout
    taken = flask("org", "create-district", "PD", "另一个", env=env)
    assert taken.returncode != 0 and "区局编码 PD 已存在（district_code_taken）" in taken.stderr

    admin = flask("org", "create-district-admin", "PD", "PD0001", "周敏", "--password", "pd-admin-1", env=env)
    assert admin.returncode == 0, admin.stderr
    assert "已为区局 PD 添加区局管理员 周敏（工号 PD0001）" in admin.stdout
    second = flask("org", "create-district-admin", "PD", "PD0002", "吴", "--password", "pd-admin-2", env=env)
    assert second.returncode != 0 and "district_has_admin" in second.stderr
    unknown = flask("org", "create-district-admin", "ZZ", "ZZ0001", "吴", "--password", "zz-admin-1", env=env)
    assert unknown.returncode != 0 and "没有编码为 ZZ 的区局" in unknown.stderr
    short = flask("org", "create-district-admin", "PD", "PD0003", "吴", "--password", "short", env=env)
    assert short.returncode != 0 and "密码至少 8 位" in short.stderr

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("select o.badge_no, o.role, d.code from officer o join district d"
                                 " on d.id = o.district_id")).all()
        audit = conn.execute(text("select action from audit_entry where action like 'command org%' order by id")).all()
    engine.dispose()
    assert rows == [("PD0001", "district_admin", "PD")]
    assert [a for (a,) in audit] == ["command org create-district", "command org create-district-admin"]
