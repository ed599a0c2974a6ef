"""`flask` commands: every domain's command group (`Domain.cli`), and the service's own: migrations, keys, demo data."""
from __future__ import annotations

import click
from flask import Flask

from backend.config import settings
from backend.db import session
from backend.domains import DOMAINS
from backend.registry import resolve


def register_cli(app: Flask) -> None:
    for group in (group for domain in DOMAINS for group in domain.cli):
        app.cli.add_command(resolve(group))

    @app.cli.command("migrate")
    def migrate():
        """Bring the database schema up to date (alembic upgrade head)."""
        from backend.migrate import upgrade

        upgrade(settings().DATABASE_URL)
        click.echo("数据库已升级到最新版本")

    @app.cli.command("re-sign")
    def re_sign():
        """Sign and encrypt again with the current key what is stored, so that a previous key can be retired."""
        from backend.evidence.chain import re_sign_checkpoints
        from backend.keys import re_encrypt_stored

        signed, forged = re_sign_checkpoints()
        encrypted = re_encrypt_stored()
        session.commit()
        click.echo(f"证据链检查点已用当前密钥重新签名 {signed} 个"
                   f"（签名无效、未处理 {forged} 个，请用 evidence verify 查看）")
        for column, done, unreadable in encrypted:  # every column a domain declares encrypted (Domain.encrypted)
            click.echo(f"{column}：已用当前密钥重新加密 {done} 个（无法解密 {unreadable} 个）")
        click.echo("社区工作室二维码不在此列：退役旧密钥前请重新下载并张贴，或保留旧密钥。")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo district, squads, officers and community offices (once)."""
        from backend.demo import DEMO_PASSWORD, load_demo

        if load_demo():
            session.commit()
            click.echo(f"已载入演示数据；所有演示账号的密码：{DEMO_PASSWORD}")
        else:
            click.echo("演示数据已存在，未重复载入")
