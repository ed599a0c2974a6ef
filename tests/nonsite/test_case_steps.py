"""A muck-truck alert walked through its case's legal steps as far as they are built: triage, 法制审核, the
notice to the party on the fake 随申办 (down first, then up), its signed delivery, the statement period on
working days, the decision, its delivery, the payment callback and closing."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader

from backend.org.models import Role
from backend.outbox import deliver
from tests.clock import pinned
from tests.nonsite.platform import alert, camera, send, unique_jpeg

_clock = pinned(2026, 12, 2, 10)  # the calendar its fixed dates were written for (API windows are relative to today)


def _callback(client, suishenban, event, number, at, amount=None):
    body, headers = suishenban.callback(event, number, at.isoformat(), amount)
    return client.post("/api/nonsite/suishenban/callbacks", data=body, content_type="application/json",
                       headers=headers)


def _step(client, make, who, case_id, step, body=None):
    return client.post(f"/api/nonsite/cases/{case_id}/{step}", headers=make.headers(who), json=body)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _muck_truck_alert(client, make, squad, leader, image: bytes) -> tuple[dict, dict]:
    """The registry knows the truck's company; the camera sends the alert. (camera, alert as answered)"""
    admin = make.officer(Role.district_admin, district=squad.district)
    company = client.post("/api/nonsite/parties", headers=make.headers(admin), json={
        "kind": "company", "name": "上海某某渣土运输有限公司", "credit_code": "91310106MA1FY0XX3K",
        "disposal_permit": "沪渣处字 2026-001", "plates": ["沪A12345"]})
    assert company.status_code == 201, company.json
    cam = camera(client, make, squad)
    sent = send(client, alert(cam["code"], plate="沪A12345", images=[image]))
    assert sent.status_code == 201, sent.json
    [evidence] = sent.json["evidence"]
    assert (evidence["seq"], evidence["sha256"]) == (1, hashlib.sha256(image).hexdigest())  # in the camera's chain
    [chain] = client.get(f"/api/evidence/chains?officer_id={cam['officer_id']}", headers=make.headers(leader)).json
    assert (chain["intact"], chain["records"]) == (True, 1)
    return cam, sent.json


@pytest.mark.parametrize("run", ["confirmed", "dismissed"])
def test_a_muck_truck_alert_to_a_paid_closed_case(client, make, squad, leader, suishenban, run):
    """The issue's whole loop; in the second run the same alert is a false positive: no case, precision 0."""
    reviewer = make.officer(Role.legal_reviewer, district=squad.district)
    image = unique_jpeg()
    cam, sent = _muck_truck_alert(client, make, squad, leader, image)
    if run == "dismissed":
        dismissed = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader), json={
            "decision": "dismissed", "false_positive": "wrong_object", "reason": "普通货车，非渣土车"})
        assert (dismissed.json["case_id"], dismissed.json["false_positive_name"]) == (None, "识别对象错误")
        [precision] = client.get("/api/nonsite/precision", headers=make.headers(leader)).json
        assert (precision["camera_code"], precision["dismissed"], precision["precision"]) == (cam["code"], 1, 0.0)
        assert precision["false_positives"]["wrong_object"] == 1
        return
    case_id = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                          json={"decision": "confirmed", "reason": "车厢未密闭，车牌清晰"}).json["case_id"]
    case = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    assert case["party_name"] == "上海某某渣土运输有限公司"  # found by the plate
    early = _step(client, make, reviewer, case_id, "review", {"approve": True, "comment": "同意"})
    assert (early.status_code, early.json["error"]) == (409, "wrong_state")
    submitted = _step(client, make, leader, case_id, "submit", {
        "facts": "沪A12345 渣土车车厢未密闭", "legal_basis": "《上海市市容环境卫生管理条例》", "fine": 2000})
    assert submitted.json["state"] == "in_review"
    returned = _step(client, make, reviewer, case_id, "review", {"approve": False, "comment": "证据说明不足"})
    assert (returned.json["state"], returned.json["review_comment"]) == ("registered", "证据说明不足")
    _step(client, make, leader, case_id, "submit", {
        "facts": "沪A12345 渣土车车厢未密闭，沿途泄漏", "legal_basis": "《上海市市容环境卫生管理条例》", "fine": 2000})
    approved = _step(client, make, reviewer, case_id, "review", {"approve": True, "comment": "事实清楚，依据正确"})
    assert approved.json["state"] == "notice_sent"
    [notice] = approved.json["documents"]
    assert notice["number"].endswith("第1号") and "告" in notice["number"]

    suishenban.down = True
    deliver()
    assert suishenban.documents == []  # the review did not wait for 随申办, and nothing was lost
    suishenban.down = False
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        deliver()
    [received] = suishenban.documents
    assert (received["number"], received["sha256"]) == (notice["number"], notice["sha256"])
    assert received["party"] == {"name": "上海某某渣土运输有限公司", "credit_code": "91310106MA1FY0XX3K",
                                 "plate": "沪A12345"}
    assert received["proposed_fine"] == 2000 and received["statement_working_days"] == 3

    friday = datetime(2026, 12, 4, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    delivered = _callback(client, suishenban, "delivered", notice["number"], friday)
    assert delivered.status_code == 200, delivered.json
    case = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    # three working days after Friday: Monday to Wednesday; the period ends as Thursday begins
    assert (case["state"], case["statement_due_at"]) == ("statement", "2026-12-09T16:00:00+00:00")
    with time_machine.travel(datetime(2026, 12, 9, 12, 0, tzinfo=UTC)):
        too_early = _step(client, make, leader, case_id, "decide")
        assert (too_early.status_code, too_early.json["error"]) == (409, "statement_period_open")
    with time_machine.travel(datetime(2026, 12, 9, 16, 1, tzinfo=UTC)):
        decided = _step(client, make, leader, case_id, "decide")
        assert decided.json["state"] == "decided"
        deliver()
    decision = decided.json["documents"][1]
    assert suishenban.documents[1]["number"] == decision["number"] and suishenban.documents[1]["fine"] == 2000

    unpaid = _callback(client, suishenban, "paid", decision["number"], friday, 2000)
    assert (unpaid.status_code, unpaid.json["error"]) == (409, "not_payable")  # not yet served
    served = _callback(client, suishenban, "delivered", decision["number"], friday + timedelta(days=6))
    assert served.status_code == 200
    # a delivered document never changes: no step issues it again
    reissued = _step(client, make, leader, case_id, "decide")
    assert (reissued.status_code, reissued.json["error"]) == (409, "wrong_state") and "决定书已送达" in reissued.json[
        "message"]
    renoticed = _step(client, make, reviewer, case_id, "review", {"approve": True, "comment": "再发"})
    assert (renoticed.status_code, renoticed.json["error"]) == (409, "wrong_state")
    documents = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json["documents"]
    assert [(d["number"], d["pdf_sha256"]) for d in documents] == [
        (notice["number"], notice["pdf_sha256"]), (decision["number"], decision["pdf_sha256"])]
    wrong = _callback(client, suishenban, "paid", decision["number"], friday + timedelta(days=7), 200)
    assert (wrong.status_code, wrong.json["error"]) == (422, "wrong_amount")
    paid = _callback(client, suishenban, "paid", decision["number"], friday + timedelta(days=7), 2000)
    assert paid.status_code == 200
    twice = _callback(client, suishenban, "paid", decision["number"], friday + timedelta(days=7), 2000)
    assert (twice.status_code, twice.json["error"]) == (409, "not_payable")
    with time_machine.travel(friday + timedelta(days=8)):
        closed = _step(client, make, leader, case_id, "close")
    assert (closed.json["state"], closed.json["paid_amount"]) == ("closed", 2000)
    after_closing = _callback(client, suishenban, "paid", decision["number"], friday + timedelta(days=8), 2000)
    assert (after_closing.status_code, after_closing.json["error"]) == (409, "not_payable")
    assert "已结案" in after_closing.json["message"]
    assert [step["step"] for step in closed.json["timeline"]] == [
        "alert", "registered", "submitted", "reviewed", "submitted", "reviewed", "issued", "delivered", "issued",
        "delivered", "paid", "closed"]  # every submission and review, the one returned too
    timeline = client.get(f"/api/nonsite/cases/{case_id}/timeline", headers=make.headers(reviewer)).json
    assert timeline == closed.json["timeline"]
    assert [(step["name"], step["note"], step["officer_id"]) for step in timeline[3:6:2]] == [
        ("法制审核退回", "证据说明不足", reviewer.id), ("法制审核通过", "事实清楚，依据正确", reviewer.id)]
    assert [step["at"] for step in timeline] == sorted(step["at"] for step in timeline)

    archived = client.get(f"/api/nonsite/cases/{case_id}/archive", headers=make.headers(leader))
    assert (archived.status_code, archived.mimetype) == (200, "application/zip")
    assert hashlib.sha256(archived.data).hexdigest() == closed.json["archive_sha256"]  # frozen as it closed
    with zipfile.ZipFile(io.BytesIO(archived.data)) as archive:
        names = archive.namelist()
        pdfs = [archive.read(name) for name in names if name.startswith("documents/")]
        [evidence_file] = [name for name in names if name.startswith("evidence/")]
        assert archive.read(evidence_file) == image  # what the camera sent
        filed = json.loads(archive.read("case.json"))
        [custody] = json.loads(archive.read("custody.json"))
    assert (filed["state"], filed["timeline"][-1]["step"]) == ("closed", "closed")
    texts = [_text(pdf) for pdf in pdfs]
    assert "违法行为告知书" in texts[0] and notice["number"] in texts[0] and "上海某某渣土运输有限公司" in texts[0]
    assert "行政处罚决定书" in texts[1] and decision["number"] in texts[1] and "罚款人民币 2000 元" in texts[1]
    assert [entry["action"] for entry in custody["log"]][-1] == "download_original"
    assert "案卷归档" in custody["log"][-1]["reason"]


def test_callbacks_must_be_signed_by_suishenban_and_name_a_document_sent(client, suishenban):
    at = datetime.now(UTC)
    unknown = _callback(client, suishenban, "delivered", "无此文号", at)
    assert (unknown.status_code, unknown.json["error"]) == (404, "unknown_document")
    body, headers = suishenban.callback("delivered", "无此文号", at.isoformat())
    forged = client.post("/api/nonsite/suishenban/callbacks", data=body, content_type="application/json",
                         headers={**headers, "X-Signature": "0" * 64})
    assert (forged.status_code, forged.json["error"]) == (401, "bad_signature")


def test_a_case_whose_alert_names_no_plate_nor_shop_cannot_go_to_review(client, make, squad, leader):
    cam = camera(client, make, squad)
    sent = send(client, alert(cam["code"], plate=None)).json
    case_id = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                          json={"decision": "confirmed", "reason": "车厢未密闭"}).json["case_id"]
    response = _step(client, make, leader, case_id, "submit", {"facts": "x", "legal_basis": "y", "fine": 100})
    assert (response.status_code, response.json["error"]) == (409, "no_party")
