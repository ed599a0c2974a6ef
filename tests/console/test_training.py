"""The trainer at the console: imports a question bank from Excel with one bad row, reads the row-by-row report,
fixes the file and imports it; the squads' credit-hour progress as a chart with who is behind. The supervisor: findings,
a notice's print page, the 两超期两随意 month report as a chart."""
from __future__ import annotations

from openpyxl import Workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.db import session
from backend.training.exams.models import Question

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "知识点"]


def workbook(path, rows) -> str:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def test_the_trainer_imports_a_bank_with_one_bad_row_and_fixes_it(desk, tmp_path):
    page = desk.page
    desk.arrive("/console/training", "JA0003")
    good = [["单选", "占道经营的执法依据是？", "《上海市市容环境卫生管理条例》", "《道路交通安全法》", "", "A", "中",
             "法律"],
            ["判断", "执法全过程记录仪应当全程开启。", "", "", "", "对", "易", "规范"]]
    bad = ["问答", "简述城管执法的基本原则。", "", "", "", "略", "中", "法律"]
    page.get_by_label("题库").select_option(label="城管执法法律知识题库")
    page.get_by_label("Excel 文件").set_input_files(workbook(tmp_path / "bank.xlsx", [good[0], bad, good[1]]))
    page.get_by_role("button", name="导入").click()
    report = page.locator("#row-errors tbody tr")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("第 3 行")
    expect(report).to_contain_text("题型“问答”无效")
    expect(page.locator('#import-form [data-error-for="_form"]')).to_contain_text("有 1 行数据有误，未导入任何题目")
    assert page.get_by_label("Excel 文件").input_value().endswith("bank.xlsx")  # the chosen file stays chosen
    before = session.scalar(select(func.count(Question.id)))
    session.rollback()
    desk.shot("training-1-import-refused")

    fixed = ["填空", "城管执法人员执法时应当出示______。", "", "", "", "执法证件", "易", "规范"]
    page.get_by_label("Excel 文件").set_input_files(workbook(tmp_path / "bank-fixed.xlsx", [good[0], fixed, good[1]]))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-result")).to_have_text("已导入 3 题")
    expect(page.locator("#row-errors")).to_be_hidden()
    assert session.scalar(select(func.count(Question.id))) == before + 3
    session.rollback()

    page.get_by_label("中队").select_option(label="静安寺街道中队")
    expect(page.locator("#behind tbody tr", has_text="王强")).to_contain_text("集中面授")  # online done, classroom not
    labels = page.evaluate("Chart.getChart(document.getElementById('credit-chart')).data.labels")
    assert sorted(labels) == sorted(["张伟", "李娜", "王强"])
    desk.shot("training-2-imported-and-credits")
    assert not desk.errors, desk.errors


def test_the_supervisor_reads_findings_prints_a_notice_and_sees_the_months_case_report(desk):
    page = desk.page
    desk.arrive("/console/supervision", "JA0002")
    expect(page.locator("#findings tbody tr")).to_have_count(3)  # the demo's findings
    expect(page.locator("#findings tbody tr").first).to_contain_text("着装不规范")  # the most recent first
    expect(page.locator("#notices tbody tr")).to_have_count(2)
    notice = page.locator("#notices tbody tr").first
    expect(notice).to_contain_text("督察告知单")
    with page.expect_popup() as opened:
        notice.get_by_role("button", name="打印").click()
    expect(opened.value.locator("body")).to_contain_text("整改")  # the A4 print page of the notice
    opened.value.close()

    report = page.evaluate("(() => { const c = Chart.getChart(document.getElementById('report-chart'));"
                           " return Object.fromEntries(c.data.datasets.map(d => [d.label, d.data])); })()")
    # registered this month: the demo's two imported cases and its camera's three non-site cases (on the same clock)
    assert sum(report["立案"]) == 5 and sum(report["结案"]) == 1
    desk.shot("supervision-1-findings-and-report")
    page.get_by_label("月份").fill("2020-01")  # a month without cases: no squad in the report
    page.get_by_role("button", name="查看").click()
    page.wait_for_function("() => Chart.getChart(document.getElementById('report-chart')).data.labels.length === 0")
    assert not desk.errors, desk.errors
