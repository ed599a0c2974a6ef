"""The console's menus per role, on the demo: a 街镇 leader and the city's staff are offered the pages of the work
they follow and no control that would change anything; a page their role does not use is not in the menu, and
opening it goes to the first page it does, saying why; a city role picks the district on a page of one district's
settings. The menu is one row of sections at 1366 px for every role, each a drop-down used by keyboard."""
from __future__ import annotations

from itertools import chain

import pytest
from playwright.sync_api import expect

from backend.api.console import MENU, PAGES
from backend.demo import DEMO_PASSWORD

NAV = ".top nav a:not([hidden])"  # the pages the role is offered, in a section's drop-down or not
# the menu's entries as shown: a section's name, or a page's of a section of one page
ENTRIES = """() => [...document.querySelectorAll('.top nav > :not([hidden])')]
                   .map((entry) => (entry.querySelector('summary') || entry))"""
# each demo role at a desk (a field officer has no console page)
DESK_ROLES = ["JA0001", "JA0002", "JA0003", "JA0004", "JA1001", "JA5001", "SH0001", "SH0002", "SH0003"]


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
                                            "季度与年度", "积分规则", "督察", "通知与整改", "培训", "课程与直播",
                                            "全市报表", "非现场月报", "工作日历"])
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


def test_every_page_is_in_one_section_of_the_menu():
    assert sorted(chain(*MENU.values())) == sorted(set(PAGES) - {"login"})


def test_the_menu_is_one_row_at_1366_px_for_every_role(desk):
    page = desk.page
    desk.open("/console/login")
    for badge_no in DESK_ROLES:
        login = page.request.post("/api/auth/login", data={"badge_no": badge_no, "password": DEMO_PASSWORD})
        page.evaluate("login => sessionStorage.setItem('console.session', JSON.stringify(login))", login.json())
        desk.open("/console/board")  # a role that has no board goes to its first page
        expect(page.locator("#who")).to_contain_text(badge_no)
        boxes = page.evaluate(f"() => ({ENTRIES})().map((entry) => entry.getBoundingClientRect().toJSON())")
        header = page.locator("header.top").bounding_box()
        assert len({round(box["top"]) for box in boxes}) == 1, (badge_no, boxes)  # one row
        assert max(box["height"] for box in boxes) < 40 and header["height"] < 60, (badge_no, boxes, header)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, badge_no
    desk.shot("roles-3-one-row-city-trainer")
    assert not desk.errors, desk.errors


def test_the_district_administrator_goes_through_the_menus_sections_by_keyboard(desk):
    page = desk.page
    desk.arrive("/console/board", "JA0001")
    expect(page.locator(NAV)).to_have_count(17)
    assert page.evaluate(f"() => ({ENTRIES})().map((entry) => entry.textContent)") == list(MENU)
    settings = page.locator(".top nav details", has_text="设置")
    expect(settings.get_by_role("link", name="人员与时限")).to_be_hidden()
    settings.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(settings.get_by_role("link", name="人员与时限")).to_be_visible()
    desk.shot("roles-4-settings-open")
    page.keyboard.press("Tab")
    expect(settings.get_by_role("link", name="人员与工作室")).to_be_focused()
    page.keyboard.press("Escape")  # closed, the focus back on the section
    expect(settings.get_by_role("link", name="人员与工作室")).to_be_hidden()
    expect(settings.locator("summary")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(settings.get_by_role("link", name="人员与时限")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url("/console/staff")
    expect(page.locator(".top nav details.current summary")).to_have_text("设置")  # where the page is
    duty = page.locator(".top nav details", has_text="勤务")
    duty.locator("summary").click()
    page.locator(".top nav details", has_text="考核").locator("summary").click()  # one section open at a time
    expect(duty.get_by_role("link", name="今日勤务")).to_be_hidden()
    page.locator("h1").click()  # a click elsewhere closes it
    expect(page.locator(".top nav details[open]")).to_have_count(0)
    assert not desk.errors, desk.errors
