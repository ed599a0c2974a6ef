"""The supervisor's and the district administrator's desks in a real headless Chromium (1366×768, keyboard):
a notice issued on a finding and printed, a rectification returned with a reason and then accepted; a role
change and a deactivation under the API's rules, a new version of a scoring rule; refusals beside their fields
with what was typed kept, an expired session back to sign-in and to the same page.

One browser for the module, a fresh context per test (the fixtures of tests/console/conftest.py). Screenshots go to
TEST_ARTEFACTS_DIR like the other console tests.
"""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.community.models import Category, CategoryDeadline
from backend.db import local_day, session, utcnow
from backend.demo import DEMO_PASSWORD
from backend.org.models import Officer, Role
from backend.scheduler import FAILED, run_job
from backend.supervision.findings.models import Finding, Notice, NoticeStatus
from backend.supervision.points.models import ScoringRule
from tests.console.conftest import ARTEFACTS, officer_id
from tests.wechat.test_sync_status import SYNC


def finding_on(badge_no: str) -> int:
    """The demo's latest finding on the officer."""
    found = session.scalars(select(Finding.id).where(Finding.officer_id == officer_id(badge_no))
                            .order_by(Finding.found_at.desc())).first()
    session.rollback()
    return found


def expire(committed_app, page) -> None:
    """The session ends on the server (as when the token expires): the page's next API call answers 401."""
    token = page.evaluate("JSON.parse(sessionStorage.getItem('console.session')).token")
    committed_app.test_client().post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})


def test_the_supervisor_returns_a_rectification_accepts_the_next_and_issues_and_prints_a_notice(
        desk, committed_app):
    page = desk.page
    desk.arrive("/console/notices?status=answered", "JA0002")

    rows = page.locator("#notices tbody tr")
    expect(rows).to_have_count(1)  # the demo's notice, answered by 王强
    expect(rows.first).to_contain_text("待验收")
    rows.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rectifications li")).to_have_count(1)
    expect(page.locator("#rectifications")).to_contain_text("已补领执法记录仪")
    desk.shot("supervision-1-answered")

    review = page.locator("#review-form")
    later = (local_day(utcnow()) + timedelta(days=10)).isoformat()
    review.get_by_label("重新整改期限").fill(later)
    review.get_by_role("button", name="退回整改").click()  # no reason: refused beside the reason
    expect(review.locator('[data-error-for="comment"]')).to_have_text("退回时必填。")
    expect(review.get_by_label("重新整改期限")).to_have_value(later)  # nothing typed is lost
    review.get_by_label("意见").fill("执法记录仪使用台账未补齐")
    review.get_by_role("button", name="退回整改").click()
    expect(page.locator("#notice")).to_have_text("整改已退回")
    expect(page.locator("#notice-title")).to_contain_text("已退回")
    expect(review).to_be_hidden()  # nothing to review until the officer answers again
    notice = session.scalar(select(Notice).where(Notice.problem.startswith("巡查时未按规定")))
    assert (notice.status, str(notice.rectify_by), notice.rectifications[-1].review_comment) == (
        NoticeStatus.returned, later, "执法记录仪使用台账未补齐")
    notice_id = notice.id
    session.rollback()

    officer = committed_app.test_client()  # 王强 answers again from his phone
    token = officer.post("/api/auth/login", json={"badge_no": "JA1003", "password": DEMO_PASSWORD}).json["token"]
    answered = officer.post(f"/api/supervision/notices/{notice_id}/rectifications",
                            json={"content": "台账已补齐并经中队长签字"}, headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 201, answered.json
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#rectifications li")).to_have_count(2)
    review.get_by_label("意见").focus()
    page.keyboard.type("同意")
    page.keyboard.press("Enter")  # the form's first button: 验收通过
    expect(page.locator("#notice")).to_have_text("整改已验收通过")
    expect(page.locator("#notice-title")).to_contain_text("已验收")
    notice = session.get(Notice, notice_id)
    assert (notice.status, notice.rectifications[-1].outcome) == (NoticeStatus.accepted, "accepted")
    session.rollback()
    desk.shot("supervision-2-accepted")

    issue = page.locator("#issue-form")
    page.locator("#notice-filter select").select_option("")
    page.get_by_role("button", name="筛选").click()
    issue.get_by_label("依据督察记录").select_option(index=1)  # the newest of the demo's findings: on 李娜
    issue.get_by_label("整改要求").fill("一周内完成整改并书面回复")
    issue.get_by_role("button", name="制发").click()  # no problem, no deadline: refused beside each
    expect(issue.locator('[data-error-for="problem"]')).not_to_be_empty()
    expect(issue.locator('[data-error-for="rectify_by"]')).not_to_be_empty()
    expect(issue.get_by_label("整改要求")).to_have_value("一周内完成整改并书面回复")
    desk.shot("supervision-3-refused")
    issue.get_by_label("存在问题").fill("复查时仍未佩戴执法记录仪")
    issue.get_by_label("整改期限").fill(later)
    issue.get_by_role("button", name="制发").click()  # 李娜's finding has its 告知单 already: refused beside it
    expect(issue.locator('[data-error-for="finding_id"]')).to_contain_text("已制发督察告知单")
    expect(issue.locator('[data-error-for="finding_id"]')).to_contain_text("督告")
    expect(issue.get_by_label("存在问题")).to_have_value("复查时仍未佩戴执法记录仪")  # the form keeps its values
    expect(issue.get_by_label("整改期限")).to_have_value(later)
    expect(issue.get_by_label("依据督察记录")).to_have_value(str(finding_on("JA1002")))
    expect(rows).to_have_count(2)
    desk.shot("supervision-3-second-notice-refused")
    issue.get_by_label("依据督察记录").select_option(str(finding_on("JA2002")))  # 孙丽's has none yet
    issue.get_by_role("button", name="制发").click()
    expect(page.locator("#notice")).to_contain_text("已制发")
    expect(rows).to_have_count(3)  # the demo's two notices and the one just issued
    expect(page.locator("#notice-title")).to_contain_text("待整改")
    issued = session.scalars(select(Notice).order_by(Notice.id.desc())).first()
    assert (issued.problem, issued.officer_id, str(issued.rectify_by)) == (
        "复查时仍未佩戴执法记录仪", officer_id("JA2002"), later)  # to whom the finding names
    number = issued.number
    session.rollback()

    with page.expect_popup() as opened:
        page.get_by_role("button", name="打印通知书").click()
    printed = opened.value
    printed.wait_for_load_state()
    assert "/print?link=" in printed.url  # the API's page itself, opened through a signed download link
    expect(printed.locator("body")).to_contain_text(number)
    expect(printed.locator("body")).to_contain_text("复查时仍未佩戴执法记录仪")
    printed.screenshot(path=ARTEFACTS / "supervision-4-print-page.png", full_page=True)
    printed.close()
    page.emulate_media(media="print")  # the console's own print sheet: the notice without forms and navigation
    expect(page.locator("#issue-form")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("#notice-detail")).to_be_visible()
    desk.shot("supervision-4-print")
    page.emulate_media(media="screen")
    assert not desk.errors, desk.errors


def test_the_administrator_changes_a_role_deactivates_and_adds_a_rule_version(desk, committed_app):
    page = desk.page
    desk.arrive("/console/staff", "JA0001")
    expect(page.locator("#officers tbody tr")).to_have_count(12)  # every role, two 街镇 leaders too
    desk.shot("admin-1-staff")

    wang = page.locator('#officers tr[data-badge="JA1003"]')
    wang.get_by_label("王强的角色").select_option("district_admin")  # a squad's man cannot be district staff
    wang.get_by_role("button", name="改角色").click()
    expect(wang.locator('[data-error-for="_form"]')).to_contain_text("不属于中队，请不要填写中队")
    expect(wang.get_by_label("王强的角色")).to_have_value("district_admin")
    wang.get_by_label("王强的角色").select_option("squad_leader")
    wang.get_by_label("王强的角色").press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("已将王强改为中队长")

    page.locator('#officers tr[data-badge="JA0001"]').get_by_role("button", name="停用陈建国").click()
    expect(page.locator('#officers tr[data-badge="JA0001"] [data-error-for="_form"]')).to_contain_text("不能停用自己")
    page.get_by_role("button", name="停用周杰").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("已停用周杰")
    expect(page.locator('#officers tr[data-badge="JA2003"]')).to_contain_text("已停用")
    assert session.execute(select(Officer.role, Officer.active).where(Officer.badge_no.in_(["JA1003", "JA2003"]))
                           .order_by(Officer.badge_no)).all() == [(Role.squad_leader, True), (Role.officer, False)]
    session.rollback()
    page.locator("#officer-filter select").select_option(label="南京西路街道中队")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#officers tbody tr")).to_have_count(3)
    desk.shot("admin-2-changed")

    # last night's sync against the test's WeChat, whose directory lacks the district's department: refused
    assert run_job(committed_app, SYNC, local_day(utcnow())) == FAILED
    page.get_by_text("政务微信通讯录同步状态").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sync-state")).to_contain_text("已配置，每晚 02:30 同步")
    expect(page.locator("#sync-runs li.late-mark")).to_have_count(1)
    expect(page.locator("#sync-runs")).to_contain_text(f"{local_day(utcnow())}：失败")
    expect(page.locator("#sync-runs")).to_contain_text("通讯录中看不到静安区城管执法局的部门")

    vending = page.locator("#deadline-street_vending")  # the district's own deadlines for a category
    vending.get_by_label("无序设摊受理（小时）").fill("两天")
    vending.get_by_label("无序设摊办结（天）").fill("100")
    vending.get_by_role("button", name="保存无序设摊时限").click()
    expect(vending.locator('[data-error-for="accept_hours"]')).not_to_be_empty()
    expect(vending.locator('[data-error-for="resolve_days"]')).not_to_be_empty()
    expect(vending.get_by_label("无序设摊受理（小时）")).to_have_value("两天")
    vending.get_by_label("无序设摊受理（小时）").fill("12")
    vending.get_by_label("无序设摊办结（天）").fill("5")
    vending.get_by_label("无序设摊办结（天）").press("Enter")
    expect(page.locator("#notice")).to_have_text("已保存「无序设摊」的办理时限")
    assert session.execute(select(CategoryDeadline.accept_hours, CategoryDeadline.resolve_days)
                           .where(CategoryDeadline.category == Category.street_vending)).all() == [(12, 5)]
    session.rollback()

    desk.open("/console/rules")
    expect(page.locator("#rules tbody tr").first).to_be_visible()
    rules = page.locator("#rule-form")
    next_month = (local_day(utcnow()).replace(day=1) + timedelta(days=32)).replace(day=1)
    rules.get_by_label("类别").fill("勤务")
    rules.get_by_label("每单位分").fill("很多")
    rules.get_by_label("生效自").fill(next_month.replace(day=15).isoformat())
    rules.get_by_role("button", name="保存版本").click()
    expect(rules.locator('[data-error-for="points_per_unit"]')).not_to_be_empty()
    expect(rules.get_by_label("每单位分")).to_have_value("很多")
    rules.get_by_label("每单位分").fill("2")
    rules.get_by_role("button", name="保存版本").click()  # the 15th: a rule starts on the 1st of a month
    expect(rules.locator('[data-error-for="effective_from"]')).to_have_text("须为某月 1 日。")
    expect(rules.get_by_label("类别")).to_have_value("勤务")
    desk.shot("admin-3-refused")

    rules.get_by_label("生效自").fill(next_month.isoformat())
    before = session.scalar(select(func.count(ScoringRule.id)))
    session.rollback()
    expire(committed_app, page)  # the session ends while the form is filled in
    rules.get_by_role("button", name="保存版本").click()
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Frules")
    desk.sign_in("JA0001", DEMO_PASSWORD)
    expect(page).to_have_url("/console/rules")
    expect(rules.get_by_label("每单位分")).to_have_value("2")  # what was typed is back
    expect(rules.get_by_label("生效自")).to_have_value(next_month.isoformat())
    rules.get_by_role("button", name="保存版本").click()
    expect(page.locator("#notice")).to_contain_text("的规则版本")
    expect(page.locator("#rules tbody")).to_contain_text("本区版本")
    rule = session.scalars(select(ScoringRule).order_by(ScoringRule.id.desc())).first()
    assert session.scalar(select(func.count(ScoringRule.id))) == before + 1
    assert (str(rule.points_per_unit), rule.effective_from, rule.category) == ("2.00", next_month, "勤务")
    session.rollback()
    desk.shot("admin-4-rule-version")
    assert not desk.errors, desk.errors
