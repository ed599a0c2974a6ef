"""`flask evidence verify`: check the hash chains, with a progress bar, naming the first broken link."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from backend.db import session
from backend.evidence.chain import chain_officers, verify_chain
from backend.org.models import Officer

evidence_cli = AppGroup("evidence", help="现场取证：证据链校验")


@evidence_cli.command("verify")
@click.option("--badge", "badge_no", help="只校验该执法证号的证据链（默认全部）")
def verify_command(badge_no: str | None):
    """Verify one officer's evidence chain or all of them; exit status 1 if any is broken."""
    if badge_no:
        officer = session.scalars(select(Officer).where(Officer.badge_no == badge_no)).one_or_none()
        if officer is None:
            raise click.ClickException(f"执法证号 {badge_no} 不存在")
        officers = [officer]
    else:
        officers = chain_officers()
    broken = 0
    for officer in tqdm(officers, desc="校验证据链", unit="条链", disable=None):
        report = verify_chain(officer)
        if not report.intact:
            broken += 1
            tqdm.write(f"✗ {report.message}（{report.problem}）")
    click.echo(f"共校验 {len(officers)} 条证据链，完好 {len(officers) - broken} 条，异常 {broken} 条")
    if broken:
        raise SystemExit(1)
