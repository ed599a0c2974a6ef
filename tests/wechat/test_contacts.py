"""Nightly contacts sync: new, changed and departed members; twice changes nothing.

The fake server lists members one department at a time, as WeCom does (`fetch_child` is ignored).
"""
import logging
from datetime import date

import pytest
from sqlalchemy import func, select

from backend.db import session
from backend.errors import ServiceUnavailable
from backend.org.models import Officer, Role, Squad
from backend.scheduler import FAILED, JOBS, SUCCEEDED, JobRun, run_job
from backend.wechat.contacts import sync_contacts

DEPARTMENTS = [
    {"id": 1, "name": "上海市", "parentid": 0},
    {"id": 100, "name": "静安区城管执法局", "parentid": 1},
    {"id": 101, "name": "南京西路中队", "parentid": 100},
    {"id": 102, "name": "静安寺中队", "parentid": 100},
    {"id": 1011, "name": "南京西路中队一组", "parentid": 101},
    {"id": 200, "name": "黄浦区城管执法局", "parentid": 1},  # a district this system does not run
    {"id": 201, "name": "外滩中队", "parentid": 200},
]


def _user(userid, name, department, **kw):
    return {"userid": userid, "name": name, "department": [department], "status": 1, **kw}


@pytest.fixture
def jingan(make):
    district = make.district(name="静安区", wechat_department_id=100)
    squad = make.squad(district, name="南京西路中队", wechat_department_id=101)
    return district, squad


@pytest.fixture
def any_share_may_leave(app, monkeypatch):
    """These tests are about what a departure does, not about the guard against mass deactivation."""
    monkeypatch.setitem(app.config, "WECHAT_SYNC_MAX_DEACTIVATE_PERCENT", 100)


def _officer(userid) -> Officer:
    return session.scalars(select(Officer).where(Officer.wechat_userid == userid)).one()


def test_new_changed_and_departed_members(make, fake_wechat, jingan, any_share_may_leave):
    district, squad = jingan
    moved = make.officer(squad=squad, wechat_userid="wangfang", name="王芳", phone="13800000001")
    departed = make.officer(squad=squad, wechat_userid="zhaolei")
    admin = make.officer(Role.district_admin, district=district, wechat_userid="admin1", name="管理员")
    unbound = make.officer(squad=squad, badge_no="JA0042")  # made by an admin before WeChat was rolled out
    fake_wechat.set_directory(DEPARTMENTS, [
        _user("newbie", "新队员", 1011, mobile="13900000002"),
        _user("wangfang", "王芳", 102, mobile="13800000009"),
        _user("admin1", "管理员（新）", 100),
        _user("chenjing", "陈静", 101, extattr={"attrs": [{"type": 0, "name": "工号", "text": {"value": "JA0042"}}]}),
        _user("nosquad", "区局新人", 100),
        _user("disabled", "停用者", 101, status=2),
        _user("huangpu", "黄浦队员", 201),
    ])

    counts = sync_contacts()

    assert counts == {"created": 1, "updated": 3, "deactivated": 1, "skipped": 1,
                      "squads_created": 1, "squads_updated": 0, "squads_deactivated": 0}
    jingansi = session.scalars(select(Squad).where(Squad.wechat_department_id == 102)).one()
    assert (jingansi.name, jingansi.district_id, jingansi.active) == ("静安寺中队", district.id, True)
    newbie = _officer("newbie")
    assert (newbie.badge_no, newbie.name, newbie.phone, newbie.role) == (
        "newbie",
        "新队员",
        "13900000002",
        Role.officer,
    )
    assert newbie.squad_id == squad.id and newbie.active  # a sub-group belongs to the squad above it
    assert (moved.squad_id, moved.phone) == (jingansi.id, "13800000009")
    assert (admin.name, admin.squad_id) == ("管理员（新）", None)  # district staff keep no squad
    assert unbound.wechat_userid == "chenjing" and unbound.name == "陈静"  # bound by badge number, not duplicated
    assert departed.active is False
    assert session.scalar(select(Officer).where(Officer.wechat_userid.in_(["nosquad", "disabled", "huangpu"]))) is None
    assert fake_wechat.calls["department/list"] == 1
    assert fake_wechat.calls["user/list"] == 4  # one call per department of the district's subtree

    again = sync_contacts()  # idempotent: nothing changes, the member outside any squad is skipped again
    assert again == {**dict.fromkeys(counts, 0), "skipped": 1}


def test_disabled_member_and_removed_squad_are_deactivated_never_deleted(make, fake_wechat, jingan,
                                                                       any_share_may_leave):
    district, squad = jingan
    officer = make.officer(squad=squad, wechat_userid="liu")
    fake_wechat.set_directory(DEPARTMENTS[:2], [_user("liu", officer.name, 100, status=2)])

    counts = sync_contacts()

    assert (counts["deactivated"], counts["squads_deactivated"]) == (1, 1)
    assert officer.active is False and squad.active is False
    assert session.get(Officer, officer.id) is not None


def test_contacts_secret_is_used_for_the_directory(app, make, fake_wechat, jingan):
    fake_wechat.secrets.discard(app.config["WECHAT_SECRET"])  # only the directory secret works
    try:
        fake_wechat.set_directory(DEPARTMENTS, [])
        assert sync_contacts()["squads_created"] == 1
    finally:
        fake_wechat.secrets.add(app.config["WECHAT_SECRET"])


def test_wechat_failure_changes_nothing(make, fake_wechat, jingan):
    district, squad = jingan
    officer = make.officer(squad=squad, wechat_userid="liu")
    fake_wechat.set_directory(DEPARTMENTS, [])
    fake_wechat.fail("user/list", 45009)

    with pytest.raises(ServiceUnavailable):
        sync_contacts()

    assert officer.active is True
    assert session.scalar(select(Squad).where(Squad.wechat_department_id == 102)) is None


def test_district_missing_from_the_directory_deactivates_nobody(make, fake_wechat, jingan):
    district, squad = jingan
    officer = make.officer(squad=squad, wechat_userid="liu")
    fake_wechat.set_directory([{"id": 1, "name": "上海市", "parentid": 0}], [])  # no visibility of 100

    with pytest.raises(ServiceUnavailable) as raised:
        sync_contacts()

    assert raised.value.code == "wechat_directory_incomplete"
    assert officer.active is True and squad.active is True


def test_cli_command_prints_the_counts(app, make, fake_wechat, jingan):
    fake_wechat.set_directory(DEPARTMENTS, [_user("newbie", "新队员", 101)])

    result = app.test_cli_runner().invoke(args=["wechat", "sync-contacts"])

    assert result.exit_code == 0, result.output
    assert "新增人员 1" in result.output and "新增中队 1" in result.output
    assert _officer("newbie").name == "新队员"


def test_cli_command_reports_a_wechat_failure(app, make, fake_wechat, jingan):
    fake_wechat.fail("department/list", 45009)

    result = app.test_cli_runner().invoke(args=["wechat", "sync-contacts"])

    assert result.exit_code == 1
    assert "过于频繁" in result.output


def _district_of_squads(make):
    """静安: a district department (100) with two squads (101, 102) and a group under 101 (1011)."""
    district = make.district(name="静安区", wechat_department_id=100)
    nanjing = make.squad(district, name="南京西路中队", wechat_department_id=101)
    jingansi = make.squad(district, name="静安寺中队", wechat_department_id=102)
    officers = {
        "admin1": make.officer(Role.district_admin, district=district, wechat_userid="admin1", name="管理员"),
        "wang": make.officer(squad=nanjing, wechat_userid="wang", name="王队员"),
        "li": make.officer(squad=nanjing, wechat_userid="li", name="李队员"),
        "zhao": make.officer(squad=jingansi, wechat_userid="zhao", name="赵队员"),
        "sun": make.officer(squad=jingansi, wechat_userid="sun", name="孙队员"),
    }
    members = [_user("admin1", "管理员", 100), _user("wang", "王队员", 101), _user("li", "李队员", 1011),
               _user("zhao", "赵队员", 102), _user("sun", "孙队员", 102)]
    return district, officers, members


def test_a_directory_listed_one_department_at_a_time_deactivates_nobody_still_there(make, fake_wechat):
    district, officers, members = _district_of_squads(make)
    fake_wechat.set_directory(DEPARTMENTS, members)

    counts = sync_contacts()

    assert counts["deactivated"] == 0
    assert all(officer.active for officer in officers.values())


def test_a_deployment_that_refuses_directory_details_is_read_through_the_id_lists(make, fake_wechat):
    district, officers, members = _district_of_squads(make)
    members[3] = _user("zhao", "赵队员", 1011)  # moved to a group of 南京西路中队
    fake_wechat.set_directory(DEPARTMENTS + [{"id": 103, "name": "江宁路中队", "parentid": 100}], members + [
        _user("newbie", "新队员", 103, mobile="13900000002"), _user("huangpu", "黄浦队员", 201)])
    fake_wechat.directory_ids_only = True  # user/list and department/list answer 48009
    fake_wechat.id_page_size = 3  # seven (userid, department) pairs: three pages

    counts = sync_contacts()

    assert (counts["created"], counts["deactivated"], counts["squads_created"]) == (1, 0, 1)
    assert officers["zhao"].squad.wechat_department_id == 101
    newbie = _officer("newbie")
    assert (newbie.name, newbie.phone, newbie.squad.name) == ("新队员", "13900000002", "江宁路中队")
    assert session.scalar(select(Officer).where(Officer.wechat_userid == "huangpu")) is None
    assert fake_wechat.calls["department/simplelist"] == 1 and fake_wechat.calls["user/list_id"] == 3
    assert sync_contacts() == dict.fromkeys(counts, 0)  # twice changes nothing


def test_a_sync_that_would_deactivate_most_officers_is_refused_and_recorded(committed_app, make, fake_wechat,
                                                                             caplog):
    district, officers, members = _district_of_squads(make)
    fake_wechat.set_directory(DEPARTMENTS, members[:2])  # the squads' members are out of the secret's sight
    session.commit()
    job = next(job for job in JOBS if job.id == "wechat.contacts_sync")

    assert run_job(committed_app, job, date(2026, 12, 2)) == FAILED

    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Officer).where(Officer.active.is_(False))) == 0
        error = conn.scalar(select(JobRun.error).where(JobRun.job_id == job.id))
    assert "停用 3 人" in error and "未同步" in error
    assert any("未同步" in record.getMessage() for record in caplog.records)


def test_unconfigured_wechat_skips_the_nightly_sync_with_one_line(committed_app, make, monkeypatch, caplog):
    make.district(name="静安区", wechat_department_id=100)
    session.commit()
    monkeypatch.setitem(committed_app.config, "WECHAT_CORP_ID", "")
    monkeypatch.setitem(committed_app.extensions, "wechat_clients", {})
    job = next(job for job in JOBS if job.id == "wechat.contacts_sync")
    caplog.set_level(logging.INFO)

    assert run_job(committed_app, job, date(2026, 12, 2)) == SUCCEEDED

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    said = [record.getMessage() for record in caplog.records if record.name.startswith("backend.wechat")]
    assert said == ["政务微信尚未配置，跳过通讯录同步"]


def test_cli_command_says_when_wechat_is_not_configured(app, make, monkeypatch):
    make.district(name="静安区", wechat_department_id=100)
    monkeypatch.setitem(app.config, "WECHAT_CORP_ID", "")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})

    result = app.test_cli_runner().invoke(args=["wechat", "sync-contacts"])

    assert result.exit_code == 1
    assert "政务微信尚未配置" in result.output and "同步完成" not in result.output


def test_a_departed_members_sessions_end_and_stay_ended_when_they_return(client, make, fake_wechat, jingan,
                                                                        any_share_may_leave):
    district, squad = jingan
    officer = make.officer(squad=squad, wechat_userid="sun")
    headers = make.headers(officer)
    assert client.get("/api/duty/today", headers=headers).status_code == 200
    fake_wechat.set_directory(DEPARTMENTS, [])
    sync_contacts()
    assert officer.active is False

    admin = make.officer(Role.district_admin, district=district)  # back after a mistaken removal
    back = client.patch(f"/api/org/officers/{officer.id}", json={"active": True}, headers=make.headers(admin))

    assert back.status_code == 200 and back.json["active"] is True
    answer = client.get("/api/duty/today", headers=headers)
    assert (answer.status_code, answer.json["error"]) == (401, "token_invalid")  # signs in again, as anyone does


def test_a_squad_renamed_in_the_console_keeps_its_name_and_the_status_shows_the_directorys(
        client, make, fake_wechat, jingan):
    district, squad = jingan
    other = make.squad(district, name="江宁路中队")  # made in the console, not in the directory
    admin = make.officer(Role.district_admin, district=district)
    headers = make.headers(admin)
    fake_wechat.set_directory(DEPARTMENTS, [])
    sync_contacts()
    jingansi = session.scalars(select(Squad).where(Squad.wechat_department_id == 102)).one()
    assert (squad.wechat_name, jingansi.name, jingansi.wechat_name) == ("南京西路中队", "静安寺中队", "静安寺中队")

    renamed = client.patch(f"/api/org/squads/{squad.id}", json={"name": "南京西路街道中队"}, headers=headers)
    assert renamed.status_code == 200
    renamed_in_directory = [dict(d, name="静安寺街道中队") if d["id"] == 102 else d for d in DEPARTMENTS]
    renamed_in_directory = [dict(d, name="南京西路中队（新）") if d["id"] == 101 else d for d in renamed_in_directory]
    fake_wechat.set_directory(renamed_in_directory, [])
    session.expire_all()  # the nightly job reads afresh

    counts = sync_contacts()

    session.expire_all()
    assert counts["squads_updated"] == 2
    # the console's name stays; a squad nobody renamed follows the directory
    assert (squad.name, squad.wechat_name) == ("南京西路街道中队", "南京西路中队（新）")
    assert (jingansi.name, jingansi.wechat_name) == ("静安寺街道中队", "静安寺街道中队")
    status = client.get("/api/org/contacts-sync", headers=headers).json
    assert status["renamed_squads"] == [
        {"id": squad.id, "name": "南京西路街道中队", "wechat_name": "南京西路中队（新）"}]
    assert sync_contacts()["squads_updated"] == 0  # nothing written back, nothing to do the second time

    # a directory department named like a squad of the district: the name stays unique, marked by its department
    fake_wechat.set_directory(renamed_in_directory + [{"id": 103, "name": "江宁路中队", "parentid": 100}], [])
    assert sync_contacts()["squads_created"] == 1
    new = session.scalars(select(Squad).where(Squad.wechat_department_id == 103)).one()
    assert (new.name, new.wechat_name, other.name) == ("江宁路中队（通讯录部门 103）", "江宁路中队", "江宁路中队")
