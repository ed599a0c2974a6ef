"""The trainer's courses, teachers, live class and papers, the district administrator's working-day calendar, the
supervisor recording a finding, in a real headless Chromium (1366×768, keyboard); the demo's confirmed past quarter
on the appraisal page.

One browser for the module, a fresh context per test (tests/console/conftest.py); screenshots as artefacts."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from backend import periods
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.nonsite.models import CalendarDay
from backend.supervision.findings.models import Finding, Severity
from backend.supervision.points.models import AppraisalState, QuarterlyEvaluation
from backend.training.models import Course, Teacher
from tests.console.conftest import officer_id
from tests.console.test_courses_page import COURSES_RENDER_CALLS


def test_the_trainer_adds_a_teacher_and_a_course_edits_one_and_opens_the_live_class_screen(desk):
    page = desk.page
    desk.arrive("/console/courses", "JA0003", most_calls=COURSES_RENDER_CALLS)
    expect(page.locator("#courses tbody tr")).to_have_count(2)  # the demo's two courses
    live = page.locator("#live-classes tbody tr", has_text="行政处罚法新修订要点")
    expect(live).to_have_count(1)  # the demo's class on now

    teacher = page.locator("#teacher-form")
    teacher.get_by_label("职称").fill("高级讲师")
    teacher.get_by_role("button", name="添加教师").click()  # no name: refused beside it, the title kept
    expect(teacher.locator('[data-error-for="name"]')).not_to_be_empty()
    expect(teacher.get_by_label("职称")).to_have_value("高级讲师")
    teacher.get_by_label("姓名").fill("周教员")
    teacher.get_by_label("单位").fill("市城管执法总队")
    teacher.get_by_label("单位").press("Enter")
    expect(page.locator("#notice")).to_have_text("已添加教师周教员")
    expect(page.locator("#teachers tbody")).to_contain_text("市城管执法总队")

    course = page.locator("#course-form")
    course.get_by_label("课程名称").fill("非现场执法取证规范")
    course.get_by_label("学时类别").fill("夜校")
    course.get_by_label("学时", exact=True).fill("4")
    course.get_by_label("教师").select_option(label="周教员")
    course.get_by_role("button", name="添加课程").click()  # a category the district does not have
    expect(course.locator('[data-error-for="category"], [data-error-for="_form"]')).not_to_have_count(0)
    expect(page.locator("#notice")).to_have_text("已添加教师周教员")  # nothing added
    expect(course.get_by_label("课程名称")).to_have_value("非现场执法取证规范")
    desk.shot("courses-1-refused")
    course.get_by_label("学时类别").fill("classroom")
    course.get_by_label("学时类别").press("Enter")
    expect(page.locator("#notice")).to_have_text("已添加课程「非现场执法取证规范」")
    expect(page.locator("#courses tbody tr", has_text="非现场执法取证规范")).to_contain_text("周教员")
    saved = session.scalar(select(Course).where(Course.title == "非现场执法取证规范"))
    assert (str(saved.credit_hours), saved.category) == ("4.0", "classroom")
    assert saved.teacher_id == session.scalar(select(Teacher.id).where(Teacher.name == "周教员"))
    session.rollback()

    # 李娜 has completed the demo's classroom course: its hours stay, its title may change
    page.get_by_role("button", name="修改执法文书规范（集中面授）").click()
    expect(course.get_by_label("课程名称")).to_be_focused()
    course.get_by_label("学时", exact=True).fill("16")
    course.get_by_label("课程名称").fill("执法文书规范（集中面授·修订）")
    course.get_by_role("button", name="保存修改").click()
    expect(course.locator('[data-error-for="credit_hours"]')).to_have_text("已有人员完成，不能修改。")
    expect(course.get_by_label("课程名称")).to_have_value("执法文书规范（集中面授·修订）")
    course.get_by_label("学时", exact=True).fill("12.0")
    course.get_by_label("学时", exact=True).press("Enter")
    expect(page.locator("#notice")).to_have_text("已保存课程「执法文书规范（集中面授·修订）」")
    expect(page.locator("#courses tbody tr")).to_have_count(3)
    expect(course.get_by_role("button", name="添加课程")).to_be_visible()  # the form is for a new course again
    assert session.scalar(select(Course.credit_hours).where(Course.title == "执法文书规范（集中面授·修订）")) == 12
    session.rollback()

    live.get_by_role("button", name="大屏链接").focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="打开「行政处罚法新修订要点（直播课堂）」的教室大屏")
    expect(link).to_be_focused()
    with page.expect_popup() as opened:
        page.keyboard.press("Enter")
    screen = opened.value
    screen.wait_for_load_state("networkidle")
    expect(screen.locator("body")).to_contain_text("行政处罚法新修订要点")  # the classroom screen, no sign-in
    screen.close()
    desk.shot("courses-2-added-and-screen-link")
    assert not desk.errors, desk.errors


def test_the_trainer_reads_a_papers_results_and_item_statistics(desk):
    page = desk.page
    desk.arrive("/console/exams", "JA0003", most_calls=2)  # the papers and the first one's statistics
    expect(page.locator("#paper-summary")).to_have_text("城管执法法律知识测验：已交卷 3 份，及格 1 份")
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(3)
    expect(results.first).to_contain_text("李娜")  # full marks first
    expect(results.first).to_contain_text("30.00 / 30.00")
    items = page.locator("#items tbody tr")
    expect(items).to_have_count(3)
    judged = items.filter(has_text="可以当场没收")
    expect(judged).to_contain_text("3 / 3")
    expect(judged).to_contain_text("33%")  # one of three right
    expect(judged).to_contain_text("对（2 人）")  # the wrong answer two chose
    expect(items.filter(has_text="应当出示什么")).to_contain_text("B. 工作牌（1 人）")
    desk.shot("exams-1-item-statistics")
    assert not desk.errors, desk.errors


def test_the_administrator_registers_a_holiday_and_removes_it_and_a_weekday_working_day_is_refused(desk):
    page = desk.page
    desk.arrive("/console/calendar", "JA0001", most_calls=1)
    year = local_day(utcnow()).year
    page.get_by_label("年份").fill("2026")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#calendar-days tbody tr", has_text="2026-10-01")).to_contain_text("节假日国庆节")
    shown = page.locator("#calendar-days tbody tr").count()
    assert shown == session.query(CalendarDay).filter(CalendarDay.day.between(date(2026, 1, 1),
                                                                              date(2026, 12, 31))).count()
    session.rollback()

    page.get_by_label("年份").fill(str(year))
    page.get_by_role("button", name="查看").click()
    before = page.locator("#calendar-caption").text_content()
    form = page.locator("#day-form")
    monday = date(year, 12, 1) + timedelta(days=(7 - date(year, 12, 1).weekday()) % 7)  # a Monday in December
    form.get_by_label("日期").fill(monday.isoformat())
    form.get_by_label("类型").select_option(label="调休上班（周末计工作日）")
    form.get_by_label("名称").fill("调休")
    form.get_by_role("button", name="登记").click()  # a weekday is a working day already: refused beside the date
    expect(form.locator('[data-error-for="day"]')).to_contain_text("本是工作日")
    expect(form.get_by_label("名称")).to_have_value("调休")  # kept
    expect(page.locator("#calendar-caption")).to_have_text(before)
    desk.shot("calendar-1-refused")

    form.get_by_label("类型").select_option(label="节假日（不计工作日）")
    form.get_by_label("名称").fill("区局示例休假日")
    form.get_by_label("名称").press("Enter")
    expect(page.locator("#notice")).to_have_text(f"已登记 {monday} 区局示例休假日")
    row = page.locator("#calendar-days tbody tr", has_text="区局示例休假日")
    expect(row).to_contain_text("周一")
    assert session.scalar(select(CalendarDay.working).where(CalendarDay.day == monday)) is False
    session.rollback()
    desk.shot("calendar-2-registered")
    row.get_by_role("button", name=f"删除 {monday} 区局示例休假日").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text(f"已删除 {monday}")
    expect(row).to_have_count(0)
    assert session.scalar(select(CalendarDay.id).where(CalendarDay.day == monday)) is None
    session.rollback()
    assert not desk.errors, desk.errors


def test_the_demo_shows_a_confirmed_past_quarter(desk):
    page = desk.page
    desk.arrive("/console/appraisal", "JA1001")
    today = local_day(utcnow())
    past = periods.shift("quarter", periods.quarter(today.replace(day=1) - timedelta(days=1)), -1)
    label = f"{past.year} 年第 {periods.quarter_number(past)} 季度"
    page.get_by_label("季度").select_option(label=label)
    rows = page.locator("#quarterly tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="已确认")).to_have_count(3)
    expect(rows.filter(has_text="李娜")).to_contain_text("优")
    expect(rows.first.get_by_role("button", name="确认")).to_have_count(0)  # nothing left to confirm
    assert {e.state for e in session.scalars(select(QuarterlyEvaluation)
                                             .where(QuarterlyEvaluation.quarter == past))} == {AppraisalState.confirmed}
    session.rollback()
    desk.shot("appraisal-2-confirmed-past-quarter")
    assert not desk.errors, desk.errors


def test_the_supervisor_records_a_finding_refused_first_with_what_was_typed_kept(desk):
    page = desk.page
    sun_li = officer_id("JA2002")
    session.rollback()  # no read left open while the server writes
    desk.arrive("/console/supervision", "JA0002")  # the form's lists are asked for when it is opened
    expect(page.locator("#findings tbody tr")).to_have_count(3)
    page.get_by_text("记录督察发现").focus()
    page.keyboard.press("Enter")
    form = page.locator("#finding-form")
    form.get_by_label("对象").select_option(label="孙丽（JA2002）")
    form.get_by_label("问题类型").select_option(index=1)
    form.get_by_label("程度").select_option(label="严重")
    form.get_by_label("地点").fill("南京西路 1618 号")
    tomorrow = (utcnow().astimezone(LOCAL_TZ) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("发现时间").fill(tomorrow)
    form.get_by_role("button", name="记录").click()  # no description: refused beside it
    expect(form.locator('[data-error-for="description"]')).not_to_be_empty()
    expect(form.get_by_label("地点")).to_have_value("南京西路 1618 号")
    expect(form.get_by_label("对象")).to_have_value(f"officer:{sun_li}")
    form.get_by_label("情况").fill("处置占道经营时未出示执法证件")
    form.get_by_role("button", name="记录").click()  # found tomorrow: refused beside the time
    expect(form.locator('[data-error-for="found_at"]')).not_to_be_empty()
    expect(form.locator('[data-error-for="description"]')).to_be_empty()
    expect(form.get_by_label("情况")).to_have_value("处置占道经营时未出示执法证件")
    desk.shot("supervision-5-finding-refused")

    an_hour_ago = (utcnow().astimezone(LOCAL_TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("发现时间").fill(an_hour_ago)
    form.get_by_role("button", name="记录").press("Enter")
    expect(page.locator("#notice")).to_contain_text("已记录督察发现：孙丽")
    expect(page.locator("#findings tbody tr")).to_have_count(4)
    expect(page.locator("#findings tbody tr").first).to_contain_text("处置占道经营时未出示执法证件")
    found = session.scalars(select(Finding).order_by(Finding.id.desc())).first()
    assert (found.officer_id, Severity(found.severity), found.place) == (
        sun_li, Severity.serious, "南京西路 1618 号")
    assert found.found_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") == an_hour_ago
    session.rollback()
    desk.shot("supervision-6-finding-recorded")
    assert not desk.errors, desk.errors
