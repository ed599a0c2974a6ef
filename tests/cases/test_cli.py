"""`flask cases import`: a case file imported from the command line with a progress bar and row errors."""
from sqlalchemy import func, select

from backend.db import session
from backend.supervision.cases.cli import cases_cli
from backend.supervision.cases.models import Case

HEADER = "案件编号,中队,承办人工号,发现日期,立案日期,结案日期,撤案日期,撤案理由,撤案审批人"


def test_cli_imports_a_file_and_reports_row_errors(app, make, tmp_path):
    district = make.district(code="CN", name="长宁区")
    squad = make.squad(district, name="新华路中队")
    make.officer(squad=squad, badge_no="CN001")
    good = tmp_path / "cases.csv"
    good.write_text(f"{HEADER}\nCN-1,新华路中队,CN001,2026-03-01,2026-03-02,2026-03-20,,,\n"
                    f"CN-2,新华路中队,CN001,2026-03-01,,,2026-03-03,,\n", encoding="utf-8")
    runner = app.test_cli_runner()

    result = runner.invoke(cases_cli, ["import", str(good), "--district", "CN"])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 2，更新 0，未变 0；新标记：随意撤案 1" in result.output
    assert "校验案件" in result.stderr  # the tqdm progress bar
    assert session.scalar(select(func.count(Case.id))) == 2

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nCN-3,新华路中队,CN999,2026-03-01,,,,,\nCN-3,新华路中队,CN001,2026-03-01,,,,,\n",
                   encoding="utf-8")
    result = runner.invoke(cases_cli, ["import", str(bad), "--district", "CN"])
    assert result.exit_code == 1
    assert "第 2 行 officer_badge_no：本区局没有这个工号的人员。" in result.stderr
    assert "第 3 行 number：案件编号与第 2 行重复。" in result.stderr
    assert session.scalar(select(func.count(Case.id))) == 2

    unknown = runner.invoke(cases_cli, ["import", str(good), "--district", "XX"])
    assert unknown.exit_code == 2 and "没有代码为 XX 的区局" in unknown.stderr
