"""Supervision findings and the two forms and two letters, through HTTP with the fake WeChat server."""
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.evidence.operations import submit_evidence
from backend.org.models import Role
from backend.outbox import deliver
from backend.supervision.findings.jobs import warn_overdue_notices
from backend.supervision.findings.models import Finding, Notice
from backend.supervision.findings.queries import daily_finding_facts
from tests.fake_wechat import jpeg_bytes


@pytest.fixture
def people(make):
    """A district with a squad (leader, officer) and a supervisor, all on government WeChat."""
    district = make.district(name="静安区")
    squad = make.squad(district, name="南京西路中队")
    return dict(
        district=district, squad=squad,
        officer=make.officer(squad=squad, name="张伟", wechat_userid="zhangwei"),
        leader=make.officer(Role.squad_leader, squad=squad, name="李强", wechat_userid="liqiang"),
        supervisor=make.officer(Role.supervisor, district=district, name="王督察", wechat_userid="wangdc"),
    )


def _finding(client, make, supervisor, **overrides):
    body = dict(type_code="badge", severity="general", place="南京西路 1618 号",
                found_at=(utcnow() - timedelta(hours=1)).isoformat(), description="执法时未出示执法证件")
    body.update(overrides)
    return client.post("/api/supervision/findings", headers=make.headers(supervisor), json=body)


def _titles(fake_wechat, userid):
    """The cards `userid` received, once the outbox has sent what is due."""
    deliver()
    return [m["textcard"]["title"] for m in fake_wechat.messages_to(userid)]


def test_finding_notice_rectification_acceptance(client, make, people, fake_wechat):
    officer, leader, supervisor = people["officer"], people["leader"], people["supervisor"]
    evidence, _ = submit_evidence(supervisor, client_id="dc-1", data=jpeg_bytes(), content_type="image/jpeg",
                                  captured_at=utcnow() - timedelta(hours=1), lat=31.2243, lng=121.4554)
    session.commit()

    found = _finding(client, make, supervisor, officer_id=officer.id, evidence_ids=[evidence.id])
    assert found.status_code == 201, found.json
    finding = found.json
    assert (finding["type_name"], finding["severity_name"], finding["evidence_ids"]) == (
        "未按规定亮证",
        "一般",
        [evidence.id],
    )
    deliver()
    for userid in ("zhangwei", "liqiang"):
        card = fake_wechat.messages_to(userid)[-1]["textcard"]
        assert card["title"] == "督察发现问题通知"
        assert "未按规定亮证" in card["description"] and "张伟" in card["description"]

    rectify_by = local_day() + timedelta(days=7)
    issued = client.post("/api/supervision/notices", headers=make.headers(supervisor), json={
        "kind": "inform", "finding_id": finding["id"], "problem": "执法过程中未主动出示执法证件。",
        "requirement": "立即整改，组织全队学习亮证规范。", "rectify_by": rectify_by.isoformat()})
    assert issued.status_code == 201, issued.json
    notice = issued.json
    assert notice["number"] == f"静安区城管督告〔{local_day().year}〕1号"
    assert (notice["officer_id"], notice["status_name"]) == (officer.id, "待整改")
    assert _titles(fake_wechat, "zhangwei")[-1] == f"督察告知单：{notice['number']}"
    assert _titles(fake_wechat, "liqiang")[-1] == f"督察告知单：{notice['number']}"

    page = client.get(f"/api/supervision/notices/{notice['id']}/print", headers=make.headers(officer))
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "督察告知单" in html and notice["number"] in html and "@page { size: A4" in html
    assert "http" not in html.split("<body>")[0]  # nothing fetched from outside

    url = f"/api/supervision/notices/{notice['id']}"
    photo, _ = submit_evidence(officer, client_id="zw-1", data=jpeg_bytes(), content_type="image/jpeg",
                               captured_at=utcnow() - timedelta(minutes=5), lat=31.2243, lng=121.4554)
    session.commit()
    not_theirs = client.post(f"{url}/rectifications", headers=make.headers(officer),
                             json={"content": "已整改", "evidence_ids": [evidence.id]})  # the supervisor's photo
    assert (not_theirs.status_code, not_theirs.json["error"]) == (422, "evidence_not_found")
    answered = client.post(f"{url}/rectifications", headers=make.headers(officer),
                           json={"content": "已组织全队学习亮证规范。", "evidence_ids": [photo.id]})
    assert answered.status_code == 201, answered.json
    assert answered.json["status"] == "answered"
    assert answered.json["rectifications"][0]["evidence_ids"] == [photo.id]
    assert _titles(fake_wechat, "wangdc")[-1] == f"整改回复待验收：{notice['number']}"
    again = client.post(f"{url}/rectifications", headers=make.headers(officer), json={"content": "再次回复"})
    assert (again.status_code, again.json["error"]) == (409, "rectification_pending")

    no_reason = client.post(f"{url}/review", headers=make.headers(supervisor), json={"accept": False})
    assert (no_reason.status_code, no_reason.json["error"]) == (422, "comment_required")
    returned = client.post(f"{url}/review", headers=make.headers(supervisor),
                           json={"accept": False, "comment": "请补充学习签到表。"})
    assert returned.json["status_name"] == "已退回"
    assert _titles(fake_wechat, "zhangwei")[-1] == f"整改被退回：{notice['number']}"

    client.post(f"{url}/rectifications", headers=make.headers(leader), json={"content": "已补充签到表。"})
    accepted = client.post(f"{url}/review", headers=make.headers(supervisor), json={"accept": True})
    assert accepted.json["status"] == "accepted"
    assert [r["outcome"] for r in accepted.json["rectifications"]] == ["returned", "accepted"]
    assert _titles(fake_wechat, "zhangwei")[-1] == f"整改验收通过：{notice['number']}"

    late = client.post(f"{url}/rectifications", headers=make.headers(officer), json={"content": "补充"})
    assert (late.status_code, late.json["error"]) == (409, "notice_already_accepted")
    assert client.get(url, headers=make.headers(officer)).json["status"] == "accepted"

    facts = {row.officer_id: row for row in daily_finding_facts(local_day(datetime.fromisoformat(finding["found_at"])))}
    assert (facts[officer.id].findings, facts[officer.id].deduction_severity_sum) == (1, 2)


def test_a_finding_recorded_while_wechat_is_down_is_kept_and_its_card_resent_once(client, make, people, fake_wechat):
    officer, supervisor = people["officer"], people["supervisor"]
    fake_wechat.fail("message/send", 45009, times=2)  # the API's rate limit: down for the next two calls
    found = _finding(client, make, supervisor, officer_id=officer.id)
    assert found.status_code == 201, found.json
    assert session.get(Finding, found.json["id"]) is not None
    start = utcnow()

    assert deliver()["failed"] == 1  # one card to the officer and the leader; still down: kept
    assert fake_wechat.messages_to("zhangwei") == []
    with time_machine.travel(start + timedelta(minutes=2), tick=False):  # retried after a minute
        assert deliver()["failed"] == 1
    with time_machine.travel(start + timedelta(minutes=5), tick=False):  # then after two more
        assert deliver()["delivered"] == 1
    card = fake_wechat.messages_to("zhangwei")[-1]["textcard"]
    assert card["title"] == "督察发现问题通知" and "张伟" in card["description"]
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert deliver()["delivered"] == 0
    assert len(fake_wechat.messages_to("zhangwei")) == 1


def test_finding_outside_the_district_is_refused_and_nothing_written(client, make, people, fake_wechat):
    stranger = make.officer(name="外区队员", wechat_userid="stranger")
    response = _finding(client, make, people["supervisor"], officer_id=stranger.id)
    assert response.status_code == 422
    assert response.json["error"] == "officer_not_in_district"
    assert "区局" in response.json["message"]
    assert session.scalar(select(func.count(Finding.id))) == 0
    assert fake_wechat.sent == []


@pytest.mark.parametrize("overrides, code", [
    ({"type_code": "haircut"}, "unknown_finding_type"),
    ({"squad_id": 2**31 - 1}, "target_required"),
    ({"found_at": (utcnow() + timedelta(days=1)).isoformat()}, "found_at_in_future"),
    ({"evidence_ids": [987654]}, "evidence_not_found"),
])
def test_bad_findings_get_a_chinese_4xx(client, make, people, overrides, code):
    response = _finding(client, make, people["supervisor"], officer_id=people["officer"].id, **overrides)
    assert (response.status_code, response.json["error"]) == (422, code)
    assert session.scalar(select(func.count(Finding.id))) == 0


def test_officers_and_leaders_cannot_record_findings(client, make, people):
    response = _finding(client, make, people["leader"], officer_id=people["officer"].id)
    assert (response.status_code, response.json["error"]) == (403, "role_forbidden")


def _issue(client, make, supervisor, kind="inform", **target):
    return client.post("/api/supervision/notices", headers=make.headers(supervisor), json={
        "kind": kind, "problem": "问题", "requirement": "要求", "rectify_by": local_day().isoformat(), **target})


def test_numbers_run_per_district_kind_and_year(client, make, people):
    supervisor, squad = people["supervisor"], people["squad"]
    year = local_day().year
    numbers = [_issue(client, make, supervisor, squad_id=squad.id).json["number"] for _ in range(3)]
    assert numbers == [f"静安区城管督告〔{year}〕{n}号" for n in (1, 2, 3)]
    assert (
        _issue(client, make, supervisor, "decision", squad_id=squad.id).json["number"] == f"静安区城管监决〔{year}〕1号"
    )
    assert (
        _issue(client, make, supervisor, "suggestion", squad_id=squad.id).json["number"]
        == f"静安区城管监建〔{year}〕1号"
    )
    other = make.officer(Role.supervisor, district=make.district(name="黄浦区"))
    other_squad = make.squad(other.district)
    assert _issue(client, make, other, squad_id=other_squad.id).json["number"] == f"黄浦区城管督告〔{year}〕1号"

    to_officer = _issue(client, make, supervisor, "decision", officer_id=people["officer"].id)
    assert (to_officer.status_code, to_officer.json["error"]) == (422, "letter_to_squad_only")
    outside = _issue(client, make, supervisor, squad_id=other_squad.id)
    assert (outside.status_code, outside.json["error"]) == (422, "squad_not_in_district")
    past = client.post("/api/supervision/notices", headers=make.headers(supervisor), json={
        "kind": "supervise", "squad_id": squad.id, "problem": "问题", "requirement": "要求",
        "rectify_by": (local_day() - timedelta(days=1)).isoformat()})
    assert (past.status_code, past.json["error"]) == (422, "rectify_by_in_past")
    # the refused notices took no number
    assert _issue(client, make, supervisor, squad_id=squad.id).json["number"] == f"静安区城管督告〔{year}〕4号"


def test_a_second_notice_of_the_same_kind_on_a_finding_is_refused_and_takes_no_number(client, make, people):
    supervisor = people["supervisor"]
    finding = _finding(client, make, supervisor, officer_id=people["officer"].id).json
    first = _issue(client, make, supervisor, finding_id=finding["id"])
    assert first.status_code == 201, first.json
    again = _issue(client, make, supervisor, finding_id=finding["id"])
    assert (again.status_code, again.json["error"]) == (409, "finding_already_noticed")
    assert again.json["message"] == f"该督察记录已制发过督察告知单（{first.json['number']}），不能重复制发"
    assert again.json["errors"] == {"finding_id": [f"已制发督察告知单 {first.json['number']}。"]}
    # escalating the same finding with a 督办通知单 is not a second copy: it gets the next number of its series
    escalated = _issue(client, make, supervisor, "supervise", finding_id=finding["id"])
    assert escalated.status_code == 201, escalated.json
    assert session.scalar(select(func.count(Notice.id)).where(Notice.finding_id == finding["id"])) == 2
    year = local_day().year
    next_one = _issue(client, make, supervisor, squad_id=people["squad"].id)
    assert next_one.json["number"] == f"静安区城管督告〔{year}〕2号"


def test_scope_supervisor_district_leader_squad_officer_own(client, make, people):
    supervisor, officer, leader = people["supervisor"], people["officer"], people["leader"]
    colleague = make.officer(squad=people["squad"], name="同事")
    mine = _finding(client, make, supervisor, officer_id=officer.id).json["id"]
    theirs = _finding(client, make, supervisor, officer_id=colleague.id).json["id"]
    squad_wide = _finding(client, make, supervisor, squad_id=people["squad"].id).json["id"]

    def ids(person):
        return {f["id"] for f in client.get("/api/supervision/findings", headers=make.headers(person)).json}

    assert ids(supervisor) == ids(leader) == {mine, theirs, squad_wide}
    assert ids(officer) == {mine}
    assert client.get(f"/api/supervision/findings/{theirs}", headers=make.headers(officer)).status_code == 404
    other_supervisor = make.officer(Role.supervisor, district=make.district())
    assert ids(other_supervisor) == set()
    assert client.get(f"/api/supervision/findings/{mine}", headers=make.headers(other_supervisor)).status_code == 404

    notice = _issue(client, make, supervisor, officer_id=colleague.id).json["id"]
    assert client.get(f"/api/supervision/notices/{notice}/print", headers=make.headers(officer)).status_code == 404
    answer = client.post(f"/api/supervision/notices/{notice}/rectifications", headers=make.headers(officer),
                         json={"content": "不是我的"})
    assert answer.status_code == 404


def test_overdue_notices_are_warned_once_by_the_hourly_job(client, make, people, fake_wechat):
    supervisor, squad = people["supervisor"], people["squad"]
    due = _issue(client, make, supervisor, officer_id=people["officer"].id).json
    answered = _issue(client, make, supervisor, squad_id=squad.id).json
    client.post(f"/api/supervision/notices/{answered['id']}/rectifications", headers=make.headers(people["leader"]),
                json={"content": "已整改"})
    deliver()
    fake_wechat.reset()
    end_of_today = datetime.combine(local_day() + timedelta(days=1), datetime.min.time(), LOCAL_TZ)

    assert warn_overdue_notices(now=end_of_today - timedelta(minutes=1)) == 0
    assert warn_overdue_notices(now=end_of_today + timedelta(hours=1)) == 1
    assert warn_overdue_notices(now=end_of_today + timedelta(hours=2)) == 0
    session.commit()
    for userid in ("zhangwei", "liqiang", "wangdc"):
        assert _titles(fake_wechat, userid) == [f"整改超期预警：{due['number']}"]
    assert session.get(Notice, due["id"]).overdue_warned_at is not None


def test_daily_finding_facts_sum_severities_per_officer(make, people):
    supervisor, officer, leader = people["supervisor"], people["officer"], people["leader"]
    day_start = datetime(2026, 3, 10, 9, tzinfo=LOCAL_TZ)
    make.finding(supervisor, officer, found_at=day_start, severity=1)
    make.finding(supervisor, officer, found_at=day_start + timedelta(hours=5), severity=3)
    make.finding(supervisor, leader, found_at=day_start, severity=2)
    make.finding(supervisor, squad=people["squad"], found_at=day_start, severity=3)  # no officer: no deduction
    make.finding(supervisor, officer, found_at=day_start + timedelta(days=1), severity=3)  # another day
    rows = [tuple(row) for row in daily_finding_facts(day_start.date())]
    assert rows == sorted([(officer.id, 2, 4), (leader.id, 1, 2)])
