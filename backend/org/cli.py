"""`flask org create-city-admin BADGE NAME`: the city bureau's first administrator account;
`flask org create-district CODE NAME` and `flask org create-district-admin CODE BADGE NAME`: a district bureau and
its first administrator, as the city administrator adds them through the API (`POST /api/org/districts`,
`POST /api/org/districts/{id}/admins`), with the same checks (backend/org/operations.py).

The city administrator then adds the city bureau's other accounts through the API (`POST /api/org/officers`);
whoever runs the command reaches the database anyway, so it is trusted, and the audit log names their system
user."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.errors import DomainError
from backend.org import operations
from backend.org.auth import hash_password
from backend.org.models import District, Officer, Role
from backend.org.roles import Operator, console_user

org_cli = AppGroup("org", help="组织：市局账号、区局与其首位管理员。")


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


def _as_city(operation, *args, **kwargs):
    """Run a domain operation as the city administrator; its refusal printed in Chinese with its code (exit 1)."""
    try:
        return operation(Operator.for_city(), *args, **kwargs)
    except DomainError as error:
        session.rollback()
        raise click.ClickException(f"{error.message}（{error.code}）") from None


def _audit(command: str, object_type: str, object_id: int, detail: str) -> None:
    session.add(AuditEntry(action=f"command org {command}", object_type=object_type, object_id=str(object_id),
                           outcome=0, detail=f"{console_user()}：{detail}"[:256]))


@org_cli.command("create-district")
@click.argument("code")
@click.argument("name")
@click.option("--wechat-department-id", type=click.IntRange(min=1), default=None,
              help="政务微信通讯录中本区局的部门 ID（同步通讯录用）")
def create_district(code: str, name: str, wechat_department_id: int | None):
    """Add a district bureau (区局), as the city administrator does."""
    district = _as_city(operations.create_district, code=code, name=name, wechat_department_id=wechat_department_id)
    _audit("create-district", "district", district.id, f"区局 {district.code} {district.name}")
    session.commit()
    click.echo(f"已添加区局 {district.name}（编码 {district.code}，ID {district.id}）")


@org_cli.command("create-district-admin")
@click.argument("district_code")
@click.argument("badge_no")
@click.argument("name")
@click.password_option(help="登录密码（至少 8 位；不给则提示输入）")
def create_district_admin(district_code: str, badge_no: str, name: str, password: str):
    """Give a district its first administrator (区局管理员), as the city administrator does."""
    if len(password) < 8:
        raise click.BadParameter("密码至少 8 位", param_hint="--password")
    district_id = session.scalar(select(District.id).where(District.code == district_code))
    if district_id is None:
        raise click.BadParameter(f"没有编码为 {district_code} 的区局", param_hint="DISTRICT_CODE")
    officer = _as_city(operations.create_district_admin, district_id, badge_no=badge_no, name=name, password=password)
    _audit("create-district-admin", "officer", officer.id, f"{district_code} 区局管理员 {badge_no}")
    session.commit()
    click.echo(f"已为区局 {district_code} 添加区局管理员 {name}（工号 {badge_no}）")
