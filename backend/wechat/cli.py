"""`flask wechat …` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from backend.db import session
from backend.errors import DomainError
from backend.wechat.contacts import sync_contacts

LABELS = {
    "created": "新增人员", "updated": "更新人员", "deactivated": "停用人员", "skipped": "跳过成员",
    "squads_created": "新增中队", "squads_updated": "更新中队", "squads_deactivated": "停用中队",
}

wechat_cli = AppGroup("wechat", help="政务微信：通讯录同步等")


@wechat_cli.command("sync-contacts")
def sync_contacts_command():
    """Sync squads and officers from the government-WeChat directory now."""
    try:
        counts = sync_contacts()
    except DomainError as error:
        session.rollback()
        raise click.ClickException(f"{error.message}（{error.code}）") from error
    session.commit()
    click.echo("通讯录同步完成：" + "，".join(f"{LABELS[name]} {counts[name]}" for name in LABELS))
