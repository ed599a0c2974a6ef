"""不予立案 and 撤案: a case the visit did not verify (never 立案) or one that was 立案 ends with the squad's reason
and a legal reviewer's approval, never the proposer's; the 两超期两随意 clock takes it as a withdrawal with its
reason and approver (not 随意撤案), the timeline, the audit log and the monthly report show it. Through HTTP."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import local_day, session
from backend.nonsite.models import NonsiteCase
from backend.org.models import Role
from backend.supervision.cases.models import Case, FlagKind
from backend.supervision.cases.operations import track
from backend.supervision.cases.queries import daily_case_facts
from tests.nonsite.platform import alert, camera, send, to_notice


def _step(client, make, who, case_id, step, body=None):
    return client.post(f"/api/nonsite/cases/{case_id}/{step}", headers=make.headers(who), json=body)


def _case(client, make, who, case_id):
    response = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def _confirmed(client, make, squad, leader, **fields) -> int:
    cam = camera(client, make, squad, kinds=("out_of_store", "muck_uncovered"))
    sent = send(client, alert(cam["code"], **fields)).json
    triaged = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                          json={"decision": "confirmed", "reason": "研判属实"})
    assert triaged.status_code == 200, triaged.json
    return triaged.json["case_id"]


def _not_verified(client, make, squad, leader) -> int:
    case_id = _confirmed(client, make, squad, leader, kind="out_of_store", plate=None, shop="老王水果店")
    order_id = _case(client, make, leader, case_id)["verification_order_id"]
    returned = client.post(f"/api/orders/{order_id}/actions", headers=make.headers(leader),
                           json={"action": "return", "text": "到场时已无跨门营业，店主称系临时卸货"})
    assert returned.status_code == 200, returned.json
    return case_id


def _clock(case_id: int) -> Case:
    session.expire_all()
    return session.scalars(select(Case).where(Case.number == f"非现场-{case_id}")).one()


def _report(client, make, who) -> dict:
    month = f"{local_day():%Y-%m}"
    response = client.get("/api/nonsite/reports/monthly", headers=make.headers(who), query_string={"month": month})
    assert response.status_code == 200, response.json
    [row] = response.json
    return row


def test_a_case_the_visit_did_not_verify_ends_as_not_registered_once_a_legal_reviewer_approves(
        client, make, squad, leader, reviewer):
    case_id = _not_verified(client, make, squad, leader)
    case = _case(client, make, leader, case_id)
    assert (case["registered_at"], case["state_name"]) == (None, "现场未能核实（未立案）")
    assert _clock(case_id).registered_on is None  # not 立案: the registration deadline still runs

    proposed = _step(client, make, leader, case_id, "end", {"reason": "现场未能核实，证据不足以立案"})
    assert proposed.status_code == 200, proposed.json
    assert (proposed.json["state"], proposed.json["ending"], proposed.json["ending_name"]) == (
        "ending", "not_registered", "不予立案")
    assert _clock(case_id).withdrawn_on is None  # not yet: only the approval ends it
    assert _step(client, make, leader, case_id, "end/review", {"approve": True, "comment": "同意"}).status_code == 403

    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意不予立案"})
    assert approved.status_code == 200, approved.json
    assert (approved.json["state"], approved.json["state_name"]) == ("not_registered", "不予立案")
    assert approved.json["ended_at"] and approved.json["ending_comment"] == "同意不予立案"
    steps = [(step["step"], step["officer_id"]) for step in approved.json["timeline"]]
    assert steps[-2:] == [("ending_proposed", leader.id), ("ending_reviewed", reviewer.id)]
    assert [step["note"] for step in approved.json["timeline"][-2:]] == ["现场未能核实，证据不足以立案", "同意不予立案"]

    record = _clock(case_id)
    assert (record.registered_on, record.withdrawn_on, record.withdrawal_reason) == (
        None, local_day(), "现场未能核实，证据不足以立案")
    assert reviewer.badge_no in record.withdrawal_approved_by
    assert FlagKind.arbitrary_withdrawal not in {flag.kind for flag in record.flags}
    facts = {row.officer_id: row for row in daily_case_facts(local_day())}
    assert leader.id not in facts or not facts[leader.id].arbitrary_withdrawals  # no deduction, no credit
    assert leader.id not in facts or not facts[leader.id].cases_closed

    row = _report(client, make, leader)
    assert (row["cases"], row["not_registered"], row["withdrawn"]) == (0, 1, 0)
    audited = session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "nonsite_case", AuditEntry.object_id == str(case_id), AuditEntry.outcome == 200))
    assert {"POST nonsite.case_end", "POST nonsite.case_end_review"} <= set(audited)
    again = _step(client, make, leader, case_id, "submit", {"facts": "事实", "legal_basis": "依据", "fine": 100})
    assert (again.status_code, again.json["error"]) == (409, "wrong_state")

    archived = client.get(f"/api/nonsite/cases/{case_id}/archive", headers=make.headers(reviewer))
    assert archived.status_code == 200, archived.json
    with zipfile.ZipFile(io.BytesIO(archived.data)) as archive:
        filed = json.loads(archive.read("case.json"))
        assert len([name for name in archive.namelist() if name.startswith("evidence/")]) == 1
    assert (filed["state_name"], filed["ending_reason"]) == ("不予立案", "现场未能核实，证据不足以立案")
    assert [step["step"] for step in filed["timeline"]][-2:] == ["ending_proposed", "ending_reviewed"]


def test_a_registered_case_is_withdrawn_after_a_return_and_a_second_proposal(client, make, squad, leader, reviewer):
    case_id = _confirmed(client, make, squad, leader)  # a muck truck: 立案 when confirmed
    assert _case(client, make, leader, case_id)["registered_at"]
    assert _step(client, make, leader, case_id, "end", {"reason": "车辆系执行应急任务"}).json["ending"] == "withdrawn"
    returned = _step(client, make, reviewer, case_id, "end/review", {"approve": False, "comment": "须附应急任务证明"})
    assert (returned.json["state"], returned.json["ending_comment"], returned.json["ended_at"]) == (
        "registered", "须附应急任务证明", None)
    assert _clock(case_id).withdrawn_on is None
    _step(client, make, leader, case_id, "end", {"reason": "车辆系执行应急任务，附区建管委证明"})
    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意撤案"})
    assert (approved.json["state"], approved.json["state_name"]) == ("withdrawn", "已撤案")
    timeline = client.get(f"/api/nonsite/cases/{case_id}/timeline", headers=make.headers(leader)).json
    assert [(step["name"], step["note"]) for step in timeline[2:]] == [
        ("提出撤案", "车辆系执行应急任务"), ("撤案未获批准，退回", "须附应急任务证明"),
        ("提出撤案", "车辆系执行应急任务，附区建管委证明"), ("撤案获批准", "同意撤案")]
    record = _clock(case_id)
    assert (record.registered_on, record.withdrawn_on) == (local_day(), local_day())
    assert not record.flags
    row = _report(client, make, leader)
    assert (row["cases"], row["not_registered"], row["withdrawn"]) == (1, 0, 1)


def test_a_withdrawal_without_its_approval_is_flagged_arbitrary_at_once(make):
    """What the clock would do with a withdrawal lacking its approval: 随意撤案 the moment it is recorded,
    a deduction in the officer's daily facts (the non-site steps never record one; this is the rule they feed)."""
    officer = make.officer()
    record = track("非现场-测试", district_id=officer.district_id, squad_id=officer.squad_id, officer_id=officer.id,
                   discovered_on=local_day(), registered_on=local_day(), withdrawn_on=local_day(),
                   withdrawal_reason="理由", withdrawal_approved_by=None)
    assert {flag.kind for flag in record.flags} == {FlagKind.arbitrary_withdrawal}
    facts = {row.officer_id: row for row in daily_case_facts(local_day())}
    assert facts[officer.id].arbitrary_withdrawals == 1


def test_bad_endings_are_refused_with_a_reason_and_change_nothing(client, make, squad, leader, reviewer,
                                                                   suishenban):
    pending = _confirmed(client, make, squad, leader, kind="out_of_store", plate=None, shop="老李烟杂店")
    refused = _step(client, make, leader, pending, "end", {"reason": "理由"})
    assert (refused.status_code, refused.json["error"]) == (409, "awaiting_verification")
    assert "核实" in refused.json["message"]

    noticed = _confirmed(client, make, squad, leader)
    to_notice(client, make, leader, reviewer, noticed)
    late = _step(client, make, leader, noticed, "end", {"reason": "理由"})
    assert (late.status_code, late.json["error"]) == (409, "wrong_state") and "告知书" in late.json["message"]

    case_id = _confirmed(client, make, squad, leader)
    not_proposed = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意"})
    assert (not_proposed.status_code, not_proposed.json["error"]) == (409, "wrong_state")
    officer, stranger = make.officer(squad=squad), make.officer(Role.squad_leader)
    assert _step(client, make, officer, case_id, "end", {"reason": "理由"}).status_code == 403
    assert _step(client, make, stranger, case_id, "end", {"reason": "理由"}).status_code == 404
    for body in ({}, {"reason": ""}, {"reason": "长" * 501}, {"reason": 5}, {"reason": "理由", "extra": 1}):
        response = _step(client, make, leader, case_id, "end", body)
        assert response.status_code == 422 and response.json["message"], body
    huge = client.post(f"/api/nonsite/cases/{case_id}/end", headers=make.headers(leader),
                       data=json.dumps({"reason": "长" * 2_000_000}), content_type="application/json")
    assert 400 <= huge.status_code < 500
    surrogate = client.post(f"/api/nonsite/cases/{case_id}/end", headers=make.headers(leader),
                            data='{"reason": "\\ud800理由"}', content_type="application/json")
    assert surrogate.status_code == 400 and surrogate.json["message"]
    open_case = client.get(f"/api/nonsite/cases/{case_id}/archive", headers=make.headers(leader))
    assert (open_case.status_code, open_case.json["error"]) == (409, "not_ended")
    assert "归档" in open_case.json["message"]
    for far in (2**63, 2**64 + 1, 10**30):
        assert client.get(f"/api/nonsite/cases/{far}/archive", headers=make.headers(leader)).status_code == 404
        assert _step(client, make, leader, far, "end", {"reason": "理由"}).status_code == 404
        assert _step(client, make, reviewer, far, "end/review", {"approve": True, "comment": "同意"}).status_code == 404
    session.expire_all()
    case = session.get(NonsiteCase, case_id)
    assert (case.state.value, case.ending, case.ending_reason, case.ended_at) == ("registered", None, None, None)


def test_the_approver_is_never_the_proposer(client, make, squad, leader, reviewer):
    """A squad leader who became a legal reviewer after proposing cannot approve their own proposal."""
    case_id = _not_verified(client, make, squad, leader)
    _step(client, make, leader, case_id, "end", {"reason": "现场未能核实"})
    leader.role, leader.squad_id = Role.legal_reviewer, None
    session.commit()
    own = _step(client, make, leader, case_id, "end/review", {"approve": True, "comment": "同意"})
    assert (own.status_code, own.json["error"]) == (409, "approver_is_proposer") and "提出人" in own.json["message"]
    assert _case(client, make, reviewer, case_id)["state"] == "ending"
