"""Delivery of a case's documents: 签收 and 陈述申辩 reported by 随申办, and the SMS fallback when 随申办
cannot deliver or the party has no account, undelivered until the gateway's receipt confirms it."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from backend.org.models import Role
from backend.outbox import deliver
from tests.evidence.helpers import unique_jpeg
from tests.nonsite.platform import alert, callback, camera, send, to_notice, triage_to_case

SHANGHAI = timezone(timedelta(hours=8))
FRIDAY = datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)  # a Friday past, so the photos are not "in the future"


@pytest.fixture
def reviewer(make, squad):
    return make.officer(Role.legal_reviewer, district=squad.district)


def _party(client, make, squad, plate, *, account=True, phone="13812341234"):
    admin = make.officer(Role.district_admin, district=squad.district)
    response = client.post("/api/nonsite/parties", headers=make.headers(admin), json={
        "kind": "person", "name": "张三", "phone": phone, "suishenban_account": account, "plates": [plate]})
    assert response.status_code == 201, response.json


def _notice(client, make, squad, leader, reviewer, plate="沪A12345"):
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"], plate=plate)).json)
    return case_id, to_notice(client, make, leader, reviewer, case_id)["documents"][0]


def _case(client, make, leader, case_id):
    return client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json


def _image(data=None):
    return {"data": base64.b64encode(data or unique_jpeg()).decode(), "content_type": "image/jpeg"}


def test_the_party_signs_for_the_notice_and_makes_a_statement_with_a_photo(
        client, make, squad, leader, reviewer, suishenban):
    case_id, notice = _notice(client, make, squad, leader, reviewer)
    signed = callback(client, suishenban, "signed", notice["number"], FRIDAY)
    assert signed.status_code == 200, signed.json
    assert signed.json["signed_at"] and signed.json["delivered_at"]  # signing for it is delivery
    not_a_photo = callback(client, suishenban, "statement", notice["number"], FRIDAY + timedelta(days=1),
                           text="车厢已覆盖", attachments=[_image(b"%PDF-1.4 not an image")])
    assert not_a_photo.status_code == 422
    assert _case(client, make, leader, case_id)["statement_text"] is None  # nothing half-stored
    stated = callback(client, suishenban, "statement", notice["number"], FRIDAY + timedelta(days=1),
                      text="当时车厢已覆盖，篷布被风吹起", attachments=[_image()])
    assert stated.status_code == 200, stated.json
    case = _case(client, make, leader, case_id)
    assert case["statement_text"] == "当时车厢已覆盖，篷布被风吹起"
    [attachment] = case["statement_evidence"]
    assert attachment["seq"] == 2  # in the camera's chain, after the alert's image
    again = callback(client, suishenban, "statement", notice["number"], FRIDAY + timedelta(days=2), text="补充")
    assert (again.status_code, again.json["error"]) == (409, "statement_given")


def test_a_statement_after_the_period_is_refused(client, make, squad, leader, reviewer, suishenban):
    _, notice = _notice(client, make, squad, leader, reviewer)
    callback(client, suishenban, "delivered", notice["number"], FRIDAY)
    late = callback(client, suishenban, "statement", notice["number"], FRIDAY + timedelta(days=6), text="迟到")
    assert (late.status_code, late.json["error"]) == (409, "not_in_statement_period")


def test_undeliverable_on_suishenban_falls_back_to_sms_shown_undelivered_until_the_receipt(
        client, make, squad, leader, reviewer, suishenban, sms):
    _party(client, make, squad, "沪C77777")
    case_id, notice = _notice(client, make, squad, leader, reviewer, plate="沪C77777")
    failed = callback(client, suishenban, "undeliverable", notice["number"], FRIDAY)
    assert (failed.json["channel"], failed.json["delivered_at"]) == ("sms", None)
    twice = callback(client, suishenban, "undeliverable", notice["number"], FRIDAY)
    assert (twice.status_code, twice.json["error"]) == (409, "fallback_not_needed")
    sms.down = True
    deliver()
    assert sms.texts == []
    sms.down = False
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(minutes=2)):
        deliver()
    [text] = sms.texts
    assert (text["phone"], text["reference"]) == ("13812341234", notice["number"])
    assert _case(client, make, leader, case_id)["state"] == "notice_sent"  # not delivered until confirmed
    wrong = callback(client, suishenban, "delivered", notice["number"], FRIDAY)
    assert (wrong.status_code, wrong.json["error"]) == (409, "wrong_channel")
    body, headers = sms.receipt(notice["number"], FRIDAY.isoformat())
    forged = client.post("/api/nonsite/sms/receipts", data=body, content_type="application/json",
                         headers={**headers, "X-Signature": "0" * 64})
    assert forged.status_code == 401
    receipt = client.post("/api/nonsite/sms/receipts", data=body, content_type="application/json", headers=headers)
    assert receipt.status_code == 200, receipt.json
    assert _case(client, make, leader, case_id)["state"] == "statement"


def test_a_party_without_a_suishenban_account_is_texted_straight_away(
        client, make, squad, leader, reviewer, suishenban, sms):
    _party(client, make, squad, "沪C88888", account=False)
    _, notice = _notice(client, make, squad, leader, reviewer, plate="沪C88888")
    assert notice["channel"] == "sms"
    deliver()
    assert suishenban.documents == [] and [t["reference"] for t in sms.texts] == [notice["number"]]
