"""A resident's complaint through the JSON API: submission, bad input, privacy, abuse control."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from backend.community.models import Complaint, ComplaintPhoto
from backend.community.privacy import TRACKING_ALPHABET
from backend.community.signing import office_signature
from backend.db import session, utcnow
from backend.org.models import Role
from tests.community.conftest import jpeg, signed, submit
from tests.photos import many_pixels_png


def count(model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_scanning_a_code_names_the_office_and_the_categories(client, office):
    s = signed(office)
    response = client.get(f"/api/community/public/offices/{s['office_code']}/{s['version']}/{s['signature']}")
    assert response.status_code == 200
    assert response.json["name"] == "静安寺街道城管社区工作室"
    assert [c["name"] for c in response.json["categories"]][:3] == ["无序设摊", "跨门营业", "占道堆物"]


def test_submission_gives_an_unguessable_tracking_code_and_stores_the_photos(client, office):
    response = submit(client, office, photos=2, phone="138 1234 5678", place="南京西路 100 号")
    assert response.status_code == 201, response.json
    body = response.json
    code = body["tracking_code"].replace("-", "")
    assert len(code) == 12 and set(code) <= set(TRACKING_ALPHABET)
    assert body["status_name"] == "已提交" and body["photo_count"] == 2 and body["duplicate"] is False
    assert body["phone"] == "138****5678"
    other = submit(client, office, description="另一件事：工地夜间施工噪声")
    assert other.json["tracking_code"] != body["tracking_code"]
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    assert len(complaint.photos) == 2 and complaint.photos[0].mime == "image/jpeg"


def test_phone_is_encrypted_at_rest(client, office):
    submit(client, office, phone="13812345678")
    raw = session.execute(select(Complaint.phone_encrypted, Complaint.phone_masked)).one()
    assert b"13812345678" not in raw.phone_encrypted and b"12345678" not in raw.phone_encrypted
    assert raw.phone_masked == "138****5678"


def test_tracking_page_data_shows_the_timeline(client, office):
    body = submit(client, office).json
    response = client.get(f"/api/community/public/complaints/{body['tracking_code'].lower()}")
    assert response.status_code == 200
    assert [e["status_name"] for e in response.json["timeline"]] == ["已提交"]
    assert "actor" not in str(response.json) and "badge" not in str(response.json)


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.json
    assert response.json["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"]), response.json["message"]
    assert count(Complaint) == 0 and count(ComplaintPhoto) == 0


def test_forged_signature_is_refused(client, office):
    _refused(submit(client, office, signature="A" * 16), 403, "qr_signature_invalid")
    s = signed(office)
    response = client.get(f"/api/community/public/offices/{s['office_code']}/{int(s['version']) + 1}/{s['signature']}")
    assert response.status_code == 403


def test_unknown_office_is_refused(client, office):
    _refused(submit(client, office, office_code="NO-SUCH", signature=office_signature("NO-SUCH", 1), version="1"),
             404, "unknown_office")


def test_replaced_code_is_refused(client, office, make):
    old = signed(office)
    admin = make.officer(Role.district_admin, district=office.squad.district)
    assert client.post(f"/api/community/offices/{office.id}/qr", headers=make.headers(admin)).status_code == 200
    _refused(submit(client, office, **old), 410, "qr_replaced")
    assert submit(client, office).status_code == 201


def test_empty_description_is_refused(client, office):
    _refused(submit(client, office, description="   "), 422, "description_required")


def test_5000_character_description_is_refused(client, office):
    _refused(submit(client, office, description="占" * 5000), 422, "description_too_long")


def test_five_photos_are_refused(client, office):
    _refused(submit(client, office, photos=5), 422, "too_many_photos")


def test_a_photo_that_is_not_an_image_is_refused(client, office):
    data = {**signed(office), "category": "noise", "description": "夜间噪声", "consent": "true",
            "photos": [jpeg(), (io.BytesIO(b"MZ\x90\x00 not a picture"), "virus.jpg", "image/jpeg")]}
    response = client.post("/api/community/public/complaints", data=data, content_type="multipart/form-data")
    _refused(response, 422, "not_an_image")
    assert "第 2 张照片" in response.json["message"]


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(client, office):
    data = {**signed(office), "category": "noise", "description": "夜间噪声", "consent": "true",
            "photos": [(io.BytesIO(many_pixels_png()), "big.png", "image/png")]}
    _refused(client.post("/api/community/public/complaints", data=data, content_type="multipart/form-data"),
             422, "too_many_pixels")
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_phone_that_is_not_a_phone_number_is_refused(client, office):
    _refused(submit(client, office, phone="12345"), 422, "invalid_phone")


def test_without_consent_nothing_is_stored(client, office):
    response = submit(client, office, consent="false")
    assert response.status_code == 422 and "consent" in response.json["errors"]["form"]
    assert count(Complaint) == 0


def test_honeypot_filled_in_by_a_robot_is_refused(client, office):
    _refused(submit(client, office, website="http://spam.example"), 422, "rejected_as_robot")


def test_unknown_tracking_code_is_404(client):
    response = client.get("/api/community/public/complaints/ABCD-EFGH-JKMN")
    assert response.status_code == 404 and response.json["error"] == "unknown_tracking_code"


@pytest.fixture
def mid_window():
    """A clock stopped at 12:30 UTC, mid-hour and mid-day: a burst falls in one fixed rate-limit window."""
    with time_machine.travel(utcnow().replace(hour=12, minute=30), tick=False):
        yield


def test_the_21st_submission_from_one_address_in_an_hour_is_refused(client, office, mid_window):
    for _ in range(20):
        assert submit(client, office, address="10.9.9.9", description=f"问题 {uuid.uuid4().hex}").status_code == 201
    before = count(Complaint)
    response = submit(client, office, address="10.9.9.9", description="第二十一件：完全不同的问题")
    assert response.status_code == 429 and response.json["error"] == "rate_limited_address"
    assert "频繁" in response.json["message"]
    assert count(Complaint) == before
    assert submit(client, office, address="10.9.9.10", description="换一个网络地址可以提交").status_code == 201
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):  # the next hour counts afresh
        assert submit(client, office, address="10.9.9.9", description="下一个小时再提交").status_code == 201


def test_one_phone_is_limited_across_addresses(client, office, mid_window):
    for _ in range(10):
        assert submit(client, office, phone="13900001111", description=f"问题 {uuid.uuid4().hex}").status_code == 201
    response = submit(client, office, phone="13900001111", description="第十一件")
    assert response.status_code == 429 and response.json["error"] == "rate_limited_phone"


def test_an_oversized_request_is_refused_before_it_is_read(client, office, app):
    limit = 4 * app.config["COMMUNITY_PHOTO_MAX_BYTES"] + 1_000_000
    big = (io.BytesIO(b"\xff" * (limit + 1)), "big.jpg", "image/jpeg")
    data = {**signed(office), "category": "noise", "description": "夜间噪声", "consent": "true", "photos": [big]}
    response = client.post("/api/community/public/complaints", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and response.json["error"] == "too_large"
    assert count(Complaint) == 0
