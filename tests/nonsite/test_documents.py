"""The notice and the decision as PDF documents with the electronic seal: read back for their number and
text, downloadable as issued, and verifiable; a changed PDF does not verify."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone

import time_machine
from pypdf import PdfReader

from backend.org.models import Role
from backend.outbox import deliver
from tests.clock import pinned
from tests.nonsite.platform import alert, callback, camera, send, to_notice, triage_to_case

_clock = pinned(2026, 12, 2, 10)  # the calendar its fixed dates were written for (API windows are relative to today)

SHANGHAI = timezone(timedelta(hours=8))


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _verify(client, make, who, pdf: bytes):
    return client.post("/api/nonsite/documents/verify", headers=make.headers(who), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(pdf), "doc.pdf", "application/pdf")})


def test_the_notice_and_decision_are_sealed_pdfs_that_read_back_and_verify(client, make, squad, leader,
                                                                           suishenban):
    reviewer = make.officer(Role.legal_reviewer, district=squad.district)
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"], plate="沪A12345")).json)
    notice = to_notice(client, make, leader, reviewer, case_id, fine=2000)["documents"][0]
    response = client.get(f"/api/nonsite/documents/{notice['id']}/pdf", headers=make.headers(leader))
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    pdf = response.data
    text = _text(pdf)
    for expected in (notice["number"], "违法行为告知书", "沪A12345", "罚款人民币 2000 元",
                     "3 个工作日内进行陈述、申辩"):
        assert expected in text, expected
    assert "要求听证" not in text  # below the hearing threshold
    assert notice["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert PdfReader(io.BytesIO(pdf)).pages[0].images  # the seal image
    checked = _verify(client, make, leader, pdf)
    assert checked.json == {"valid": True, "number": notice["number"], "pdf_sha256": notice["pdf_sha256"]}
    tampered = pdf + b"\n%changed"
    assert _verify(client, make, leader, tampered).json["valid"] is False
    assert _verify(client, make, leader, b"not a pdf at all").json["valid"] is False
    deliver()
    assert suishenban.documents[0]["pdf_sha256"] == notice["pdf_sha256"]

    callback(client, suishenban, "delivered", notice["number"], datetime(2026, 11, 27, 10, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 12, 3, 1, tzinfo=SHANGHAI)):
        decision = client.post(f"/api/nonsite/cases/{case_id}/decide", headers=make.headers(leader)).json
    document = decision["documents"][1]
    text = _text(client.get(f"/api/nonsite/documents/{document['id']}/pdf", headers=make.headers(leader)).data)
    assert document["number"] in text and "行政处罚决定书" in text and "罚款人民币 2000 元" in text


def test_late_payment_adds_three_percent_a_day_up_to_the_fine(client, make, squad, leader, suishenban):
    reviewer = make.officer(Role.legal_reviewer, district=squad.district)
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"], plate="沪A12345")).json)
    notice = to_notice(client, make, leader, reviewer, case_id, fine=1000)["documents"][0]
    callback(client, suishenban, "delivered", notice["number"], datetime(2026, 11, 2, 10, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 11, 10, 10, tzinfo=SHANGHAI)):
        decision = client.post(f"/api/nonsite/cases/{case_id}/decide", headers=make.headers(leader)).json
    document = decision["documents"][1]
    reference = document["content"]["payment_reference"]
    assert len(reference) == 18 and reference.isdigit()
    pdf = client.get(f"/api/nonsite/documents/{document['id']}/pdf", headers=make.headers(leader)).data
    assert reference in _text(pdf)
    callback(client, suishenban, "delivered", document["number"], datetime(2026, 11, 10, 12, tzinfo=SHANGHAI))
    case = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    assert case["payment_due_on"] == "2026-11-25"  # fifteen days after delivery (art. 67)
    with time_machine.travel(datetime(2026, 11, 25, 23, tzinfo=SHANGHAI)):
        on_time = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    with time_machine.travel(datetime(2026, 11, 26, 9, tzinfo=SHANGHAI)):
        late = client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json
    assert (on_time["payment_overdue"], on_time["surcharge"]) == (False, 0)
    assert (late["payment_overdue"], late["surcharge"]) == (True, 30)  # flagged, 加处罚款 running

    def pay(day, amount):
        return callback(client, suishenban, "paid", document["number"], datetime(2026, *day, 23, tzinfo=SHANGHAI),
                        amount)
    # the last day without surcharge: the fine alone; a day late: 3% more (30 yuan)
    assert pay((11, 25), 1030).json["error"] == "wrong_amount"
    one_day_late = pay((11, 26), 1000)
    assert (one_day_late.status_code, one_day_late.json["error"]) == (422, "wrong_amount")
    assert "1030" in one_day_late.json["message"]
    # 33 days late would be 990; 34 days 1020, capped at the fine: 2000 in all, and ever after
    assert "1990" in pay((12, 28), 1).json["message"]
    assert "2000" in pay((12, 29), 1).json["message"] and "2000" in pay((12, 31), 1).json["message"]
    assert client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json["paid_amount"] is None
    assert pay((12, 29), 2000).status_code == 200
    assert client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json["payment_overdue"] is False
