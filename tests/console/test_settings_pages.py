"""The district's settings and reports at the console, on the demo, in a real headless Chromium (1366×768, keyboard):
the district administrator reads the points parameters, sets one from a month on and adds a scoring-rule version;
the city administrator adds a district and its first administrator, then picks it in the layout's district picker,
remembered from page to page; the non-site monthly report as a chart and a table, for the district and for a 街镇
leader (counts only); the board's approval column is the squad's, not an observer's. Each refusal beside its field,
what was typed kept."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from backend.db import local_day, session, utcnow
from backend.org.models import District, Officer, Role
from backend.supervision.points.models import Parameter, ScoringRule
from tests.console.conftest import MAX_RENDER_CALLS


def sign_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))


NONSITE_LABELS = "Chart.getChart(document.getElementById('nonsite-chart')).data.labels"


def test_the_district_administrator_reads_the_parameters_and_adds_a_rule_version(desk):
    page = desk.page
    desk.arrive("/console/rules", "JA0001")
    expect(page.locator("#district-picker")).to_be_hidden()  # their own district's rules, no choice to make
    base = page.locator("#parameters tbody tr", has_text="POINTS_MONTHLY_BASE")
    expect(base).to_contain_text("示例默认值")
    expect(page.locator("#rules tbody tr").first).to_contain_text("示例默认值")

    rules = page.locator("#rule-form")
    next_month = (local_day(utcnow()).replace(day=1) + timedelta(days=32)).replace(day=1)
    rules.get_by_label("类别").fill("勤务")
    rules.get_by_label("每单位分").fill("1.5")
    rules.get_by_label("月上限").fill("5000")  # above what a month's cap may be
    rules.get_by_label("生效自").fill(next_month.isoformat())
    rules.get_by_role("button", name="保存版本").click()
    expect(rules.locator('[data-error-for="monthly_cap"]')).not_to_be_empty()
    expect(rules.get_by_label("每单位分")).to_have_value("1.5")
    expect(rules.get_by_label("生效自")).to_have_value(next_month.isoformat())
    desk.shot("settings-1-rule-refused")
    rules.get_by_label("月上限").fill("30")
    rules.get_by_label("月上限").press("Enter")
    expect(page.locator("#notice")).to_contain_text(f"自 {next_month} 起的规则版本")
    expect(page.locator("#rules tbody tr", has_text="本区版本")).to_contain_text("30")
    rule = session.scalars(select(ScoringRule).order_by(ScoringRule.id.desc())).first()
    assert (str(rule.points_per_unit), str(rule.monthly_cap), rule.effective_from) == ("1.50", "30.00", next_month)
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_district_administrator_sets_a_points_parameter_from_a_month_on(desk):
    page = desk.page
    desk.arrive("/console/rules", "JA0001")
    lock_day = page.locator("#parameters tbody tr", has_text="POINTS_LOCK_DAY")
    expect(lock_day).to_contain_text("示例默认值")
    form = page.locator("#parameter-form")
    next_month = (local_day(utcnow()).replace(day=1) + timedelta(days=32)).replace(day=1)
    form.get_by_label("参数").select_option("POINTS_LOCK_DAY")
    form.get_by_label("取值").fill("29")  # a lock day is 1–28
    form.get_by_label("适用自").fill(f"{next_month:%Y-%m}")
    form.get_by_role("button", name="保存参数").click()
    expect(form.locator('[data-error-for="value"]')).to_contain_text("1 到 28")
    expect(form.get_by_label("取值")).to_have_value("29")
    expect(form.get_by_label("适用自")).to_have_value(f"{next_month:%Y-%m}")
    desk.shot("settings-1b-parameter-refused")
    form.get_by_label("取值").fill("15")
    form.get_by_label("取值").press("Enter")
    expect(page.locator("#notice")).to_contain_text(f"自 {next_month:%Y-%m} 起适用")
    expect(lock_day).to_contain_text("示例默认值")  # this month still computes with the example default
    saved = session.scalars(select(Parameter).order_by(Parameter.id.desc())).first()
    assert (saved.name, saved.value, saved.effective_from) == ("POINTS_LOCK_DAY", "15", next_month)
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_city_administrator_adds_a_district_and_its_administrator_then_picks_it(desk):
    page = desk.page
    desk.arrive("/console/admin", "SH0001")
    card = page.locator("#districts-card")
    card.get_by_text("区局与首位区局管理员").focus()
    page.keyboard.press("Enter")
    expect(card.locator("#districts tbody tr")).to_have_count(1)

    district = card.locator("#district-form")
    district.get_by_label("区局编码").fill("JA")  # the demo's district has it
    district.get_by_label("区局名称").fill("黄浦区城管执法局")
    district.get_by_role("button", name="添加区局").click()
    expect(district.locator('[data-error-for="code"]')).to_have_text("已被其他区局使用。")
    expect(district.get_by_label("区局名称")).to_have_value("黄浦区城管执法局")
    district.get_by_label("区局编码").fill("HP")
    district.get_by_label("区局编码").press("Enter")
    expect(page.locator("#notice")).to_have_text("已添加区局“黄浦区城管执法局”，请为其设置首位区局管理员")
    expect(card.locator("#districts tbody tr")).to_have_count(2)

    admin = card.locator("#district-admin-form")
    expect(admin.get_by_label("工号")).to_be_focused()
    huangpu, jingan = (str(session.scalar(select(District.id).where(District.code == code))) for code in ("HP", "JA"))
    session.rollback()
    expect(admin.get_by_label("区局")).to_have_value(huangpu)
    page.keyboard.type("HP0001")
    admin.get_by_label("姓名").fill("陈明")
    admin.get_by_label("初始密码").fill("short")  # fewer than 8 characters
    admin.get_by_label("手机号").fill("1390000123")  # ten digits
    admin.get_by_role("button", name="设置管理员").click()
    expect(admin.locator('[data-error-for="password"]')).not_to_be_empty()
    expect(admin.locator('[data-error-for="phone"]')).to_have_text("应为 11 位手机号。")
    expect(admin.get_by_label("姓名")).to_have_value("陈明")
    desk.shot("settings-2-district-admin-refused")
    admin.get_by_label("初始密码").fill("huangpu-2026")
    admin.get_by_label("手机号").fill("13900001234")
    admin.get_by_label("手机号").press("Enter")
    expect(page.locator("#notice")).to_have_text("已设置陈明（HP0001）为“黄浦区城管执法局”的区局管理员")
    made = session.scalars(select(Officer).where(Officer.badge_no == "HP0001")).one()
    assert (made.role, made.district.code, made.active) == (Role.district_admin, "HP", True)
    session.rollback()

    # the district settings pages: the layout's picker, the choice kept from page to page
    calls = desk.open("/console/rules")  # the districts, the parameters, the chosen district's rules
    assert len(calls) <= MAX_RENDER_CALLS, calls
    picker = page.locator("#district-picker").get_by_label("区局")
    expect(picker.locator("option")).to_have_text(["黄浦区城管执法局", "静安区城管执法局"])  # by code
    expect(page.locator("#rule-form")).to_be_hidden()
    expect(page.locator("#rules tbody tr").first).to_be_visible()
    with page.expect_response(lambda answer: "/api/points/rules?" in answer.url) as answered:
        picker.select_option(label="静安区城管执法局")  # the page is shown again for the district chosen
    assert answered.value.ok and answered.value.url.endswith(f"district_id={jingan}")
    expect(page.locator("#rules tbody tr").first).to_be_visible()
    expect(picker.locator("option:checked")).to_have_text("静安区城管执法局")
    desk.shot("settings-3-city-picks-a-district")

    desk.open("/console/calendar")  # the choice kept from page to page
    expect(picker.locator("option:checked")).to_have_text("静安区城管执法局")
    expect(page.locator("#calendar-days tbody tr").first).to_be_visible()
    picker.select_option(label="黄浦区城管执法局")
    expect(page.locator("#calendar-caption")).to_contain_text("（0 天）")  # 黄浦 has no calendar yet
    desk.open("/console/rules")
    expect(picker).to_have_value(huangpu)
    assert not desk.errors, desk.errors


def test_the_non_site_month_as_a_chart_for_the_district_and_for_a_town_leader(desk):
    page = desk.page
    desk.arrive("/console/nonsite", "JA0001")
    page.wait_for_function(f"() => {NONSITE_LABELS}.length === 2")
    assert page.evaluate(NONSITE_LABELS) == ["静安寺街道中队", "南京西路街道中队"]
    expect(page.locator("#nonsite tbody tr")).to_have_count(2)
    # the demo camera's month: 5 alerts, 3 confirmed, 1 dismissed (75.0%), 3 cases 立案, 1 of them 撤案
    cells = page.locator("#nonsite tbody tr", has_text="静安寺街道中队").locator("td")
    expect(cells).to_have_text(["静安寺街道中队", "5", "3", "1", "75.0%", "3", "0", "1", "0", "0", "0", "0 / 0", "0",
                                "—"])
    desk.shot("settings-4-nonsite-month")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="导出 Excel").click()
    assert downloading.value.suggested_filename.startswith("nonsite-report-")

    page.get_by_label("月份").fill("1999-12")  # before the years the service keeps
    page.get_by_label("月份").press("Enter")
    expect(page.locator('[data-error-for="month"]')).not_to_be_empty()
    expect(page.get_by_label("月份")).to_have_value("1999-12")
    sign_out(page)

    desk.arrive("/console/nonsite", "JA5001")  # a 街镇 leader: their 街镇's squad, counts only
    page.wait_for_function(f"() => {NONSITE_LABELS}.length === 1")
    expect(page.locator("#nonsite tbody tr")).to_have_count(1)
    expect(page.locator("#nonsite tbody tr")).to_contain_text("静安寺街道中队")
    assert not desk.errors, desk.errors


def test_the_approval_column_is_the_squad_leaders_not_the_observers(desk):
    page = desk.page
    desk.arrive("/console/board", "JA1001")
    approval = page.locator("#board thead th", has_text="外勤审批")
    expect(approval).to_be_visible()
    expect(page.locator("#board form.decision")).to_have_count(1)
    sign_out(page)

    for badge_no in ("JA5001", "SH0002"):
        desk.arrive("/console/board", badge_no)
        expect(page.locator("#board tbody tr").first).to_be_visible()
        expect(approval).to_be_hidden()
        for row in page.locator("#board tbody tr").all():
            expect(row.locator("td")).to_have_count(8)  # the cell is there, not shown: the columns stay aligned
            expect(row.locator("td:visible")).to_have_count(7)
        sign_out(page)
    assert not desk.errors, desk.errors
