"""The desk console in a real headless Chromium (1366×768, keyboard) against a live server and the demo data:
the squad leader's morning and the month's review, the API's refusals beside their fields, an expired session.

The browser, the tile service and the desk are in conftest.py (one browser per module, a fresh context per test).
"""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from backend.community.models import Complaint, Status
from backend.db import local_day, session, utcnow
from backend.demo import DEMO_PASSWORD
from backend.duty.models import Approval, DutyCheck
from backend.orders.models import Status as OrderStatus
from backend.orders.models import WorkOrder
from backend.supervision.points.models import MonthlyPoints, SheetState
from tests.console.conftest import MAX_RENDER_CALLS, officer_id


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
    rows = page.locator('#queue tbody tr[data-kind="complaint"]')
    expect(rows).to_have_count(8)  # the squad's complaints in every state
    expect(page.locator('#queue tr.overdue[data-kind="complaint"]')).to_have_count(2)
    expect(page.locator("#queue tr.overdue[data-kind=complaint]", has_text="噪声扰民")).to_contain_text("受理超期")
    expect(page.locator("#queue tr.overdue[data-kind=complaint]", has_text="违法广告")).to_contain_text("办结超期")

    fresh = page.locator("#queue tr[data-kind=complaint]", has_text="无序设摊")
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
    session.rollback()  # end the test's read, so that the server may write (SQLite)
    desk.shot("morning-3-assigned")

    # the city operations centre's work orders in the same queue, their deadlines and the overdue one marked
    orders = page.locator('#queue tbody tr[data-kind="order"]')
    expect(orders).to_have_count(3)
    expect(page.locator('#queue tr.overdue[data-kind="order"]')).to_contain_text("CY2026000103")
    expect(page.locator("#map .leaflet-interactive")).not_to_have_count(0)  # the open items on the map
    fresh = page.locator("#queue tr", has_text="CY2026000101")
    expect(fresh).to_contain_text("区城运中心")
    fresh.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_contain_text("工单 CY2026000101 · 无序设摊 · 已接收")
    expect(page.locator("#timeline li")).to_have_count(1)
    expect(page.locator("#timeline li").first).to_contain_text("收到区城运中心工单")
    form.get_by_role("button", name="派单").click()
    expect(form.locator('[data-error-for="officer_id"]')).not_to_be_empty()
    form.get_by_label("派单给").select_option(label=page.locator("#assign-form option", has_text="王强")
                                            .inner_text())
    form.get_by_role("button", name="派单").click()
    expect(page.locator("#detail-title")).to_contain_text("已派单")
    expect(page.locator("#timeline li")).to_have_count(3)  # received, accepted (by assigning), assigned
    expect(page.locator("#timeline li").last).to_contain_text("派给王强")
    expect(page.locator("#timeline li").last).to_contain_text("（张伟）")
    order = session.scalar(select(WorkOrder).where(WorkOrder.source_order_id == "CY2026000101"))
    session.refresh(order)
    assert (order.status, order.assignee_id) == (OrderStatus.assigned, officer_id("JA1003"))
    session.rollback()
    desk.shot("morning-4-order-assigned")
    assert not desk.errors, desk.errors  # no CSP refusal, no script error


def test_the_months_review_explain_adjust_review_and_publish(desk):
    page = desk.page
    desk.arrive("/console/points", "JA2001")

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
    last_month = (local_day(utcnow()).replace(day=1) - timedelta(days=1)).replace(day=1)  # the page's month
    sheet = session.scalar(select(MonthlyPoints).where(MonthlyPoints.officer_id == officer_id("JA2002"),
                                                       MonthlyPoints.month == last_month))
    session.refresh(sheet)
    assert sheet.state == SheetState.published and str(sheet.adjustments_total) == "1.50"
    session.rollback()
    desk.shot("review-3-published")

    with page.expect_download() as saved:  # the month as the Excel file the API exports
        page.get_by_role("button", name="导出 Excel").click()
    month = page.get_by_label("月份").input_value()
    assert saved.value.suggested_filename == f"points-{month}.xlsx"
    assert "link=" in saved.value.url  # a plain signed link, not a blob fetched with the token in a header
    workbook = load_workbook(BytesIO(saved.value.path().read_bytes()))
    assert "孙丽" in {cell.value for row in workbook.active.iter_rows() for cell in row}
    expect(page.locator("#notice")).to_have_text("积分表已开始下载")
    assert not desk.errors, desk.errors


def test_the_quarter_and_the_year_with_each_officers_trend(desk):
    page = desk.page
    desk.arrive("/console/appraisal", "JA1001")
    quarter = page.locator("#quarterly tbody tr")
    expect(quarter).to_have_count(3)  # the squad's two officers and its leader, the quarter of last month
    expect(page.locator("#yearly tbody tr")).to_have_count(3)
    trend = page.evaluate("Chart.getChart(document.getElementById('trend-chart')).data.datasets.map(d => d.label)")
    assert sorted(trend) == sorted(["张伟", "李娜", "王强"])

    row = page.locator("#quarterly tbody tr", has_text="李娜")
    row.get_by_role("button", name="确认").click()  # no rating chosen: the API's refusal beside the select
    expect(row.locator('[data-error-for="rating"]')).not_to_be_empty()
    row.get_by_label("评价等次").select_option(label="优")
    row.get_by_role("button", name="确认").click()  # the quarter's months are not locked yet
    expect(row.locator('[data-error-for="_form"]')).to_contain_text("锁定后才能确认季评价")
    expect(row.get_by_label("评价等次")).to_have_value("excellent")  # kept
    desk.shot("appraisal-1-quarter-refused")
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

    page.wait_for_load_state("networkidle")  # the queue shown: the session ends after the page has rendered
    token = page.evaluate("JSON.parse(sessionStorage.getItem('console.session')).token")
    committed_app.test_client().post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    page.get_by_label("状态").select_option("accepted")
    page.get_by_role("button", name="筛选").click()  # the API answers 401: back to sign-in
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Fcomplaints%3Fstatus%3Dsubmitted")
    desk.sign_in("JA1001")
    expect(page).to_have_url("/console/complaints?status=submitted")
    expect(page.get_by_label("状态")).to_have_value("accepted")  # what was chosen is still there
