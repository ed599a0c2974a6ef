"""The trainer's controls on the training pages, as the trainer uses them: completions of an offline course recorded
(a squad's people or the district's people of no squad) and read page by page, a file uploaded to a course, a
mandatory plan made, a live class's QR code, head count and attendance; the district administrator's yearly
credit-hour requirements. Each with a refusal of the API shown beside its field in Chinese (the people a refusal
lists by id named there) and what was typed kept. Observers (the city's staff) see the live class but none of the
controls of the one who runs it."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from backend.db import local_day, session, utcnow
from backend.demo import DEMO_PASSWORD
from backend.org.auth import hash_password
from backend.org.models import District, Officer, Role, Squad
from backend.training import operations as training
from backend.training.models import Course, CourseCompletion, CourseMaterial, CreditRequirement, TrainingPlan
from tests.console.conftest import officer_id
from tests.console.test_courses_page import COURSES_RENDER_CALLS

ONLINE = "行政处罚法解读（网络课程）"
CLASSROOM = "执法文书规范（集中面授）"


def _more_completions(count: int) -> None:
    """`count` more officers of the first squad who completed the online course (beyond the demo's three)."""
    squad = session.scalar(select(Squad).where(Squad.name == "静安寺街道中队"))
    officers = [Officer(badge_no=f"JA3{n:03d}", name=f"队员{n:03d}", role=Role.officer, district_id=squad.district_id,
                        squad=squad, active=True, password_hash=hash_password(DEMO_PASSWORD)) for n in range(count)]
    session.add_all(officers)
    session.flush()
    trainer = session.get(Officer, officer_id("JA0003"))
    course = session.scalar(select(Course).where(Course.title == ONLINE))
    training.record_completions(trainer, course.id, officer_ids=[o.id for o in officers],
                                completed_on=local_day(utcnow()) - timedelta(days=1))
    session.commit()


def test_the_trainer_records_completions_reads_them_by_page_and_uploads_a_material(desk, tmp_path):
    page = desk.page
    desk.arrive("/console/courses", "JA0003", most_calls=COURSES_RENDER_CALLS)
    _more_completions(20)  # 23 in all: two pages of 20
    page.get_by_role("button", name=f"{ONLINE}的资料与完成情况").click()
    detail = page.locator("#course-detail")
    total = detail.locator("#completions-total")
    expect(total).to_have_text("共 23 人完成，每人计 30.0 学时")
    expect(detail.locator("#completions tbody tr")).to_have_count(20)
    expect(detail.locator("#completions-page")).to_have_text("第 1 / 2 页")
    expect(detail.get_by_role("button", name="上一页")).to_be_disabled()
    detail.get_by_role("button", name="下一页").click()
    expect(detail.locator("#completions-page")).to_have_text("第 2 / 2 页")
    expect(detail.locator("#completions tbody tr")).to_have_count(3)
    expect(detail.get_by_role("button", name="下一页")).to_be_disabled()
    desk.shot("training-controls-1-completions-page-2")

    # 张伟 (the squad leader) took the classroom course: a date still to come is refused beside it, his tick kept
    page.get_by_role("button", name=f"{CLASSROOM}的资料与完成情况").click()
    expect(total).to_have_text("共 1 人完成，每人计 12.0 学时")
    form = page.locator("#completion-form")
    form.get_by_label("中队").select_option(label="静安寺街道中队")
    form.get_by_label("张伟（JA1001）").check()
    tomorrow = local_day(utcnow()) + timedelta(days=1)
    form.get_by_label("完成日期").fill(str(tomorrow))
    form.get_by_role("button", name="登记完成").click()
    today = local_day(utcnow())
    expect(form.locator('[data-error-for="completed_on"]')).to_have_text(f"应在 2000-01-01 至 {today} 之间。")
    expect(form.get_by_label("张伟（JA1001）")).to_be_checked()
    expect(form.get_by_label("完成日期")).to_have_value(str(tomorrow))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # 23 officers to tick fit the width
    desk.shot("training-controls-2-completion-refused")
    form.get_by_label("完成日期").fill(str(today))
    form.get_by_label("完成日期").press("Enter")
    expect(page.locator("#notice")).to_have_text(f"「{CLASSROOM}」登记完成 1 人")
    expect(total).to_have_text("共 2 人完成，每人计 12.0 学时")
    expect(detail.locator("#completions tbody")).to_contain_text("张伟")
    expect(form.get_by_label("张伟（JA1001）")).not_to_be_checked()

    # a material without its name is refused beside the name, the chosen file stays chosen; then it is uploaded
    upload = page.locator("#material-form")
    slides = tmp_path / "slides.txt"
    slides.write_text("执法文书制作要点：事实、证据、依据。", encoding="utf-8")
    upload.get_by_label("文件").set_input_files(str(slides))
    upload.get_by_role("button", name="上传资料").click()
    expect(upload.locator('[data-error-for="title"]')).not_to_be_empty()
    assert upload.get_by_label("文件").input_value().endswith("slides.txt")
    upload.get_by_label("资料名称").fill("执法文书制作要点（课件）")
    upload.get_by_role("button", name="上传资料").click()
    expect(page.locator("#notice")).to_have_text("已上传资料「执法文书制作要点（课件）」")
    with page.expect_download() as saved:
        detail.get_by_role("button", name="下载执法文书制作要点（课件）").click()
    assert saved.value.path().read_text(encoding="utf-8") == "执法文书制作要点：事实、证据、依据。"
    stored = session.scalar(select(CourseMaterial).where(CourseMaterial.title == "执法文书制作要点（课件）"))
    assert stored.content_type == "text/plain"
    session.rollback()
    desk.shot("training-controls-3-material-uploaded")
    assert not desk.errors, desk.errors


def test_the_district_staff_of_no_squad_are_ticked_and_one_gone_meanwhile_is_named_beside_the_boxes(desk):
    page = desk.page
    desk.arrive("/console/courses", "JA0003", most_calls=COURSES_RENDER_CALLS)
    page.get_by_role("button", name=f"{CLASSROOM}的资料与完成情况").click()
    form = page.locator("#completion-form")
    squad = form.get_by_label("中队")
    expect(squad.locator("option")).to_have_text(["静安寺街道中队", "南京西路街道中队", "区局人员（无中队）"])
    squad.select_option(label="区局人员（无中队）")
    boxes = form.locator("#completion-officers label")
    expect(boxes).to_contain_text(["陈建国（JA0001）", "刘敏（JA0002）", "王老师（JA0003）", "吴律（JA0004）"])
    expect(boxes.filter(has_text="张伟")).to_have_count(0)  # a squad's people are under their squad
    for name in ("陈建国（JA0001）", "吴律（JA0004）"):
        form.get_by_label(name).check()

    # 吴律 moves to another district while the list is on the screen: the API lists his id, the page names him
    moved = session.get(Officer, officer_id("JA0004"))
    elsewhere = District(code="HP", name="黄浦区城管执法局")
    session.add(elsewhere)
    session.flush()
    moved.district_id = elsewhere.id
    session.commit()
    form.get_by_role("button", name="登记完成").click()
    expect(form.locator('[data-error-for="officer_ids"]')).to_have_text("部分人员不存在或不在本区：吴律（JA0004）")
    expect(form.locator("#completion-officers")).to_have_attribute("aria-invalid", "true")
    expect(form.locator('[data-error-for="_form"]')).to_be_empty()
    expect(form.get_by_label("陈建国（JA0001）")).to_be_checked()
    desk.shot("training-controls-2b-no-squad-refused")

    form.get_by_label("吴律（JA0004）").uncheck()
    form.get_by_role("button", name="登记完成").click()
    expect(page.locator("#notice")).to_have_text(f"「{CLASSROOM}」登记完成 1 人")
    expect(page.locator("#completions tbody")).to_contain_text("陈建国")
    expect(form.locator('[data-error-for="officer_ids"]')).to_be_empty()
    recorded = session.scalars(select(CourseCompletion.officer_id).join(Course).where(Course.title == CLASSROOM)).all()
    session.rollback()
    assert officer_id("JA0001") in recorded and officer_id("JA0004") not in recorded
    assert not desk.errors, desk.errors


def test_the_trainer_makes_a_mandatory_plan_and_opens_the_live_class_qr_code_and_attendance(desk):
    page = desk.page
    year = local_day(utcnow()).year
    desk.arrive("/console/courses", "JA0003", most_calls=COURSES_RENDER_CALLS)
    plan = page.locator("#plan-form")
    expect(plan.get_by_label("年度")).to_have_value(str(year))
    plan.get_by_label("对象").select_option(label="中队长")
    plan.get_by_label(f"{CLASSROOM}（12.0 学时）").check()
    plan.get_by_role("button", name="制定计划").click()  # no name: refused beside it, the choices kept
    expect(plan.locator('[data-error-for="title"]')).not_to_be_empty()
    expect(plan.get_by_label("对象")).to_have_value("squad_leader")
    expect(plan.get_by_label(f"{CLASSROOM}（12.0 学时）")).to_be_checked()
    desk.shot("training-controls-4-plan-refused")
    plan.get_by_label("计划名称").fill("中队长执法文书必修")
    plan.get_by_label("计划名称").press("Enter")
    expect(page.locator("#notice")).to_have_text(f"已制定 {year} 年度必修计划「中队长执法文书必修」")
    row = page.locator("#plans tbody tr", has_text="中队长执法文书必修")
    expect(row).to_contain_text("中队长")
    expect(row).to_contain_text(f"{CLASSROOM}（12.0 学时）")
    made = session.scalar(select(TrainingPlan).where(TrainingPlan.title == "中队长执法文书必修"))
    assert made.role == Role.squad_leader and [c.title for c in made.courses] == [CLASSROOM]
    session.rollback()

    live = page.locator("#live-classes tbody tr", has_text="行政处罚法新修订要点")
    live.get_by_role("button", name="二维码与考勤").focus()
    page.keyboard.press("Enter")
    box = page.locator("#live-class-detail")
    expect(box.locator("#head-count")).to_have_text("已扫码加入 3 人，当前在线 2 人")  # the demo's: one has left
    attendance = box.locator("#attendance tbody tr")
    expect(attendance).to_have_count(3)
    expect(attendance.filter(has_text="王强")).not_to_contain_text("在线")
    expect(attendance.filter(has_text="李娜")).to_contain_text("在线")
    qr = box.locator("#join-qr")
    page.wait_for_function("() => document.getElementById('join-qr').naturalWidth > 0")  # the PNG came and shows
    assert "link=" in qr.get_attribute("src")
    desk.shot("training-controls-5-live-class")
    assert not desk.errors, desk.errors


def test_the_city_staff_see_the_live_class_but_not_the_controls_of_the_one_who_runs_it(desk):
    page = desk.page
    for badge_no in ("SH0001", "SH0002", "SH0003"):  # city admin, supervisor; trainer (the district runs its class)
        desk.arrive("/console/courses", badge_no, most_calls=COURSES_RENDER_CALLS)
        live = page.locator("#live-classes tbody tr", has_text="行政处罚法新修订要点")
        expect(live).to_have_count(1)
        expect(live.get_by_role("button")).to_have_count(0)  # no 大屏链接, no QR code and attendance
        expect(page.locator("#plan-form")).to_be_hidden()
        page.get_by_role("button", name="退出").click()
        expect(page).to_have_url("/console/login")
    desk.shot("training-controls-6-city-staff")
    assert not desk.errors, desk.errors


def test_the_administrator_sets_the_years_credit_hours_and_a_trainer_only_reads_them(desk):
    page = desk.page
    year = local_day(utcnow()).year
    desk.arrive("/console/training", "JA0003")
    page.get_by_text("年度学时要求").click()
    form = page.locator("#requirements-form")
    expect(form.get_by_label("第 1 类学时")).to_have_value("60.0")  # the configured "60+24" until the district sets it
    expect(form.get_by_label("第 2 类学时")).to_have_value("24.0")
    expect(form.get_by_role("button", name="保存学时要求")).to_be_hidden()
    expect(form.get_by_label("第 1 类学时")).not_to_be_editable()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url("/console/login")

    desk.arrive("/console/training", "JA0001")
    page.get_by_text("年度学时要求").click()
    expect(form.get_by_label("第 2 类学时")).to_have_value("24.0")
    form.get_by_role("button", name="添加类别").click()
    expect(form.get_by_label("第 3 类类别代码")).to_be_focused()
    page.keyboard.type("Law!")
    form.get_by_label("第 3 类类别名称").fill("法制专题")
    form.get_by_label("第 3 类学时").fill("8")
    form.get_by_label("第 2 类学时").fill("30")
    form.get_by_role("button", name="保存学时要求").click()
    expect(form.locator('[data-error-for="categories.2.category"]')).to_have_text("类别代码应为小写字母、数字或下划线。")
    expect(form.get_by_label("第 3 类类别名称")).to_have_value("法制专题")
    expect(form.get_by_label("第 2 类学时")).to_have_value("30")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # three rows and a message fit the width
    desk.shot("training-controls-7-requirements-refused")
    form.get_by_label("第 3 类类别代码").fill("law")
    form.get_by_label("第 3 类类别代码").press("Enter")
    expect(page.locator("#notice")).to_have_text(f"已保存 {year} 年度学时要求")
    expect(form.get_by_label("第 3 类学时")).to_have_value("8.0")
    saved = {r.category: r.hours for r in session.scalars(select(CreditRequirement).where(
        CreditRequirement.year == year))}
    session.rollback()
    assert saved == {"online": Decimal("60"), "classroom": Decimal("30"), "law": Decimal("8")}
    expect(page.locator("#behind tbody tr").first).to_contain_text("法制专题")  # nobody has those hours yet
    desk.shot("training-controls-8-requirements-saved")
    assert not desk.errors, desk.errors
