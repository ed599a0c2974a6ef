"""`flask points backfill`: rebuild daily records for a date range and bring their months up to date."""
from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from tqdm import tqdm

from backend.db import local_day, session
from backend.supervision.points.operations import build_daily_records, refresh_month

points_cli = AppGroup("points", help="考核积分：按日期范围重建日记实并重算月积分。")


@points_cli.command("backfill")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="起始日期，如 2026-11-01")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="结束日期（含），默认昨天")
def backfill(first: datetime, last: datetime | None):
    """Rebuild each day's records, then refresh the month at its last day in the range; one commit
    per month, so that the records and the sheets (a draft's lines are computed from the records)
    never disagree."""
    start, end = first.date(), last.date() if last else local_day() - timedelta(days=1)
    if end < start:
        raise click.BadParameter("结束日期不能早于起始日期", param_hint="--to")
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    rows = 0
    changed = {"created": 0, "recomputed": 0, "corrected": 0, "unchanged": 0}
    for day in tqdm(days, desc="重建日记实、重算月积分", unit="天"):
        rows += build_daily_records(day)
        if day == end or (day + timedelta(days=1)).day == 1:
            for key, count in refresh_month(day.replace(day=1)).items():
                changed[key] += count
            session.commit()
    click.echo(f"已重建 {len(days)} 天的日记实（{rows} 条）；月积分：新建 {changed['created']}，"
               f"重算 {changed['recomputed']}，锁定月更正 {changed['corrected']}，未变 {changed['unchanged']}")
