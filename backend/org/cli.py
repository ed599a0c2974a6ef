"""`flask org create-city-admin BADGE NAME`: the city bureau's first administrator account.

The city administrator then adds the city bureau's other accounts through the API (`POST /api/org/officers`);
whoever runs the command reaches the database anyway, so it is trusted, and the audit log names their system
user."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.org.auth import hash_password
from backend.org.models import Officer, Role
from backend.org.roles import console_user

org_cli = AppGroup("org", help="组织：市局账号。")


@org_cli.command("create-city-admin")
@click.argument("badge_no")
@click.argument("name")
@click.password_option(help="登录密码（至少 8 位；不给则提示输入）")
def create_city_admin(badge_no: str, name: str, password: str):
    """Add a city administrator (市局管理员), who belongs to no district."""
    if len(password) < 8:
        raise click.BadParameter("密码至少 8 位", param_hint="--password")
    if session.scalar(select(Officer.id).where(Officer.badge_no == badge_no)) is not None:
        raise click.BadParameter(f"工号 {badge_no} 已存在", param_hint="BADGE_NO")
    officer = Officer(badge_no=badge_no, name=name, role=Role.city_admin, district_id=None,
                      password_hash=hash_password(password), active=True)
    session.add(officer)
    session.flush()
    session.add(AuditEntry(action="command org create-city-admin", object_type="officer", object_id=str(officer.id),
                           outcome=0, detail=f"{console_user()}：市局管理员 {badge_no}"[:256]))
    session.commit()
    click.echo(f"已添加市局管理员 {name}（工号 {badge_no}）")
