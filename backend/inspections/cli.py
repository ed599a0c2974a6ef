"""`flask inspections import FILE --officer BADGE`: import regulated objects from a large file with a progress bar."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from backend.db import session
from backend.errors import DomainError
from backend.inspections.registry import import_objects
from backend.org.models import Officer

inspections_cli = AppGroup("inspections", help="执法检查对象：从 CSV 或 Excel 文件导入名录库。")
MAX_CLI_ROWS = 250_000  # a whole district's (or the city's shops') registry in one file
# an operator's own workbook of that many rows unpacks to some 200 MB (about 800 bytes of XML a row); an upload's
# limit (SPREADSHEET_MAX_UNPACKED_BYTES, 50 MB) would refuse it
MAX_CLI_UNPACKED_BYTES = 400_000_000


@inspections_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--officer", "badge_no", required=True, help="以哪位区局管理员或中队长的名义导入（警号）")
def import_command(path: Path, badge_no: str):
    """Import regulated objects (layout as POST /api/inspections/objects/import); any wrong row stops it all."""
    actor = session.scalar(select(Officer).where(Officer.badge_no == badge_no, Officer.active.is_(True)))
    if actor is None:
        raise click.BadParameter(f"没有警号为 {badge_no} 的在职人员", param_hint="--officer")
    try:
        result = import_objects(actor, path.read_bytes(), max_rows=MAX_CLI_ROWS,
                                max_unpacked_bytes=MAX_CLI_UNPACKED_BYTES,
                                progress=lambda rows: tqdm(rows, desc="校验检查对象", unit="行"), listed=False)
    except DomainError as error:
        session.rollback()
        click.echo(f"导入失败：{error.message}", err=True)
        for row_no, message in ((error.errors or {}).get("rows") or {}).items():
            click.echo(f"  第 {row_no} 行：{message}", err=True)
        raise SystemExit(1) from None
    session.commit()
    click.echo(f"导入完成：新增 {result['created']}，更新 {result['updated']}")
