"""The desk console's duty and administration in a real headless Chromium (1366×768, keyboard): government-WeChat
QR sign-in (a link with another's state and a used code refused in Chinese on the sign-in page), squads added and
renamed, dropdowns kept over an expired session, a planned shift dragged to another day and changed by keyboard,
an officer's patrol track drawn on the board's map.

The browser, the tile service and the desk are in conftest.py (one browser per module, a fresh context per test);
the government-WeChat QR page is the fake server's (tests/fake_wechat.py). Screenshots go to TEST_ARTEFACTS_DIR.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.demo import DEMO_PASSWORD
from backend.duty.models import DutyType, Post, Shift
from backend.duty.positions import add_positions
from backend.org.models import AuthToken, Officer, Squad
from tests.console.conftest import officer_id
from tests.console.test_supervision_admin import expire


def test_an_administrator_signs_in_by_scanning_the_government_wechat_qr_code(desk, fake_wechat, live_server_url):
    page = desk.page
    error = page.locator('#login-form [data-error-for="wechat"]')
    # A link carrying a state this browser was not given (someone else's login attempt): refused before WeChat
    # is asked, so nobody is signed in as another.
    fake_wechat.codes["SOMEONE-ELSES"] = "chenjianguo"
    page.goto("/console/login?code=SOMEONE-ELSES&state=" + "a" * 56)
    expect(error).to_have_text("登录校验失败（state 不符），请重新扫码登录")
    assert fake_wechat.calls["user/getuserinfo"] == 0

    desk.open("/console/roster")
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Froster")
    qr = page.get_by_role("button", name="政务微信扫码登录")
    fake_wechat.qr_scans.append("USED-CODE")  # a code WeChat no longer accepts (used, or older than 5 minutes)
    qr.focus()
    page.keyboard.press("Enter")
    expect(error).to_have_text("政务微信授权码无效或已过期，请重新登录")
    expect(page).to_have_url("/console/login?next=%2Fconsole%2Froster")  # the code is gone from the address
    opened = fake_wechat.qr_opened[-1]
    assert (opened["appid"], opened["agentid"], opened["redirect_uri"]) == (
        "wwfakecorp0001", "1000002", f"{live_server_url}/console/login")
    desk.shot("wechat-1-code-refused")

    fake_wechat.codes["FRESH-CODE"] = "chenjianguo"
    fake_wechat.qr_scans.append("FRESH-CODE")
    qr.click()
    expect(page).to_have_url("/console/roster")  # back to the page that asked for sign-in
    expect(page.locator("#who")).to_have_text("陈建国（JA0001，区局管理员）")
    page.wait_for_load_state("networkidle")
    desk.shot("wechat-2-signed-in")
    # the session expires with the token, as a password's does
    expires = page.evaluate("JSON.parse(sessionStorage.getItem('console.session')).expires_at")
    token = session.scalars(select(AuthToken).where(AuthToken.officer_id == officer_id("JA0001"))).one()
    assert token.channel == "wechat"
    assert abs(datetime.fromisoformat(expires) - token.expires_at) < timedelta(seconds=1)
    assert abs(token.expires_at - token.created_at - timedelta(hours=settings().TOKEN_TTL_HOURS)) < timedelta(
        seconds=5)
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_administrator_adds_a_squad_and_renames_another(desk):
    page = desk.page
    desk.arrive("/console/admin", "JA0001")
    rows = page.locator("#squads tbody tr")
    expect(rows).to_have_count(2)
    form = page.locator("#squad-form")
    name = form.get_by_label("新中队名称")

    name.focus()
    page.keyboard.press("Enter")  # empty
    expect(form.locator('[data-error-for="name"]')).to_have_text("不能为空。")
    name.fill("静安寺街道中队")
    name.press("Enter")
    expect(form.locator('[data-error-for="name"]')).to_have_text("已被本区其他中队使用。")
    expect(name).to_have_value("静安寺街道中队")  # kept, to change
    name.fill("曹家渡街道中队" * 10)
    name.press("Enter")
    expect(form.locator('[data-error-for="name"]')).to_have_text("长度不能超过 64。")
    desk.shot("squads-1-refused")
    name.fill("曹家渡街道中队")
    name.press("Enter")
    expect(page.locator("#notice")).to_have_text("已新建中队“曹家渡街道中队”")
    expect(rows).to_have_count(3)
    expect(name).to_have_value("")
    assert session.scalar(select(Squad.name).order_by(Squad.id.desc()).limit(1)) == "曹家渡街道中队"
    session.rollback()

    renamed = page.get_by_label("中队“南京西路街道中队”的名称")
    renamed.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("静安寺街道中队")
    page.keyboard.press("Enter")
    row = page.locator("#squads tbody tr", has=renamed)
    expect(row.locator('[data-error-for="name"]')).to_have_text("已被本区其他中队使用。")
    renamed.fill("南京西路中队")
    renamed.press("Enter")
    expect(page.locator("#notice")).to_have_text("中队“南京西路街道中队”已改名为“南京西路中队”")
    # the directory keeps its name; the nightly sync will not write it back, and the row says so
    expect(row.locator("td").nth(2)).to_have_text("通讯录为“南京西路街道中队”（同步不改回）")
    expect(page.locator("#officer-filter").get_by_label("中队")).to_contain_text("南京西路中队")
    page.locator("#officer-filter").get_by_label("中队").select_option(label="南京西路中队")
    expect(page.locator("#officers tbody tr")).to_have_count(3)
    assert session.scalar(select(Squad.id).where(Squad.name == "南京西路中队")) is not None
    session.rollback()
    desk.shot("squads-2-renamed")
    assert not desk.errors, desk.errors


def test_an_expired_session_keeps_the_dropdowns_chosen_on_the_roster(desk, committed_app):
    page = desk.page
    desk.arrive("/console/roster", "JA0001", most_calls=4)
    week = page.locator("#week-filter")
    slot = page.locator("#slot-form")
    week.get_by_label("中队").select_option(label="南京西路街道中队")  # lists that come from the API
    expect(slot.get_by_label("点位")).to_contain_text("南京西路")
    post = session.scalar(select(Post).join(Squad, Squad.id == Post.squad_id)
                          .where(Squad.name == "南京西路街道中队").order_by(Post.id.desc()).limit(1))
    slot.get_by_label("点位").select_option(label=post.name)
    slot.get_by_label("勤务类型").select_option(label="固守")
    slot.get_by_label("开始", exact=True).fill("07:00")
    next_monday = local_day() + timedelta(days=7 - local_day().weekday())
    session.rollback()

    expire(committed_app, page)  # the session ends while the forms are filled in
    week.get_by_role("button", name="下一周").click()
    expect(page).to_have_url(f"/console/login?next=%2Fconsole%2Froster%3Fweek%3D{next_monday.isoformat()}")
    desk.sign_in("JA0001", DEMO_PASSWORD)
    expect(page).to_have_url(f"/console/roster?week={next_monday.isoformat()}")
    expect(week.get_by_label("中队")).to_have_value(str(post.squad_id))  # every choice is back
    expect(slot.get_by_label("点位")).to_have_value(str(post.id))
    expect(slot.get_by_label("勤务类型")).to_have_value("fixed_post")
    expect(slot.get_by_label("开始", exact=True)).to_have_value("07:00")
    expect(week.get_by_label("周（周一）")).to_have_value(next_monday.isoformat())
    page.wait_for_load_state("networkidle")
    expect(page.locator("#squad-officers option")).to_have_count(3)  # the chosen squad's people loaded
    expect(week.get_by_label("中队")).to_have_value(str(post.squad_id))  # no earlier answer overwrote it
    desk.shot("roster-5-choices-kept")
    assert not desk.errors, desk.errors


def test_the_administrator_drags_a_shift_to_another_day_and_hands_it_over_by_keyboard(desk):
    page = desk.page
    desk.arrive("/console/roster", "JA0001", most_calls=4)
    week = page.locator("#week-filter")
    week.get_by_label("中队").select_option(label="静安寺街道中队")
    week.get_by_role("button", name="下一周").click()
    expect(page.locator("#roster tbody tr")).to_have_count(0)
    next_monday = local_day() + timedelta(days=7 - local_day().weekday())
    monday, wednesday = next_monday.isoformat(), (next_monday + timedelta(days=2)).isoformat()

    slot = page.locator("#slot-form")
    slot.get_by_label("勤务类型").select_option(label="值班")
    slot.get_by_label("开始", exact=True).fill("18:00")
    slot.get_by_label("结束", exact=True).fill("20:00")
    slot.get_by_role("button", name="添加").click()
    office = page.locator("#roster tbody tr.duty-office")
    office.locator(f'td[data-day="{monday}"] input').fill("王强")
    office.locator(f'td[data-day="{monday}"] input').press("Enter")
    expect(page.locator("#notice")).to_have_text("已排 1 个班次")

    chip = office.locator(f'td[data-day="{monday}"] .chip')
    chip.drag_to(office.locator(f'td[data-day="{wednesday}"]'))  # by mouse: to Wednesday
    expect(page.locator("#notice")).to_have_text(f"已调整 王强 {monday} 的班次")
    expect(office.locator(f'td[data-day="{wednesday}"] .chip')).to_contain_text("王强")
    expect(office.locator(f'td[data-day="{monday}"] .chip')).to_have_count(0)
    [moved] = session.scalars(select(Shift).where(Shift.duty_type == DutyType.office)).all()
    assert (moved.officer_id, moved.day.isoformat()) == (officer_id("JA1003"), wednesday)
    session.rollback()
    desk.shot("roster-6-dragged")
    thursday = (next_monday + timedelta(days=3)).isoformat()
    office.locator(f'td[data-day="{thursday}"] input').fill("JA1003")
    office.locator(f'td[data-day="{thursday}"] input').press("Enter")
    expect(page.locator("#notice")).to_have_text("已排 1 个班次")
    expect(office.locator(f'td[data-day="{thursday}"] .chip')).to_contain_text("王强")  # the grid drawn again
    office.locator(f'td[data-day="{wednesday}"] .chip').drag_to(office.locator(f'td[data-day="{thursday}"]'))
    expect(office.locator(f'td[data-day="{thursday}"] .error')).to_contain_text("同一人的班次不能重叠")  # refused
    expect(office.locator(f'td[data-day="{wednesday}"] .chip')).to_contain_text("王强")  # where it was

    edit = page.get_by_role("button", name="调整 王强 周三 值班班次")
    edit.focus()
    page.keyboard.press("Enter")  # by keyboard: the editor opens on the officer's field
    editor = page.get_by_role("dialog")
    expect(editor.get_by_label("队员")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("赵六")
    page.keyboard.press("Enter")
    expect(editor.locator('[data-error-for="officer_id"]')).to_have_text("本中队没有这名队员")
    editor.get_by_label("队员").fill("李娜")
    editor.get_by_label("开始", exact=True).fill("21:00")
    editor.get_by_label("结束", exact=True).fill("19:00")
    editor.get_by_label("结束", exact=True).press("Enter")  # ends before it starts: the API refuses
    expect(editor.locator('[data-error-for="_form"]')).to_contain_text("结束时间必须晚于开始时间")
    expect(editor.get_by_label("队员")).to_have_value("李娜")  # nothing typed is lost
    desk.shot("roster-7-edit-refused")
    editor.get_by_label("开始", exact=True).fill("19:00")
    editor.get_by_label("结束", exact=True).fill("21:00")
    editor.get_by_label("结束", exact=True).press("Enter")
    expect(editor).to_be_hidden()
    expect(page.locator("#notice")).to_have_text(f"已调整 王强 {wednesday} 的班次")
    expect(page.locator(f'#roster td[data-day="{wednesday}"] .chip.duty-office')).to_contain_text("李娜")
    [handed] = session.scalars(select(Shift).where(Shift.duty_type == DutyType.office,
                                                    Shift.day == next_monday + timedelta(days=2))).all()
    assert (handed.officer_id, handed.day.isoformat(), handed.scheduled_minutes) == (
        officer_id("JA1002"), wednesday, 120)
    session.rollback()

    page.get_by_role("button", name="调整 李娜 周三 值班班次").click()
    page.keyboard.press("Escape")  # closed unchanged
    expect(editor).to_be_hidden()
    desk.shot("roster-8-handed-over")
    assert not desk.errors, desk.errors


def test_the_squad_leader_draws_an_officers_patrol_track_on_the_board(desk):
    page = desk.page
    desk.arrive("/console/board", "JA1001")  # the demo's shifts of today carry their pings since the check-in
    row = page.locator("#board tbody tr", has_text="李娜")
    row.get_by_role("button", name="在地图上显示 李娜 的巡查轨迹").focus()
    page.keyboard.press("Enter")
    summary = page.locator("#track-summary")
    expect(summary).to_contain_text("李娜")
    expect(summary).to_contain_text("8 个位置，轨迹 0.3 公里")  # around the post, 60 m out: 7 steps of 46 m
    expect(page.locator("#map path.track-point")).to_have_count(8)
    expect(page.locator("#map path.track-point[stroke='#b3261e']")).to_have_count(0)  # all inside the fence
    desk.shot("board-track")

    other = page.locator("#board tbody tr", has_text="王强")
    other.get_by_role("button", name="在地图上显示 王强 的巡查轨迹").click()
    expect(summary).to_contain_text("王强")
    expect(summary).to_contain_text("8 个位置，轨迹 0.6 公里")  # out of area, walking back: 7 steps of 90 m
    expect(page.locator("#map path.track-point[stroke='#b3261e']")).to_have_count(8)  # outside the fence: red

    lina = session.scalar(select(Officer).where(Officer.badge_no == "JA1002"))
    shift = session.scalar(select(Shift).where(Shift.officer_id == lina.id, Shift.day == local_day()))
    now = utcnow()  # one more ping from her phone, 100 m north of the post: the track grows by it
    add_positions(lina, [{"client_id": "console-walk-1", "recorded_at": now, "lat": shift.post.center_lat + 0.0009,
                          "lng": shift.post.center_lng, "coord_system": "gcj02", "accuracy_m": 10.0}], now=now)
    session.commit()
    row.get_by_role("button", name="在地图上显示 李娜 的巡查轨迹").click()
    expect(summary).to_contain_text("李娜")
    expect(summary).to_contain_text("9 个位置")
    expect(page.locator("#map path.track-point")).to_have_count(9)
    assert not desk.errors, desk.errors
