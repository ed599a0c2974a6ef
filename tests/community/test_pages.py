"""The resident's pages through the test client: every kind of bad input gets a Chinese message on the page."""
from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from backend.community.models import Complaint, ComplaintPhoto, Status
from backend.community.signing import office_path, office_signature
from backend.db import session
from tests.community.conftest import jpeg
from tests.photos import coffee, encode


def count(model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def post_form(client, office, *, address="10.20.30.40", **fields):
    data = {
        "category": "street_vending",
        "description": "小区南门每天傍晚有流动摊贩占道经营",
        "consent": "yes",
        **fields,
    }
    return client.post(office_path(office.code, 1), data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": address})


def test_form_is_chinese_mobile_and_self_contained(client, office):
    page = client.get(office_path(office.code, 1))
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.text
    assert 'name="viewport"' in html and 'lang="zh-CN"' in html
    assert "信息收集说明" in html and "噪声扰民" in html and "渣土偷倒" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN


def test_submitting_the_form_leads_to_the_tracking_page(client, office):
    response = post_form(client, office, photos=[jpeg()], phone="13812345678")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "提交成功" in page.text and "138****5678" in page.text and "1 张" in page.text


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"description": ""}, 422, "请填写问题描述"),
    ({"description": "占" * 5000}, 422, "不能超过 1000 字"),
    ({"photos": [jpeg() for _ in range(5)]}, 422, "最多上传 4 张照片"),
    ({"photos": [(io.BytesIO(b"%PDF-1.4 not a photo"), "a.jpg", "image/jpeg")]}, 422, "不是有效的图片"),
    ({"phone": "0215551234"}, 422, "手机号格式不正确"),
    ({"consent": ""}, 422, "同意信息收集说明"),
    ({"category": "fireworks"}, 422, "请选择问题类别"),
    ({"lat": "abc", "lng": "121.4"}, 422, "位置纬度格式不正确"),
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_stored(client, office, fields, status, message):
    response = post_form(client, office, **fields)
    assert response.status_code == status
    assert message in response.text
    assert 'class="alert error"' in response.text and "<form" in response.text
    assert count(Complaint) == 0 and count(ComplaintPhoto) == 0


def test_location_from_the_browser_is_stored_in_gcj02(client, office):
    post_form(client, office, lat="31.2231", lng="121.4453", coord_system="wgs84")
    complaint = session.scalar(select(Complaint))
    assert complaint.coord_system == "gcj02"
    assert complaint.lat != 31.2231 and abs(complaint.lat - 31.2231) < 0.01  # shifted by a few hundred metres


def test_the_21st_submission_from_one_address_gets_a_page_not_a_crash(client, office):
    for _ in range(20):
        assert post_form(client, office, description=f"问题 {uuid.uuid4().hex}").status_code == 303
    response = post_form(client, office, description="第二十一个问题")
    assert response.status_code == 429 and "提交过于频繁" in response.text
    assert count(Complaint) == 20


def test_oversized_upload_gets_a_chinese_page(client, office, app):
    limit = 4 * app.config["COMMUNITY_PHOTO_MAX_BYTES"] + 1_000_000
    response = post_form(client, office, photos=[(io.BytesIO(b"\xff" * (limit + 1)), "big.jpg", "image/jpeg")])
    assert response.status_code == 413 and "照片总大小超出限制" in response.text


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/c/{code}/1/forgedforgedforge", 403, "签名校验失败"),
    ("/c/NO-SUCH/1/" + "{unknown}", 404, "该社区工作室不存在"),
    ("/c/t/ZZZZZZZZZZZZ", 404, "查询码不存在"),
])
def test_bad_links_get_chinese_pages(client, office, app, path, status, message):
    with app.app_context():
        unknown = office_signature("NO-SUCH", 1)
    response = client.get(path.format(code=office.code, unknown=unknown))
    assert response.status_code == status and message in response.text


def test_rating_an_open_complaint_or_twice_is_refused_on_the_page(client, office, make):
    complaint = make.complaint(office)
    early = client.post(f"/c/t/{complaint.tracking_code}/rating", data={"score": "5"})
    assert early.status_code == 409 and "结案后才能评价" in early.text
    complaint.status = Status.closed
    session.flush()
    tracking = client.get(f"/c/t/{complaint.tracking_code}")
    assert 'id="rating"' in tracking.text
    assert client.post(f"/c/t/{complaint.tracking_code}/rating", data={"score": "5"}).status_code == 303
    twice = client.post(f"/c/t/{complaint.tracking_code}/rating", data={"score": "1"})
    assert twice.status_code == 409 and "已经评价过" in twice.text
    no_stars = make.complaint(office, status=Status.closed)
    missing = client.post(f"/c/t/{no_stars.tracking_code}/rating", data={"score": ""})
    assert missing.status_code == 422 and "1 到 5 星" in missing.text


def test_tracking_code_is_forgiving_about_how_it_is_typed(client, office, make):
    complaint = make.complaint(office)
    typed = "-".join([complaint.tracking_code[:4], complaint.tracking_code[4:8].lower(), complaint.tracking_code[8:]])
    response = client.get(f"/c/t?code={typed}")
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200


def test_photo_the_resident_took_is_kept_byte_for_byte(client, office, app):
    data = encode(coffee())
    post_form(client, office, photos=[(io.BytesIO(data), "p.jpg", "image/jpeg")])
    from backend.storage import get_storage

    photo = session.scalar(select(ComplaintPhoto))
    assert get_storage().get(photo.storage_key) == data
