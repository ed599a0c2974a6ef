"""`flask cases import FILE --district CODE`: import a case file with a progress bar and row errors.

Whoever runs it acts as the district's administrator (`Operator`); the audit log records the import, by
their system user name, whether it went through or not."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from backend.audit import AuditEntry
from backend.db import session
from backend.errors import DomainError
from backend.org.models import District
from backend.org.roles import Operator
from backend.supervision.cases.importing import read_case_file
from backend.supervision.cases.models import FLAG_NAMES, FlagKind
from backend.supervision.cases.operations import import_cases

cases_cli = AppGroup("cases", help="案件：从办案系统导入案件（两超期两随意）。")


@cases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--district", "district_code", required=True, help="区局代码（案件所属区局）")
def import_command(path: Path, district_code: str):
    """Import cases from a .csv or .xlsx file; any wrong row stops the import with every row's errors."""
    district = session.scalar(select(District).where(District.code == district_code))
    if district is None:
        raise click.BadParameter(f"没有代码为 {district_code} 的区局", param_hint="--district")
    operator = Operator.at_console(district)
    try:
        rows = read_case_file(path.read_bytes(), path.name)
        result = import_cases(operator, tqdm(rows, desc="校验案件", unit="行"))
    except DomainError as error:
        session.rollback()
        _audit(operator, path, 1, f"{error.code}: {error.message}")
        session.commit()
        click.echo(f"导入失败：{error.message}", err=True)
        for row_no, fields in ((error.errors or {}).get("rows") or {}).items():
            for field, messages in fields.items():
                click.echo(f"  第 {row_no} 行 {field}：{''.join(messages)}", err=True)
        raise SystemExit(1) from None
    _audit(operator, path, 0, f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
    session.commit()
    flags = "，".join(f"{FLAG_NAMES[FlagKind(kind)]} {count}" for kind, count in result.flags.items()) or "无"
    click.echo(f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}；新标记：{flags}")


def _audit(operator: Operator, path: Path, outcome: int, detail: str) -> None:
    """The import's audit row: 0 done, 1 refused (as a job's), by the operator's system user."""
    session.add(AuditEntry(action="command cases import", object_type="case_import", object_id=path.name[:64],
                           outcome=outcome, detail=f"{operator.name}（区局 {operator.district.code}）：{detail}"[:256]))
