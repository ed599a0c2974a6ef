"""`flask inspections import FILE` as an operator runs it: a separate process on its own database, a progress bar on
the terminal for a large file, every row or none."""
import subprocess
import sys
from pathlib import Path

from backend.config import ROOT
from backend.inspections.credit_code import check_character
from tests.test_keys import FLASK, NEW_KEY, _operator_env

SET_UP = """
from wsgi import app
from backend.db import session
from backend.inspections.models import ObjectKind
from backend.org.models import District, Officer, Role, Squad
with app.app_context():
    district = District(code="JA", name="静安区城管执法局")
    squad = Squad(district=district, name="南京西路街道中队")
    session.add_all([district, squad,
                     Officer(badge_no="JA0001", name="陈建国", role=Role.district_admin, district=district)])
    session.flush()
    session.add(ObjectKind(district_id=district.id, code="street_shop", name="沿街商户", checklist=[]))
    session.commit()
"""
COUNT = """
from wsgi import app
from sqlalchemy import func, select
from backend.db import session
from backend.inspections.models import RegulatedObject
with app.app_context():
    print(session.scalar(select(func.count()).select_from(RegulatedObject)))
"""
HEADER = "类型,名称,统一社会信用代码,地址,中队,联系电话"


def _code(n: int) -> str:
    first17 = f"92310106MA{n:07d}"
    return first17 + check_character(first17)


def _run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_operator_imports_a_large_file_with_a_progress_bar(tmp_path: Path):
    env = _operator_env(tmp_path, SECRET_KEY=NEW_KEY)
    assert _run([FLASK, "--app", "wsgi", "migrate"], env).returncode == 0
    made = _run([sys.executable, "-c", SET_UP], env)
    assert made.returncode == 0, made.stderr
    rows = [f"沿街商户,商户{n},{_code(n)},南京西路 {n} 号,南京西路街道中队,1381234{n % 10000:04d}"
            for n in range(2_000)]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, *rows[:5], "沿街商户,坏行,91330100716105852A,某路,南京西路街道中队,"]),
                   encoding="utf-8")
    refused = _run([FLASK, "--app", "wsgi", "inspections", "import", str(bad), "--officer", "JA0001"], env)
    assert refused.returncode == 1
    assert "导入失败" in refused.stderr and "第 7 行：统一社会信用代码校验位不正确" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _run([sys.executable, "-c", COUNT], env).stdout.strip() == "0"

    good = tmp_path / "shops.csv"
    good.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    done = _run([FLASK, "--app", "wsgi", "inspections", "import", str(good), "--officer", "JA0001"], env)
    assert done.returncode == 0, done.stderr
    assert "导入完成：新增 2000，更新 0" in done.stdout
    assert "校验检查对象" in done.stderr and "2000/" not in done.stdout  # tqdm draws on the terminal's stderr
    assert "2000行" in done.stderr.replace(" ", "")
    assert _run([sys.executable, "-c", COUNT], env).stdout.strip() == "2000"
    unknown = _run([FLASK, "--app", "wsgi", "inspections", "import", str(good), "--officer", "NOBODY"], env)
    assert unknown.returncode == 2 and "没有警号为 NOBODY 的在职人员" in unknown.stderr
