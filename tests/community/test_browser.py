"""The resident's pages in a real headless Chromium on a phone-sized screen, against a live server."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import sync_playwright

from backend.community import operations
from backend.community.qr import qr_png
from backend.community.signing import office_url
from backend.config import ROOT
from backend.db import session
from backend.org.models import Role
from tests.photos import coffee, encode

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", ROOT / "instance" / "test-artefacts"))


@pytest.fixture
def phone_page(live_server_url, committed_app):
    """A phone-sized page in WeChat's clothing (its user agent), in a fresh Chromium profile."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=90_000)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, user_agent=WECHAT_UA, locale="zh-CN")
        context.set_default_timeout(30_000)  # generous: CI shares two cores
        yield context.new_page()
        browser.close()


def test_resident_reports_with_a_photo_follows_the_case_and_rates_it(phone_page, live_server_url, make, tmp_path):
    squad = make.squad()
    leader = make.officer(Role.squad_leader, squad=squad)
    officer = make.officer(squad=squad)
    office = make.office(squad, name="静安寺街道城管社区工作室")
    session.commit()
    # Open what the printed code really encodes.
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(office_url(office.code, 1), office.name))))[0].text
    assert url.startswith(live_server_url)
    photo = tmp_path / "street.jpg"
    photo.write_bytes(encode(coffee()))

    page = phone_page
    page.goto(url)
    assert page.locator("header h1").inner_text() == "静安寺街道城管社区工作室"
    page.get_by_text("无序设摊", exact=True).click()
    page.fill("#description", "小区南门每天傍晚有流动摊贩占用人行道，行人只能走机动车道")
    page.set_input_files("#photos", str(photo))
    assert page.locator("#photo-hint").inner_text() == "已选择 1 张照片"
    page.fill("#phone", "1381234")  # a typo: the page says so and keeps what was typed
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    assert "手机号格式不正确" in page.locator(".alert.error").inner_text()
    assert "流动摊贩" in page.input_value("#description")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "community-report-error.png"), full_page=True)

    page.set_input_files("#photos", str(photo))
    page.fill("#phone", "13812345678")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_url("**/c/t/**")
    assert "提交成功" in page.locator(".alert.ok").inner_text()
    code = page.locator("#tracking-code").inner_text()
    assert len(code.replace("-", "")) == 12
    assert page.locator("#status").inner_text() == "已提交"
    body = page.locator("main").inner_text()
    assert "1 张" in body and "138****5678" in body and "13812345678" not in body
    page.screenshot(path=str(ARTEFACTS / "community-tracking.png"), full_page=True)

    complaint = operations.complaint_by_tracking_code(code)
    operations.assign_complaint(leader, complaint.id, officer.id)
    operations.start_handling(officer, complaint.id)
    operations.resolve_complaint(officer, complaint.id, "摊贩已劝离，南门已列入每日巡查")
    operations.close_complaint(leader, complaint.id)
    session.commit()

    page.goto(f"{live_server_url}/c/t")
    page.fill("#code", code.lower())
    page.click("button[type=submit]")
    page.wait_for_url(f"**/c/t/{code.replace('-', '')}")
    assert page.locator("#status").inner_text() == "已结案"
    timeline = page.locator("#timeline").inner_text()
    assert "已安排执法队员处理" in timeline and "摊贩已劝离" in timeline
    assert officer.name not in timeline and officer.badge_no not in timeline and leader.name not in page.content()
    page.click("label[for=score-4]")
    page.fill("#comment", "处理及时，谢谢")
    page.click("#rating button[type=submit]")
    page.wait_for_url("**rated=1")
    assert "感谢您的评价" in page.locator(".alert.ok").inner_text()
    assert "★★★★☆" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTEFACTS / "community-rated.png"), full_page=True)


def test_replaced_code_shows_a_clear_page_in_the_browser(phone_page, live_server_url, make, committed_app):
    squad = make.squad()
    admin = make.officer(Role.district_admin, district=squad.district)
    office = make.office(squad)
    session.commit()
    old = office_url(office.code, 1)
    operations.regenerate_qr(admin, office.id)
    session.commit()
    response = phone_page.goto(old)
    assert response.status == 410
    assert phone_page.locator("header h1").inner_text() == "此二维码已更换"
