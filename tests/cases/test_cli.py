"""`flask --app wsgi cases import`: a case file imported as an operator runs it, with a progress bar and row errors."""
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.audit import AuditEntry
from backend.org.models import District, Officer, Role, Squad
from backend.supervision.cases.models import Case
from tests.test_readme_commands import flask, operator_env

HEADER = "案件编号,中队,承办人工号,发现日期,立案日期,结案日期,撤案日期,撤案理由,撤案审批人"


def cases_in(engine) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count(Case.id)))


def test_cli_imports_a_file_and_reports_row_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'district.db'}"
    env = {**operator_env(url), "USER": "ops-zhang", "LOGNAME": "ops-zhang"}
    assert flask("migrate", env=env).returncode == 0
    engine = create_engine(url)
    with Session(engine) as db:
        district = District(code="CN", name="长宁区")
        squad = Squad(district=district, name="新华路中队")
        db.add_all([district, squad, Officer(badge_no="CN001", name="承办人", role=Role.officer, squad=squad,
                                              district=district)])
        db.commit()
    good = tmp_path / "cases.csv"
    good.write_text(f"{HEADER}\nCN-1,新华路中队,CN001,2026-03-01,2026-03-02,2026-03-20,,,\n"
                    f"CN-2,新华路中队,CN001,2026-03-01,,,2026-03-03,,\n", encoding="utf-8")

    result = flask("cases", "import", str(good), "--district", "CN", env=env)
    assert result.returncode == 0, result.stderr
    assert "导入完成：新增 2，更新 0，未变 0；新标记：随意撤案 1" in result.stdout
    assert "校验案件" in result.stderr  # the tqdm progress bar
    assert cases_in(engine) == 2

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nCN-3,新华路中队,CN999,2026-03-01,,,,,\nCN-3,新华路中队,CN001,2026-03-01,,,,,\n",
                   encoding="utf-8")
    result = flask("cases", "import", str(bad), "--district", "CN", env=env)
    assert result.returncode == 1
    assert "第 2 行 officer_badge_no：本区局没有这个工号的人员。" in result.stderr
    assert "第 3 行 number：案件编号与第 2 行重复。" in result.stderr
    assert cases_in(engine) == 2

    unknown = flask("cases", "import", str(good), "--district", "XX", env=env)
    assert unknown.returncode == 2 and "没有代码为 XX 的区局" in unknown.stderr

    with Session(engine) as db:  # who ran each import, as the operator acting for the district's administrator
        audit = db.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.object_id, AuditEntry.outcome,
                                  AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert audit == [
        ("command cases import", None, "cases.csv", 0, "ops-zhang（区局 CN）：新增 2，更新 0，未变 0"),
        ("command cases import", None, "bad.csv", 1,
         "ops-zhang（区局 CN）：case_import_invalid: 导入失败：2 行有错误，未导入任何案件"),
    ]
    engine.dispose()
