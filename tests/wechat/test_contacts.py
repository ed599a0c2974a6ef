"""Nightly contacts sync: new, changed and departed members; twice changes nothing."""
import pytest
from sqlalchemy import select

from backend.db import session
from backend.errors import ServiceUnavailable
from backend.org.models import Officer, Role, Squad
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


def _officer(userid) -> Officer:
    return session.scalars(select(Officer).where(Officer.wechat_userid == userid)).one()


def test_new_changed_and_departed_members(make, fake_wechat, jingan):
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
    assert (newbie.badge_no, newbie.name, newbie.phone, newbie.role) == ("newbie", "新队员", "13900000002", Role.officer)
    assert newbie.squad_id == squad.id and newbie.active  # a sub-group belongs to the squad above it
    assert (moved.squad_id, moved.phone) == (jingansi.id, "13800000009")
    assert (admin.name, admin.squad_id) == ("管理员（新）", None)  # district staff keep no squad
    assert unbound.wechat_userid == "chenjing" and unbound.name == "陈静"  # bound by badge number, not duplicated
    assert departed.active is False
    assert session.scalar(select(Officer).where(Officer.wechat_userid.in_(["nosquad", "disabled", "huangpu"]))) is None
    assert fake_wechat.calls["department/list"] == 1 and fake_wechat.calls["user/list"] == 1

    again = sync_contacts()  # idempotent: nothing changes, the member outside any squad is skipped again
    assert again == {**dict.fromkeys(counts, 0), "skipped": 1}


def test_disabled_member_and_removed_squad_are_deactivated_never_deleted(make, fake_wechat, jingan):
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
