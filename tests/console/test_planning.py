"""The district administrator at the console: draws a post's fence on the map (a polygon refused for crossing
edges, then fixed by keyboard; a circle moved by dragging its centre) and plans next week's roster for a squad
(copy last week, add an office row, a refused cell keeps what was typed, then the week saved); downloads a
community office's QR code and rotates it."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from backend.community.models import OfficeQrCode
from backend.db import local_day, session
from backend.duty.models import DutyType, Post, Shift
from backend.org.models import CommunityOffice, Squad
from tests.console.conftest import officer_id


def squad_id(name: str) -> int:
    return session.scalar(select(Squad.id).where(Squad.name == name))


def test_the_administrator_draws_a_fence_and_moves_another(desk):
    page = desk.page
    desk.arrive("/console/posts", "JA0001")
    page.get_by_label("中队").select_option(label="静安寺街道中队")
    expect(page.locator("#posts tbody tr")).to_have_count(2)
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)

    form = page.locator("#post-form")
    form.get_by_label("名称").fill("华山路口")
    form.get_by_label("多边形").check()
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -60), (60, 60), (60, -60), (-60, 60)):  # a bow tie: its edges cross
        page.mouse.click(cx + dx, cy + dy)
    expect(form.locator(".vertex")).to_have_count(0)  # markers are on the map, not in the form
    expect(page.locator("#map .vertex")).to_have_count(4)
    form.get_by_role("button", name="保存点位").click()
    expect(form.locator('[data-error-for="fence"]')).to_contain_text("不能交叉")
    expect(form.get_by_label("名称")).to_have_value("华山路口")  # nothing typed is lost
    desk.shot("plan-1-fence-refused")

    corners = form.get_by_label("顶点").input_value().split("\n")
    assert len(corners) == 4
    form.get_by_label("顶点").focus()  # by keyboard: the last two corners swapped make a square
    page.keyboard.press("Control+A")
    page.keyboard.type("\n".join([corners[0], corners[3], corners[1], corners[2]]))
    form.get_by_role("button", name="保存点位").click()
    expect(page.locator("#notice")).to_have_text("点位“华山路口”已保存")
    expect(page.locator("#posts tbody tr")).to_have_count(3)
    expect(page.locator("#posts tbody tr", has_text="华山路口")).to_contain_text("多边形，4 个顶点")
    drawn = session.scalar(select(Post).where(Post.name == "华山路口"))
    assert drawn.shape == "polygon" and len(drawn.polygon) == 4 and drawn.squad_id == squad_id("静安寺街道中队")
    session.rollback()
    desk.shot("plan-2-fence-drawn")

    row = page.locator("#posts tbody tr", has_text="静安寺广场")
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#post-form-title")).to_have_text("修改点位：静安寺广场")
    before = session.scalar(select(Post).where(Post.name == "静安寺广场"))
    old_lat = before.center_lat
    session.rollback()
    centre = page.locator('#map .vertex[title="圆心"]')
    centre.hover()  # waits until the marker stands still
    at = centre.bounding_box()
    page.mouse.move(at["x"] + 7, at["y"] + 7)
    page.mouse.down()
    page.mouse.move(at["x"] + 7, at["y"] - 33, steps=5)
    page.mouse.up()
    assert float(form.get_by_label("圆心纬度").input_value()) > old_lat  # dragged north
    form.get_by_label("半径（米）").fill("5")
    form.get_by_role("button", name="保存点位").click()
    expect(form.locator('[data-error-for="fence"]')).to_contain_text("10 到 5000 米")
    form.get_by_label("半径（米）").fill("180")
    form.get_by_role("button", name="保存点位").click()
    expect(page.locator("#notice")).to_have_text("点位“静安寺广场”已保存")
    moved = session.scalar(select(Post).where(Post.name == "静安寺广场"))
    assert moved.radius_m == 180 and moved.center_lat > old_lat
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_administrator_plans_next_week_for_a_squad(desk):
    page = desk.page
    desk.arrive("/console/roster", "JA0001", most_calls=4)  # squads; the squad's officers, posts, week's shifts
    filter_ = page.locator("#week-filter")
    filter_.get_by_label("中队").select_option(label="静安寺街道中队")
    expect(page.locator("#roster tbody tr")).not_to_have_count(0)  # this week: the demo's patrols
    filter_.get_by_role("button", name="下一周").click()
    expect(page.locator("#roster tbody tr")).to_have_count(0)

    filter_.get_by_role("button", name="复制上周排班").click()
    expect(page.locator("#notice")).to_contain_text("已复制上周的")
    expect(page.locator("#roster .chip.duty-patrol", has_text="李娜").first).to_be_visible()
    filter_.get_by_role("button", name="复制上周排班").click()  # twice: the API refuses the overlap
    expect(filter_.locator('[data-error-for="_form"]')).to_contain_text("重叠")

    slot = page.locator("#slot-form")
    slot.get_by_label("勤务类型").select_option(label="值班")
    slot.get_by_label("开始", exact=True).fill("00:00")
    slot.get_by_label("结束", exact=True).fill("23:59")
    slot.get_by_role("button", name="添加").click()
    office = page.locator("#roster tbody tr.duty-office")
    expect(office).to_have_count(1)
    expect(office.locator("input").first).to_be_focused()  # the new row's Monday, to type into
    next_monday = local_day() + timedelta(days=7 - local_day().weekday())
    busy = (local_day() + timedelta(days=7)).isoformat()  # today's patrol, copied: 李娜 is on post that day
    free = next(day for day in ((next_monday + timedelta(days=n)).isoformat() for n in (5, 6)) if day != busy)
    cell = office.locator(f'td[data-day="{busy}"] input')
    cell.fill("李娜")
    office.locator(f'td[data-day="{free}"] input').fill("JA1003")
    page.get_by_role("button", name="保存排班").click()
    expect(office.locator(f'td[data-day="{busy}"] .error')).to_contain_text("重叠")
    expect(cell).to_have_value("李娜")  # kept, to change
    desk.shot("plan-3-week-refused")

    cell.fill("")
    office.locator(f'td[data-day="{free}"] input').press("Enter")
    expect(page.locator("#notice")).to_have_text("已排 1 个班次")
    expect(office.locator(f'td[data-day="{free}"] .chip.duty-office')).to_contain_text("王强")
    [planned] = session.scalars(select(Shift).where(Shift.duty_type == DutyType.office)).all()
    assert (planned.officer_id, planned.day.isoformat()) == (officer_id("JA1003"), free)
    session.rollback()
    desk.shot("plan-4-week-planned")

    weekday = "六日"[date.fromisoformat(free).weekday() - 5]
    page.get_by_role("button", name=f"删除 王强 周{weekday} 值班班次").click()  # a planned shift taken off
    expect(page.locator("#notice")).to_contain_text(f"已删除 王强 {free} 的班次")
    expect(page.locator("#roster .chip.duty-office")).to_have_count(0)
    assert session.scalars(select(Shift).where(Shift.duty_type == DutyType.office)).all() == []
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_administrator_downloads_an_offices_qr_code_and_rotates_it(desk):
    page = desk.page
    desk.arrive("/console/admin", "JA0001")
    expect(page.locator("#offices tbody tr")).to_have_count(2)
    expect(page.locator("#officers tbody tr")).to_have_count(12)  # every role, two 街镇 leaders too
    page.locator("#officer-filter").get_by_label("中队").select_option(label="南京西路街道中队")
    expect(page.locator("#officers tbody tr")).to_have_count(3)

    office = page.locator("#offices tbody tr", has_text="JA-JAS-01")
    with page.expect_download() as saved:
        office.get_by_role("button", name="下载 PNG").click()
    assert saved.value.suggested_filename == "JA-JAS-01.png"
    assert urlsplit(saved.value.url).path.endswith("/qr.png") and "link=" in saved.value.url  # a signed link
    assert saved.value.path().read_bytes().startswith(b"\x89PNG")

    page.once("dialog", lambda dialog: dialog.dismiss())  # asked first: nothing changes when declined
    office.get_by_role("button", name="更换二维码").click()
    page.once("dialog", lambda dialog: dialog.accept())
    office.get_by_role("button", name="更换二维码").click()
    expect(page.locator("#notice")).to_contain_text("二维码已更换为第 2 版")
    qr = session.scalar(select(OfficeQrCode).join(CommunityOffice, CommunityOffice.id == OfficeQrCode.office_id)
                        .where(CommunityOffice.code == "JA-JAS-01"))
    assert qr.version == 2
    session.rollback()
    desk.shot("admin-1-qr-rotated")
    assert not desk.errors, desk.errors
