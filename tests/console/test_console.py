"""The desk console in a real headless Chromium (1366×768, keyboard) against a live server and the demo data:
the squad leader's morning and the month's review, the API's refusals beside their fields, an expired session.

Screenshots go to TEST_ARTEFACTS_DIR (default tmp/artifacts/console, not committed). One browser for the module
(other modules drive Chromium with sync_playwright of their own, which cannot run while this one is open), a
fresh context per test. Pages are counted by the API calls they make to render.
"""
from __future__ import annotations

import io
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from backend.community.models import Complaint, Status
from backend.config import ROOT
from backend.db import session
from backend.demo import DEMO_PASSWORD, load_demo
from backend.duty.models import Approval, DutyCheck
from backend.org.models import Officer
from backend.supervision.points.models import MonthlyPoints, SheetState

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", ROOT / "tmp" / "artifacts")) / "console"
MAX_RENDER_CALLS = 3


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class TileServer(ThreadingHTTPServer):
    """The map's tile service on 127.0.0.1: a plain 256×256 PNG for any tile, each request remembered."""

    def __init__(self):
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (222, 230, 238)).save(buffer, "PNG")
        self.png, self.requested = buffer.getvalue(), []
        super().__init__(("127.0.0.1", 0), TileHandler)


class TileHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.server.png)))
        self.end_headers()
        self.wfile.write(self.server.png)

    def log_message(self, *args):
        pass


@pytest.fixture
def tiles(committed_app, monkeypatch):
    server = TileServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(committed_app.config, "CONSOLE_TILE_URL",
                        f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png")
    yield server
    server.shutdown()
    server.server_close()


class Desk:
    """A person at a desk: one browser page, the API calls it made, what its console reported as errors."""

    def __init__(self, page):
        self.page, self.calls, self.errors = page, [], []
        page.on("request", lambda r: self.calls.append(f"{r.method} {urlsplit(r.url).path}")
                if urlsplit(r.url).path.startswith("/api/") else None)
        # a script error or a CSP refusal (an answer the page handles, such as 422, is logged too: not counted)
        page.on("console", lambda m: self.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str) -> list[str]:
        """Open a console page and wait until it has rendered; the API calls it made to render."""
        self.calls.clear()
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return list(self.calls)

    def sign_in(self, badge_no: str, password: str = DEMO_PASSWORD) -> None:
        """Type badge and password on the sign-in page (the badge field has the focus) and press Enter."""
        keyboard = self.page.keyboard
        expect(self.page.get_by_label("工号")).to_be_focused()
        keyboard.type(badge_no)
        keyboard.press("Tab")
        keyboard.type(password)
        keyboard.press("Enter")

    def shot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def desk(browser, live_server_url, committed_app, tiles):
    load_demo()
    session.commit()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=live_server_url)
    context.set_default_timeout(15000)
    yield Desk(context.new_page())
    context.close()


def officer_id(badge_no: str) -> int:
    return session.scalar(select(Officer.id).where(Officer.badge_no == badge_no))


def test_the_squad_leaders_morning_board_out_of_area_approval_and_assigning_a_complaint(desk, tiles):
    page = desk.page
    desk.open("/console/board")
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Fboard")
    desk.sign_in("JA1001")
    expect(page).to_have_url("/console/board")
    page.wait_for_load_state("networkidle")
    calls = desk.open("/console/board")
    assert len(calls) <= MAX_RENDER_CALLS, calls

    board = page.locator("#board tbody tr")
    expect(board).to_have_count(2)  # the leader's squad only: 李娜 on post, 王强 out of area
    waiting = page.locator('#board tr[data-state="out_of_area_pending"]')
    expect(waiting).to_contain_text("王强")
    expect(waiting).to_contain_text("外勤待审批")
    expect(waiting).to_contain_text("距围栏")
    expect(page.locator('#board tr[data-state="on_duty"]')).to_contain_text("李娜")
    expect(page.locator("#board-summary")).to_contain_text("外勤待审批 1 人次")
    expect(page.locator("#map .leaflet-interactive")).to_have_count(2)  # the squad's two posts
    assert tiles.requested and all(path.startswith("/tiles/") for path in tiles.requested)
    desk.shot("morning-1-board")

    waiting.get_by_label("审批意见").focus()
    page.keyboard.type("群众求助属实")
    page.keyboard.press("Tab")  # to 同意
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("已同意外勤签到")
    expect(page.locator('#board tr[data-state="out_of_area_pending"]')).to_have_count(0)
    decided = session.scalars(select(DutyCheck).where(DutyCheck.officer_id == officer_id("JA1003"),
                                                      DutyCheck.out_of_area)).all()
    assert [(c.approval, c.decision_note) for c in decided if c.decided_at] == [(Approval.approved, "群众求助属实")]
    session.rollback()  # end the test's read, so that the server may write (SQLite)
    desk.shot("morning-2-approved")

    calls = desk.open("/console/complaints")
    assert len(calls) <= MAX_RENDER_CALLS, calls
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(8)  # the squad's complaints in every state
    expect(page.locator("#queue tr.overdue")).to_have_count(2)
    expect(page.locator("#queue tr.overdue", has_text="噪声扰民")).to_contain_text("受理超期")
    expect(page.locator("#queue tr.overdue", has_text="违法广告")).to_contain_text("办结超期")

    fresh = page.locator("#queue tr", has_text="无序设摊")
    fresh.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_contain_text("已提交")
    expect(page.locator("#timeline li")).to_have_count(1)
    form = page.locator("#assign-form")
    form.get_by_role("button", name="派单").click()  # nobody chosen: the API's refusal beside the select
    expect(form.locator('[data-error-for="officer_id"]')).to_have_text("不能为空。")
    options = form.get_by_label("派单给").locator("option")
    expect(options).to_have_count(3)  # the prompt and the squad's two officers, nearest on duty first
    expect(options.nth(1)).to_contain_text("李娜")
    form.get_by_label("派单给").select_option(index=1)
    form.get_by_role("button", name="派单").click()
    expect(page.locator("#notice")).to_contain_text("已派单")
    expect(page.locator("#detail-title")).to_contain_text("已派单")
    expect(form.locator('[data-error-for="officer_id"]')).to_be_empty()
    assert len(page.locator("#timeline li").all()) > 1
    complaint = session.scalar(select(Complaint).where(Complaint.description.startswith("华山路地铁站口")))
    session.refresh(complaint)
    assert (complaint.status, complaint.assignee_id) == (Status.assigned, officer_id("JA1002"))
    desk.shot("morning-3-assigned")
    assert not desk.errors, desk.errors  # no CSP refusal, no script error


def test_the_months_review_explain_adjust_review_and_publish(desk):
    page = desk.page
    desk.open("/console/points")
    desk.sign_in("JA2001")
    expect(page).to_have_url("/console/points")
    calls = desk.open("/console/points")
    assert len(calls) <= MAX_RENDER_CALLS, calls

    sheets = page.locator("#sheets tbody tr")
    expect(sheets).to_have_count(3)  # the squad's two officers and its leader, all drafts
    expect(page.locator("#sheets tbody")).not_to_contain_text("已审核")
    shown = [float(row.locator("td").nth(5).inner_text()) for row in sheets.all()]
    expect(page.locator('[data-total="total"]')).to_have_text(f"{sum(shown):.2f}")
    desk.shot("review-1-month")

    row = page.locator("#sheets tbody tr", has_text="孙丽")
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#explain-title")).to_contain_text("孙丽")
    first_line = page.locator("#explain-lines details").first
    first_line.locator("summary").click()
    expect(first_line.locator("li").first).to_be_visible()  # the day's records behind the line

    form = page.locator("#adjust-form")
    form.get_by_label("分值").fill("很多")
    form.get_by_label("理由").fill("好")
    form.get_by_role("button", name="保存调整").click()
    expect(form.locator('[data-error-for="points"]')).not_to_be_empty()
    expect(form.locator('[data-error-for="reason"]')).not_to_be_empty()
    expect(form.get_by_label("分值")).to_have_value("很多")  # nothing typed is lost
    expect(form.get_by_label("理由")).to_have_value("好")
    desk.shot("review-2-refused")

    form.get_by_label("分值").fill("1.5")
    form.get_by_label("理由").fill("协助处置突发事件")
    form.get_by_role("button", name="保存调整").click()
    expect(page.locator("#notice")).to_contain_text("调整已保存")
    expect(page.locator("#explain-lines")).to_contain_text("调整 1.50 分：协助处置突发事件")

    page.get_by_role("button", name="一键审核草稿").click()
    expect(page.locator("#batch-result")).to_contain_text("已审核 2 张，跳过 1 张（赵磊：")  # own sheet: district's
    page.get_by_role("button", name="一键公布已审核").click()
    expect(page.locator("#batch-result")).to_contain_text("已公布 2 张")
    expect(page.locator("#sheets tbody tr", has_text="孙丽")).to_contain_text("已公布")
    sheet = session.scalars(select(MonthlyPoints).where(MonthlyPoints.officer_id == officer_id("JA2002"))
                            .order_by(MonthlyPoints.month)).first()
    session.refresh(sheet)
    assert sheet.state == SheetState.published and str(sheet.adjustments_total) == "1.50"
    desk.shot("review-3-published")
    assert not desk.errors, desk.errors


def test_a_refused_sign_in_keeps_the_badge_and_an_expired_session_returns_to_the_same_page(desk, committed_app):
    page = desk.page
    desk.open("/console/complaints?status=submitted")
    desk.sign_in("JA1001", "wrong-password")
    expect(page.locator('#login-form [data-error-for="_form"]')).to_contain_text("工号或密码错误")
    expect(page.get_by_label("工号")).to_have_value("JA1001")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_label("密码").press("Enter")
    expect(page).to_have_url("/console/complaints?status=submitted")

    token = page.evaluate("JSON.parse(sessionStorage.getItem('console.session')).token")
    committed_app.test_client().post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    page.locator("#queue-filter select").select_option("accepted")
    page.get_by_role("button", name="筛选").click()  # the API answers 401: back to sign-in
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Fcomplaints%3Fstatus%3Dsubmitted")
    desk.sign_in("JA1001")
    expect(page).to_have_url("/console/complaints?status=submitted")
    expect(page.locator("#queue-filter select")).to_have_value("accepted")  # what was chosen is still there
