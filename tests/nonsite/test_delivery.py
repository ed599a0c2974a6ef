"""Delivery of a case's documents: 签收 and 陈述申辩 reported by 随申办, the SMS fallback when 随申办
cannot deliver or the party has no account, undelivered until the gateway's receipt confirms it, and post
(邮寄) with its method and tracking number, delivered by the 送达回证 date confirmed at the desk."""
from __future__ import annotations

import base64
import json
from datetime import datetime, time, timedelta, timezone

import pytest
import time_machine

from backend.db import local_day
from backend.org.models import Role
from backend.outbox import deliver
from tests.evidence.helpers import unique_jpeg
from tests.nonsite.platform import alert, callback, camera, send, to_notice, triage_to_case

SHANGHAI = timezone(timedelta(hours=8))
FRIDAY = datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)  # a Friday past, so the photos are not "in the future"


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


def test_a_refusal_to_sign_is_delivery_all_the_same_and_the_refusal_is_on_record(
        client, make, squad, leader, reviewer, suishenban):
    case_id, notice = _notice(client, make, squad, leader, reviewer)
    refused = callback(client, suishenban, "refused", notice["number"], FRIDAY)
    assert refused.status_code == 200, refused.json
    assert (refused.json["delivered_at"], refused.json["refused_at"], refused.json["signed_at"]) == (
        FRIDAY.isoformat(), FRIDAY.isoformat(), None)
    signed_later = callback(client, suishenban, "signed", notice["number"], FRIDAY + timedelta(hours=1))
    assert signed_later.status_code == 200 and signed_later.json["signed_at"] is None  # the refusal stands
    case = _case(client, make, leader, case_id)
    assert case["state"] == "statement" and case["statement_due_at"]  # the period runs from the delivery
    assert "refused" in [step["step"] for step in case["timeline"]]


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


def _post(client, make, who, document_id, **body):
    raw = json.dumps({"method": "ems", "tracking_number": "1151234567890", **body})  # a lone surrogate escaped
    return client.post(f"/api/nonsite/documents/{document_id}/post", headers=make.headers(who), data=raw,
                       content_type="application/json")


def _receipt(client, make, who, document_id, received_on):
    return client.post(f"/api/nonsite/documents/{document_id}/receipt", headers=make.headers(who),
                       json={"received_on": str(received_on)})


def test_a_notice_posted_is_delivered_on_its_return_card_date_and_the_statement_period_starts(
        client, make, squad, leader, reviewer):
    case_id, notice = _notice(client, make, squad, leader, reviewer)
    early = _receipt(client, make, leader, notice["id"], local_day())
    assert (early.status_code, early.json["error"]) == (409, "not_posted")
    posted = _post(client, make, leader, notice["id"], method="registered")
    assert posted.status_code == 200, posted.json
    assert (posted.json["channel"], posted.json["post_method"], posted.json["tracking_number"],
            posted.json["delivered_at"]) == ("post", "registered", "1151234567890", None)
    again = _post(client, make, leader, notice["id"], tracking_number="9999999999")
    assert (again.status_code, again.json["error"]) == (409, "already_posted")
    assert _case(client, make, leader, case_id)["documents"][0]["tracking_number"] == "1151234567890"

    today = local_day()
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    with time_machine.travel(datetime.combine(friday + timedelta(days=1), time(9), SHANGHAI)):
        before = _receipt(client, make, leader, notice["id"], today - timedelta(days=1))
        assert (before.status_code, before.json["error"]) == (422, "receipt_before_posting")
        future = _receipt(client, make, leader, notice["id"], friday + timedelta(days=2))
        assert (future.status_code, future.json["error"]) == (422, "receipt_in_future")
        assert _case(client, make, leader, case_id)["state"] == "notice_sent"  # nothing half-stored
        confirmed = _receipt(client, make, leader, notice["id"], friday)
        assert confirmed.status_code == 200, confirmed.json
        assert confirmed.json["receipt_on"] == str(friday)
        twice = _receipt(client, make, leader, notice["id"], friday)
        assert (twice.status_code, twice.json["error"]) == (409, "already_delivered")
        late_post = _post(client, make, leader, notice["id"])
        assert (late_post.status_code, late_post.json["error"]) == (409, "already_delivered")
    case = _case(client, make, leader, case_id)
    # as an electronic delivery on that Friday: Monday to Wednesday, the period ends as Thursday begins
    ends = datetime.combine(friday + timedelta(days=6), time.min, SHANGHAI)
    assert (case["state"], datetime.fromisoformat(case["statement_due_at"])) == ("statement", ends)


@pytest.mark.parametrize("body, status, error", [
    ({"method": "pigeon"}, 422, "validation_error"), ({"tracking_number": "123"}, 422, "validation_error"),
    ({"tracking_number": "1151234567890\ud800"}, 400, "invalid_text"),
    ({"tracking_number": "9" * 10_000}, 422, "validation_error"),
])
def test_bad_post_records_are_refused(client, make, squad, leader, reviewer, body, status, error):
    case_id, notice = _notice(client, make, squad, leader, reviewer)
    refused = _post(client, make, leader, notice["id"], **body)
    assert (refused.status_code, refused.json["error"]) == (status, error), refused.json
    for received_on in ("2026-02-30", "99999-01-01", "2026-12-04T00:00:00"):
        bad = client.post(f"/api/nonsite/documents/{notice['id']}/receipt", headers=make.headers(leader),
                          json={"received_on": received_on})
        assert bad.status_code == 422, (received_on, bad.json)
    assert _case(client, make, leader, case_id)["documents"][0]["post_method"] is None
