"""告知后不予处罚 (drop, after the notice) and 撤销处罚决定 (revoke, after the decision): proposed by the squad with
a reason, approved or sent back by a legal reviewer through …/end/review; while one waits, nothing moves the case
on (409 ending_pending); approved, the case ends, its file is frozen and the monthly report counts it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.db import local_day, session, utcnow
from backend.nonsite import legal
from backend.nonsite.models import CaseState, NonsiteCase
from backend.org.models import Role
from tests.nonsite.platform import callback, to_notice
from tests.nonsite.test_ending import _case, _clock, _confirmed, _report, _step


def _noticed(client, make, squad, leader, reviewer, suishenban) -> tuple[int, dict]:
    case_id = _confirmed(client, make, squad, leader)
    notice = to_notice(client, make, leader, reviewer, case_id)["documents"][0]
    assert callback(client, suishenban, "delivered", notice["number"], datetime.now(UTC)).status_code == 200
    return case_id, notice


def test_dropped_after_the_notice_with_a_reviewers_approval(client, make, squad, leader, reviewer, suishenban):
    case_id, _ = _noticed(client, make, squad, leader, reviewer, suishenban)
    proposed = _step(client, make, leader, case_id, "drop", {"reason": "当事人陈述申辩成立：车辆系抢险车辆"})
    assert proposed.status_code == 200, proposed.json
    assert (proposed.json["state"], proposed.json["ending"], proposed.json["ending_pending"]) == (
        "statement", "dropped", True)  # the case keeps its step while the proposal waits
    again = _step(client, make, leader, case_id, "drop", {"reason": "再提"})
    assert (again.status_code, again.json["error"]) == (409, "ending_pending") and "审批" in again.json["message"]
    blocked = _step(client, make, leader, case_id, "decide")
    assert (blocked.status_code, blocked.json["error"]) == (409, "ending_pending")
    own = _step(client, make, leader, case_id, "end/review", {"approve": True, "comment": "同意"})
    assert own.status_code == 403  # a squad leader never approves

    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意不予处罚"})
    assert approved.status_code == 200, approved.json
    assert (approved.json["state"], approved.json["state_name"], approved.json["ending_pending"]) == (
        "dropped", "告知后不予处罚", False)
    assert approved.json["archive_sha256"]  # frozen as it ended
    assert [step["name"] for step in approved.json["timeline"][-2:]] == ["提出告知后不予处罚", "告知后不予处罚获批准"]
    record = _clock(case_id)
    assert record.withdrawn_on == local_day() and not record.flags  # with reason and approver: not 随意撤案
    row = _report(client, make, leader)
    assert (row["dropped"], row["revoked"], row["withdrawn"]) == (1, 0, 0)


def _decided_and_served(client, make, squad, leader, reviewer, suishenban) -> tuple[int, dict]:
    case_id, _ = _noticed(client, make, squad, leader, reviewer, suishenban)
    case = session.get(NonsiteCase, case_id)
    case.statement_due_at = utcnow() - timedelta(minutes=1)  # the statement period has passed
    decision = legal.decide(leader, case_id).documents[-1]
    session.commit()
    assert callback(client, suishenban, "delivered", decision.number, datetime.now(UTC)).status_code == 200
    return case_id, {"number": decision.number}


def test_a_decision_revoked_after_a_return_takes_no_payment_while_pending(client, make, squad, leader, reviewer,
                                                                            suishenban):
    case_id, decision = _decided_and_served(client, make, squad, leader, reviewer, suishenban)
    assert _step(client, make, leader, case_id, "revoke", {"reason": "适用法律错误"}).json["ending"] == "revoked"
    paid = callback(client, suishenban, "paid", decision["number"], datetime.now(UTC), 2000)
    assert (paid.status_code, paid.json["error"]) == (409, "ending_pending")
    assert _step(client, make, leader, case_id, "close").json["error"] == "ending_pending"
    returned = _step(client, make, reviewer, case_id, "end/review", {"approve": False, "comment": "依据无误"})
    assert (returned.json["state"], returned.json["ending_pending"]) == ("served", False)  # goes on from its step
    _step(client, make, leader, case_id, "revoke", {"reason": "适用法律错误，附复核意见"})
    approved = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意撤销"})
    assert (approved.json["state"], approved.json["state_name"]) == ("revoked", "处罚决定已撤销")
    assert [step["name"] for step in approved.json["timeline"] if step["step"].startswith("ending")] == [
        "提出撤销处罚决定", "撤销处罚决定未获批准，退回", "提出撤销处罚决定", "撤销处罚决定获批准"]
    late = callback(client, suishenban, "paid", decision["number"], datetime.now(UTC), 2000)
    assert (late.status_code, late.json["error"]) == (409, "not_payable")
    assert _report(client, make, leader)["revoked"] == 1


def test_drop_and_revoke_out_of_their_steps_or_malformed_are_refused_and_change_nothing(
        client, make, squad, leader, reviewer, suishenban):
    registered = _confirmed(client, make, squad, leader)
    early = _step(client, make, leader, registered, "drop", {"reason": "理由"})
    assert (early.status_code, early.json["error"]) == (409, "wrong_state") and "告知书发出后" in early.json["message"]
    revoke_early = _step(client, make, leader, registered, "revoke", {"reason": "理由"})
    assert (revoke_early.status_code, revoke_early.json["error"]) == (409, "wrong_state")
    assert "处罚决定作出后" in revoke_early.json["message"]
    case_id, _ = _noticed(client, make, squad, leader, reviewer, suishenban)
    for body in ({}, {"reason": ""}, {"reason": "长" * 501}, {"reason": 5}):
        response = _step(client, make, leader, case_id, "drop", body)
        assert response.status_code == 422 and response.json["message"], body
    assert _step(client, make, make.officer(squad=squad), case_id, "drop", {"reason": "理由"}).status_code == 403
    assert _step(client, make, make.officer(Role.squad_leader), case_id, "drop", {"reason": "理由"}).status_code == 404
    nothing = _step(client, make, reviewer, case_id, "end/review", {"approve": True, "comment": "同意"})
    assert (nothing.status_code, nothing.json["error"]) == (409, "wrong_state")
    session.expire_all()
    before, noticed = session.get(NonsiteCase, registered), session.get(NonsiteCase, case_id)
    assert (before.ending, before.state) == (None, CaseState.registered)
    assert (noticed.ending, noticed.ending_proposed_at, noticed.steps[-1].step.value) == (None, None, "reviewed")
    assert _case(client, make, leader, case_id)["state"] == "statement"
