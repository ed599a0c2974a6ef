"""`flask wechat …` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from backend.config import settings
from backend.db import session
from backend.errors import DomainError
from backend.wechat.client import is_configured
from backend.wechat.contacts import sync_contacts

LABELS = {
    "created": "新增人员", "updated": "更新人员", "deactivated": "停用人员", "skipped": "跳过成员",
    "squads_created": "新增中队", "squads_updated": "更新中队", "squads_deactivated": "停用中队",
}

wechat_cli = AppGroup("wechat", help="政务微信：通讯录同步等")


@wechat_cli.command("sync-contacts")
def sync_contacts_command():
    """Sync squads and officers from the government-WeChat directory now."""
    if not is_configured(settings(), contacts=True):  # the nightly job skips quietly; here, say so
        raise click.ClickException("政务微信尚未配置（WECHAT_CORP_ID、WECHAT_SECRET 等），未同步通讯录")
    try:
        counts = sync_contacts()
    except DomainError as error:
        session.rollback()
        raise click.ClickException(f"{error.message}（{error.code}）") from error
    session.commit()
    click.echo("通讯录同步完成：" + "，".join(f"{LABELS[name]} {counts[name]}" for name in LABELS))
