"""The console's menus per role, on the demo: a 街镇 leader and the city's staff are offered the pages of the work
they follow and no control that would change anything; a page their role does not use is not in the menu, and
opening it goes to the first page it does, saying why; a city role picks the district on a page of one district's
settings."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

NAV = ".top nav a:visible"


def _all_hidden(controls) -> None:
    """The page has these controls (its data is there) and shows none of them to the observer."""
    assert controls.count() > 0
    for control in controls.all():
        expect(control).to_be_hidden()


def _sent_to_board(desk, path: str, notice: str) -> None:
    """A page the role does not use: opening it goes to the board, saying why."""
    desk.open(path)
    expect(desk.page).to_have_url("/console/board")
    expect(desk.page.locator("#notice")).to_have_text(notice)
    assert not desk.errors, desk.errors


def test_a_town_leader_reads_the_squads_work_without_write_controls(desk):
    page = desk.page
    desk.arrive("/console/board", "JA5001")
    expect(page.locator(NAV)).to_have_text(["今日勤务", "点位围栏", "周排班", "诉件与工单", "月积分审核",
                                            "季度与年度", "培训", "全市报表", "非现场月报"])
    expect(page.locator("#who")).to_contain_text("街镇领导")
    expect(page.locator("#board tbody tr").first).to_be_visible()
    _all_hidden(page.locator("#board form.decision"))  # out-of-area check-ins are shown, approving is the leader's

    desk.open("/console/roster")
    expect(page.locator("#roster tbody tr").first).to_be_visible()
    for name in ("保存排班", "复制上周排班", "添加"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    _all_hidden(page.locator("#roster input"))
    desk.shot("roles-1-town-leader-roster")

    # the district's accounts and rules are no 街镇 leader's page
    _sent_to_board(desk, "/console/staff", "“人员与时限”不对街镇领导开放，已转到“今日勤务”")


def test_the_city_supervisor_picks_a_district_for_its_calendar_and_changes_nothing(desk):
    page = desk.page
    desk.arrive("/console/calendar", "SH0002")
    expect(page.locator(NAV)).to_have_text(["今日勤务", "点位围栏", "周排班", "诉件与工单", "月积分审核",
                                            "季度与年度", "培训", "督察", "通知与整改", "全市报表", "课程与直播",
                                            "工作日历", "积分规则", "非现场月报"])
    picker = page.locator("#district-picker").get_by_label("区局")
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_count(1)
    expect(picker.locator("option")).to_have_text(["静安区城管执法局"])
    expect(page.locator("#calendar-days tbody tr").first).to_be_visible()
    expect(page.locator("#day-form")).to_be_hidden()
    _all_hidden(page.locator("#calendar-days button"))
    desk.shot("roles-2-city-supervisor-calendar")

    # the accounts are the administrators'
    _sent_to_board(desk, "/console/admin", "“人员与工作室”不对市局督察员开放，已转到“今日勤务”")


def test_the_city_administrator_sees_the_people_but_not_the_district_administrators_controls(desk):
    page = desk.page
    desk.arrive("/console/admin", "SH0001")
    expect(page.locator(NAV).filter(has_text="人员与工作室")).to_have_count(1)
    expect(page.locator(NAV).filter(has_text="人员与时限")).to_have_count(0)
    expect(page.locator("#squads tbody tr")).to_have_count(2)
    expect(page.locator("#squad-form")).to_be_hidden()
    expect(page.get_by_role("button", name="更换二维码")).to_have_count(0)
    expect(page.get_by_role("button", name="下载 PNG").first).to_be_visible()
    assert not desk.errors, desk.errors


@pytest.mark.parametrize("badge_no", ["JA5001", "SH0002"])
def test_every_page_offered_to_an_observer_renders_without_a_refusal(desk, badge_no):
    """The map of pages to roles agrees with the API: no page offered to an observer meets a 403 on rendering."""
    page = desk.page
    desk.arrive("/console/board", badge_no)
    for link in [a.get_attribute("href") for a in page.locator(NAV).all()]:
        refused = []
        page.on("response", lambda r, refused=refused: refused.append(r.url) if r.status == 403 else None)
        desk.open(link)
        expect(page).to_have_url(link)
        # 全市报表 asks a 街镇 leader for the districts' report too and hides that part on its 403 (by design)
        refused = [url for url in refused if not (badge_no == "JA5001" and "/api/city-reports/districts" in url)]
        assert not refused, (link, refused)
        assert not desk.errors, (link, desk.errors)
