"""The trainer's courses page beyond the libraries: a course's materials (a stored one downloaded through a signed
link) and who completed it with their hours, this year's mandatory plan, a teacher corrected in place and a live
class planned, refusals beside their fields with what was typed kept.

The page renders with four API calls: courses (their materials inside), teachers, today's live classes and this
year's plans — four lists of their own, none derivable from another (a fifth resource would be needed to join
them), so this page alone is allowed one call more than MAX_RENDER_CALLS."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from backend.db import local_day, session, utcnow
from backend.training.models import LiveClass, Teacher

COURSES_RENDER_CALLS = 4


def test_the_trainer_reads_a_courses_materials_and_completions_plans_and_plans_a_live_class(desk):
    page = desk.page
    desk.arrive("/console/courses", "JA0003", most_calls=COURSES_RENDER_CALLS)
    plans = page.locator("#plans tbody tr")
    expect(plans).to_have_count(1)
    expect(plans.first).to_contain_text("年度必修课程")
    expect(plans.first).to_contain_text("全体人员")
    expect(plans.first).to_contain_text("执法文书规范（集中面授）（12.0 学时）")

    page.get_by_role("button", name="执法文书规范（集中面授）的资料与完成情况").click()
    detail = page.locator("#course-detail")
    expect(detail.locator("#completions tbody tr")).to_have_count(1)
    expect(detail.locator("#completions tbody tr").first).to_contain_text("李娜")
    expect(detail.locator("#completions-total")).to_have_text("共 1 人完成，每人计 12.0 学时")
    with page.expect_download() as saved:
        detail.get_by_role("button", name="下载执法文书范本（讲义）").click()
    assert "/materials/" in saved.value.url and "link=" in saved.value.url  # a signed link, no header
    assert saved.value.path().read_text(encoding="utf-8").startswith("执法文书范本")
    expect(page.locator("#notice")).to_have_text("资料「执法文书范本（讲义）」已开始下载")
    page.get_by_role("button", name="行政处罚法解读（网络课程）的资料与完成情况").click()
    expect(detail.get_by_role("link", name="课程录像（区局学习平台）")).to_have_attribute(
        "href", "https://learn.example.gov.cn/v/1")
    expect(detail.locator("#completions tbody tr")).to_have_count(3)
    desk.shot("courses-3-materials-and-completions")

    teacher = page.locator("#teacher-form")
    teacher.get_by_label("姓名").fill("吴教员")
    teacher.get_by_label("职称").fill("讲师")
    teacher.get_by_role("button", name="添加教师").click()
    expect(page.locator("#notice")).to_have_text("已添加教师吴教员")
    page.get_by_role("button", name="修改教师吴教员").click()
    expect(teacher.get_by_label("姓名")).to_be_focused()
    teacher.get_by_label("姓名").fill("   ")
    teacher.get_by_label("职称").fill("高级讲师")
    teacher.get_by_role("button", name="保存教师").click()  # a name of spaces: refused beside it, the title kept
    expect(teacher.locator('[data-error-for="name"]')).to_have_text("不能只填空格。")
    expect(teacher.get_by_label("职称")).to_have_value("高级讲师")
    teacher.get_by_label("姓名").fill("吴教员")
    teacher.get_by_label("姓名").press("Enter")
    expect(page.locator("#notice")).to_have_text("已保存教师吴教员")
    expect(page.locator("#teachers tbody tr", has_text="吴教员")).to_contain_text("高级讲师")
    assert session.scalar(select(Teacher.title).where(Teacher.name == "吴教员")) == "高级讲师"
    session.rollback()

    tomorrow = local_day(utcnow()) + timedelta(days=1)
    live = page.locator("#live-class-form")
    live.get_by_label("课堂名称").fill("文明执法案例研讨")
    live.get_by_label("教室").fill("区局二楼会议室")
    live.get_by_label("开始").fill(f"{tomorrow}T10:00")
    live.get_by_label("结束").fill(f"{tomorrow}T09:00")  # before it starts
    live.get_by_label("所属课程").select_option(label="执法文书规范（集中面授）")
    live.get_by_label("学时类别").fill("classroom")
    live.get_by_label("课堂学时").fill("2")
    live.get_by_role("button", name="安排直播课").click()
    expect(live.locator('[data-error-for="ends_at"]')).to_have_text("结束时间必须晚于开始时间。")
    expect(live.get_by_label("课堂名称")).to_have_value("文明执法案例研讨")
    desk.shot("courses-4-live-class-refused")
    live.get_by_label("结束").fill(f"{tomorrow}T11:30")
    live.get_by_role("button", name="安排直播课").click()
    expect(page.locator("#notice")).to_have_text(f"已安排直播课「文明执法案例研讨」（{tomorrow}）")
    planned = session.scalar(select(LiveClass).where(LiveClass.title == "文明执法案例研讨"))
    assert (planned.classroom, planned.held_on, str(planned.credit_hours)) == ("区局二楼会议室", tomorrow, "2.0")
    session.rollback()
    assert not desk.errors, desk.errors
