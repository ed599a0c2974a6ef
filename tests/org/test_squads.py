"""A district administrator adds and renames squads: names unique in the district, refused in Chinese beside the
field when empty, too long, taken, or holding text no column can store."""
from __future__ import annotations

from sqlalchemy import select

from backend.db import session
from backend.org.models import Role, Squad


def test_an_administrator_adds_a_squad_and_renames_it(client, make):
    squad = make.squad()
    admin = make.officer(Role.district_admin, district=squad.district)
    headers = make.headers(admin)

    created = client.post("/api/org/squads", json={"name": "  曹家渡街道中队 "}, headers=headers)
    assert created.status_code == 201
    assert (created.json["name"], created.json["district_id"], created.json["active"]) == (
        "曹家渡街道中队", squad.district_id, True)
    listed = client.get("/api/org/squads", headers=headers).json
    assert [s["name"] for s in listed][-1] == "曹家渡街道中队"

    renamed = client.patch(f"/api/org/squads/{created.json['id']}", json={"name": "曹家渡中队"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json["name"] == "曹家渡中队"
    same = client.patch(f"/api/org/squads/{created.json['id']}", json={"name": "曹家渡中队"}, headers=headers)
    assert same.status_code == 200  # its own name is no clash
    assert session.scalar(select(Squad.name).where(Squad.id == created.json["id"])) == "曹家渡中队"


def test_bad_names_are_refused_beside_the_field_in_chinese(client, make):
    squad = make.squad(name="静安寺街道中队")
    other = make.squad(district=squad.district, name="南京西路街道中队")
    elsewhere = make.squad(name="外区中队")  # another district may use any name
    headers = make.headers(make.officer(Role.district_admin, district=squad.district))

    for name, status, code, field in [("", 422, "squad_name_required", "不能为空。"),
                                      ("　 ", 422, "squad_name_required", "不能为空。"),
                                      ("中" * 65, 422, "squad_name_too_long", "长度不能超过 64。"),
                                      ("静安寺街道中队", 409, "squad_name_taken", "已被本区其他中队使用。")]:
        response = client.post("/api/org/squads", json={"name": name}, headers=headers)
        assert (response.status_code, response.json["error"], response.json["errors"]["name"]) == (
            status, code, [field]), name
    renamed = client.patch(f"/api/org/squads/{other.id}", json={"name": "静安寺街道中队"}, headers=headers)
    assert (renamed.status_code, renamed.json["error"]) == (409, "squad_name_taken")
    assert "本区已有名为“静安寺街道中队”的中队" == renamed.json["message"]

    surrogate = client.post("/api/org/squads", data='{"name": "\\ud800中队"}', headers={
        **headers, "Content-Type": "application/json"})
    assert surrogate.status_code == 400 and surrogate.json["error"] == "invalid_text"
    assert "无法保存的字符" in surrogate.json["message"]
    missing = client.post("/api/org/squads", json={}, headers=headers)
    assert missing.status_code == 422 and "name" in missing.json["errors"]["json"]
    assert client.post("/api/org/squads", json={"name": "外区中队"}, headers=headers).status_code == 201
    foreign = client.patch(f"/api/org/squads/{elsewhere.id}", json={"name": "X"}, headers=headers)
    assert foreign.status_code == 404


def test_only_district_administrators_add_or_rename_squads(client, make):
    squad = make.squad()
    for role in (Role.squad_leader, Role.officer, Role.supervisor, Role.trainer):
        headers = make.headers(make.officer(role, squad=squad if role in (Role.squad_leader, Role.officer) else None,
                                            district=squad.district))
        assert client.post("/api/org/squads", json={"name": "新中队"}, headers=headers).status_code == 403
        assert client.patch(f"/api/org/squads/{squad.id}", json={"name": "新中队"}, headers=headers).status_code == 403
    assert session.scalar(select(Squad.id).where(Squad.name == "新中队")) is None


def test_the_migration_renames_existing_duplicates_before_the_constraint(tmp_path):
    import pytest
    from alembic import command
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from backend.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'squads.db'}"
    command.upgrade(alembic_config(url), "0130")
    engine = create_engine(url)
    long_name = "长" * 64
    with engine.begin() as conn:
        conn.execute(text("insert into district (id, code, name) values (1, 'JA', '静安区'), (2, 'HP', '黄浦区')"))
        conn.execute(text("insert into squad (id, district_id, name, active, wechat_department_id) values"
                          " (1, 1, '南京西路中队', 1, 101), (2, 1, '南京西路中队', 1, null),"
                          " (3, 2, '南京西路中队', 1, null),"
                          f" (4, 1, '{long_name}', 1, null), (5, 1, '{long_name}', 1, null)"))
    command.upgrade(alembic_config(url), "0170")
    with engine.connect() as conn:
        rows = conn.execute(text("select id, name, wechat_name from squad order by id")).all()
    assert rows[:3] == [(1, "南京西路中队", "南京西路中队"), (2, "南京西路中队（重名 #2）", None),
                        (3, "南京西路中队", None)]  # the oldest keeps the name; another district's is no duplicate
    assert rows[3][1] == long_name and rows[4][1] == "长" * 57 + "（重名 #5）" and len(rows[4][1]) == 64
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text("insert into squad (district_id, name, active) values (1, '南京西路中队', 1)"))
    command.downgrade(alembic_config(url), "0130")
    engine.dispose()
