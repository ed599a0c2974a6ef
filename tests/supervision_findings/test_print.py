"""The printable notices in a real headless Chromium: Chinese, one A4 page, nothing fetched from outside."""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from backend.config import ROOT
from backend.db import local_day, session, utcnow
from backend.org.models import Role
from backend.supervision.findings.models import NoticeKind
from backend.supervision.findings.operations import issue_notice, record_finding

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTEFACTS = os.environ.get("TEST_ARTEFACTS_DIR", str(ROOT / "instance" / "test-artefacts"))


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_each_notice_prints_on_one_a4_page(browser, live_server_url, committed_app, make):
    district = make.district(name="长宁区")
    squad = make.squad(district, name="华阳路中队")
    officer = make.officer(squad=squad, name="周杰")
    supervisor = make.officer(Role.supervisor, district=district, name="吴督察")
    finding = record_finding(supervisor, officer_id=officer.id, type_code="uniform", severity=1,
                             place="长宁路 999 号", found_at=utcnow() - timedelta(hours=2),
                             description="执勤时未按规定着制式服装。")
    notices = {kind: issue_notice(supervisor, kind=kind, finding_id=finding.id if kind == NoticeKind.inform else None,
                                  squad_id=None if kind == NoticeKind.inform else squad.id,
                                  problem="执勤时未按规定着制式服装，影响执法形象。" * 3,
                                  requirement="立即整改，中队开展一次着装规范专项教育，并于期限内书面报告整改情况。",
                                  rectify_by=local_day() + timedelta(days=10))
               for kind in NoticeKind}
    session.commit()

    # A4 at 96 dpi, so the print-media screenshot shows the sheet as printed
    context = browser.new_context(extra_http_headers=make.headers(supervisor), locale="zh-CN",
                                  viewport={"width": 794, "height": 1123})
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    os.makedirs(ARTEFACTS, exist_ok=True)
    for kind, notice in notices.items():
        response = page.goto(f"{live_server_url}/api/supervision/notices/{notice.id}/print")
        assert response.status == 200
        assert page.locator("h1").inner_text().replace(" ", "") == {
            NoticeKind.inform: "督察告知单", NoticeKind.supervise: "督办通知单",
            NoticeKind.decision: "执法监督决定书", NoticeKind.suggestion: "执法监督建议书"}[kind]
        assert page.locator(".number").inner_text() == notice.number
        assert "长宁区城市管理行政执法局" in page.locator(".masthead").inner_text()
        page.emulate_media(media="print")
        page.screenshot(path=os.path.join(ARTEFACTS, f"notice-{kind.value}.png"), full_page=True)
        page.emulate_media(media="screen")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        assert pdf.startswith(b"%PDF")
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, f"{kind.value} does not fit one A4 page"
    assert all(url.startswith(live_server_url) for url in requested)
