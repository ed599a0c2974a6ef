"""`flask evidence verify`: check the tree heads anchored outside the database, then every hash chain against the
latest of them, with a progress bar, naming each finding (machine code in brackets)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from backend.db import session
from backend.errors import ServiceUnavailable
from backend.evidence.anchor import audit_tree_heads
from backend.evidence.chain import chain_officers, verify_chain
from backend.org.models import Officer

evidence_cli = AppGroup("evidence", help="现场取证：证据链校验")


@evidence_cli.command("verify")
@click.option("--badge", "badge_no", help="只校验该执法证号的证据链（默认全部）")
def verify_command(badge_no: str | None):
    """Verify the anchored tree heads and one officer's evidence chain or all of them; exit status 1 on any finding."""
    try:
        heads, latest, findings = audit_tree_heads()
    except ServiceUnavailable as error:  # the bucket of the tree heads cannot be reached
        raise click.ClickException(f"{error.message}（{error.code}）") from error
    for finding in findings:
        click.echo(f"✗ {finding.message}（{finding.code}）")
    if latest is None:
        click.echo("尚无已锚定的树头：只能校验数据库内部的一致性（整条被删的链、换回的旧检查点、删到最新的保管日志查不出）")
    else:
        click.echo(f"已锚定的树头 {heads} 个，最新一个签于 {latest.timestamp}，含 {latest.tree_size} 条证据链")
    anchored = latest.chains if latest else {}
    if badge_no:
        officer = session.scalars(select(Officer).where(Officer.badge_no == badge_no)).one_or_none()
        if officer is None:
            raise click.ClickException(f"执法证号 {badge_no} 不存在")
        officers = [officer]
    else:
        officers = chain_officers(anchored=anchored)
    broken = 0
    for officer in tqdm(officers, desc="校验证据链", unit="条链", disable=None):
        report = verify_chain(officer, anchored.get(officer.id))
        if not report.intact:
            broken += 1
            tqdm.write(f"✗ {report.message}（{report.problem}）")
    click.echo(f"共校验 {len(officers)} 条证据链，完好 {len(officers) - broken} 条，异常 {broken} 条")
    if broken or findings:
        raise SystemExit(1)
