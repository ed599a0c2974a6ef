"""What changes the org: officers added, changed, deactivated; the 街镇 and the squads under them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.db import session
from backend.errors import Conflict, Forbidden, Invalid
from backend.org.auth import hash_password, revoke_tokens
from backend.org.models import ROLE_NAMES, District, Officer, Role, Squad, Town
from backend.org.queries import person
from backend.org.roles import (
    ACCOUNT_ADMINS,
    CITY_ADMINS,
    CITY_STAFF,
    DISTRICT_ADMINS,
    DISTRICT_ROLES,
    SQUAD_MEMBERS,
    TOWN_MANAGERS,
    require,
)
from backend.org.scope import get_visible, scoped


def _town_of_district(actor: Officer, town_id: int) -> Town:
    """A 街镇 of the actor's district named in a request body (unknown or another district's: 422)."""
    town = session.scalars(scoped(Town, actor).where(Town.id == town_id)).one_or_none()
    if town is None:
        raise Invalid("街镇不存在或不属于本区", code="unknown_town")
    return town


def _check_role(actor: Officer, role: Role) -> None:
    """A district administrator gives district roles, the city administrator city roles, nothing else."""
    allowed = CITY_STAFF if actor.role in CITY_STAFF else DISTRICT_ROLES
    if role not in allowed:
        raise Forbidden(f"{ROLE_NAMES[actor.role]}不能设置“{ROLE_NAMES[role]}”角色", code="role_not_assignable")


def _check_placement(actor: Officer, role: Role, squad_id: int | None, town_id: int | None) -> None:
    _check_role(actor, role)
    if role not in SQUAD_MEMBERS and squad_id is not None:
        raise Invalid("区局、街镇和市局人员不属于中队，请不要填写中队", code="squad_not_allowed")
    if role in SQUAD_MEMBERS:
        if squad_id is None:
            raise Invalid("执法队员和中队长必须属于一个中队", code="squad_required")
        get_visible(Squad, squad_id, actor, what="中队")
    if role == Role.town_leader:
        if town_id is None:
            raise Invalid("街镇领导必须属于一个街镇", code="town_required")
        _town_of_district(actor, town_id)
    elif town_id is not None:
        raise Invalid("只有街镇领导属于街镇，请不要填写街镇", code="town_not_allowed")


def _check_wechat_userid_free(wechat_userid: str | None, officer: Officer | None = None) -> None:
    """A government-WeChat account binds one person: 409 if another already holds it."""
    holder = session.scalar(select(Officer.id).where(Officer.wechat_userid == wechat_userid)) if wechat_userid else None
    if holder is not None and (officer is None or holder != officer.id):
        raise Conflict("该政务微信账号已绑定其他人员", code="wechat_userid_taken")


def create_officer(actor: Officer, *, badge_no: str, name: str, role: Role, squad_id: int | None = None,
                   town_id: int | None = None, phone: str | None = None, wechat_userid: str | None = None,
                   password: str | None = None) -> Officer:
    """A district admin adds a person to their district; the city administrator a person of the city bureau."""
    require(actor, ACCOUNT_ADMINS, "只有区局或市局管理员可以添加人员")
    _check_placement(actor, role, squad_id, town_id)
    if session.scalar(select(Officer.id).where(Officer.badge_no == badge_no)) is not None:
        raise Conflict(f"工号 {badge_no} 已存在", code="badge_no_taken")
    _check_wechat_userid_free(wechat_userid)
    officer = Officer(badge_no=badge_no, name=name, role=role, squad_id=squad_id, town_id=town_id, phone=phone,
                      district_id=actor.district_id, wechat_userid=wechat_userid or None,
                      password_hash=hash_password(password) if password else None, active=True)
    session.add(officer)
    session.flush()
    return officer


def update_officer(actor: Officer, officer_id: int, **changes) -> Officer:
    """A district admin changes a person of the district (role, squad, 街镇, phone, active, password); the city
    administrator a person of the city bureau."""
    require(actor, ACCOUNT_ADMINS, "只有区局或市局管理员可以修改人员")
    officer = person(actor, officer_id)
    _check_role(actor, officer.role)  # the city sees every district's people, but manages only its own
    if officer.id == actor.id and changes.get("active") is False:
        raise Invalid("不能停用自己的账号", code="cannot_deactivate_self")
    role = changes.get("role", officer.role)
    squad_id = changes["squad_id"] if "squad_id" in changes else officer.squad_id
    town_id = changes["town_id"] if "town_id" in changes else officer.town_id
    if role != officer.role and role != Role.town_leader and "town_id" not in changes:
        town_id = changes["town_id"] = None  # leaving the 街镇 leadership leaves the 街镇
    if {"role", "squad_id", "town_id"} & changes.keys():
        _check_placement(actor, role, squad_id, town_id)
    if "wechat_userid" in changes:
        _check_wechat_userid_free(changes["wechat_userid"], officer)
    password = changes.pop("password", None)
    # A new password, a deactivation or another role ends the person's sessions: whoever held an old
    # token (a lost phone, a colleague at a shared desk) signs in again under the new terms.
    if password or changes.get("active") is False or role != officer.role:
        revoke_tokens(officer)
    if password:
        officer.password_hash = hash_password(password)
    for name, value in changes.items():
        setattr(officer, name, value)
    session.flush()
    return officer


def create_town(actor: Officer, *, code: str, name: str) -> Town:
    """A district administrator adds a street or town government (街镇) of the district."""
    require(actor, TOWN_MANAGERS, "只有区局管理员可以添加街镇")
    if session.scalar(select(Town.id).where(Town.code == code)) is not None:
        raise Conflict(f"街镇编码 {code} 已存在", code="town_code_taken")
    town = Town(district_id=actor.district_id, code=code, name=name)
    session.add(town)
    session.flush()
    return town


def attach_squad(actor: Officer, squad_id: int, *, town_id: int | None) -> Squad:
    """A district administrator puts a squad of the district under one of its 街镇 (or under none)."""
    require(actor, TOWN_MANAGERS, "只有区局管理员可以调整中队所属街镇")
    squad = get_visible(Squad, squad_id, actor, what="中队")
    squad.town = None if town_id is None else _town_of_district(actor, town_id)
    session.flush()
    return squad


SQUAD_NAME_MAX = 64  # the column's length


def _squad_name(actor: Officer, name: str, squad_id: int | None = None) -> str:
    """The name trimmed; refused when empty, too long, or another squad of the district has it."""
    name = name.strip()
    if not name:
        raise Invalid("请填写中队名称", code="squad_name_required", errors={"name": ["不能为空。"]})
    if len(name) > SQUAD_NAME_MAX:
        raise Invalid(f"中队名称不能超过 {SQUAD_NAME_MAX} 个字", code="squad_name_too_long",
                      errors={"name": [f"长度不能超过 {SQUAD_NAME_MAX}。"]})
    taken = select(Squad.id).where(Squad.district_id == actor.district_id, Squad.name == name)
    if squad_id is not None:
        taken = taken.where(Squad.id != squad_id)
    if session.scalar(taken) is not None:
        raise _name_taken(name)
    return name


def _name_taken(name: str) -> Conflict:
    return Conflict(f"本区已有名为“{name}”的中队", code="squad_name_taken", errors={"name": ["已被本区其他中队使用。"]})


def _save_squad(squad: Squad, name: str) -> Squad:
    """Write the squad under `name`; two administrators giving one name at once: the database keeps one (409)."""
    try:
        with session.begin_nested():
            squad.name = name
            session.add(squad)
            session.flush()
    except IntegrityError:
        raise _name_taken(name) from None
    return squad


def create_squad(actor: Officer, *, name: str) -> Squad:
    """A district admin adds a squad to their district."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以新建中队")
    return _save_squad(Squad(district_id=actor.district_id, active=True), _squad_name(actor, name))


def rename_squad(actor: Officer, squad_id: int, *, name: str) -> Squad:
    """A district admin renames a squad of their district."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以修改中队")
    squad = get_visible(Squad, squad_id, actor, what="中队")
    return _save_squad(squad, _squad_name(actor, name, squad.id))


def create_district(actor: Officer, *, code: str, name: str, wechat_department_id: int | None = None) -> District:
    """The city administrator adds a district bureau (区局); its first administrator follows
    (`create_district_admin`), who then sets up the district's squads, 街镇 and people."""
    require(actor, CITY_ADMINS, "只有市局管理员可以添加区局")
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise Invalid("请填写区局编码和名称", code="district_fields_required",
                      errors={field: ["不能为空。"] for field, value in (("code", code), ("name", name)) if not value})
    if session.scalar(select(District.id).where(District.code == code)) is not None:
        raise Conflict(f"区局编码 {code} 已存在", code="district_code_taken", errors={"code": ["已被其他区局使用。"]})
    if session.scalar(select(District.id).where(District.name == name)) is not None:
        raise Conflict(f"已有名为“{name}”的区局", code="district_name_taken", errors={"name": ["已被其他区局使用。"]})
    if wechat_department_id is not None and session.scalar(
            select(District.id).where(District.wechat_department_id == wechat_department_id)) is not None:
        raise Conflict("该政务微信部门已关联其他区局", code="wechat_department_taken",
                       errors={"wechat_department_id": ["已关联其他区局。"]})
    district = District(code=code, name=name, wechat_department_id=wechat_department_id)
    session.add(district)
    session.flush()
    return district


def create_district_admin(actor: Officer, district_id: int, *, badge_no: str, name: str, password: str,
                          phone: str | None = None, wechat_userid: str | None = None) -> Officer:
    """The city administrator gives a district its first administrator (区局管理员); later ones, and everyone else
    of the district, that administrator adds (the city does not manage a district's accounts)."""
    require(actor, CITY_ADMINS, "只有市局管理员可以设置区局的首位管理员")
    district = get_visible(District, district_id, actor, what="区局")
    if session.scalar(select(Officer.id).where(Officer.district_id == district.id, Officer.active.is_(True),
                                               Officer.role == Role.district_admin)) is not None:
        raise Conflict(f"{district.name}已有区局管理员，其他管理员由其在本区添加", code="district_has_admin")
    if session.scalar(select(Officer.id).where(Officer.badge_no == badge_no)) is not None:
        raise Conflict(f"工号 {badge_no} 已存在", code="badge_no_taken", errors={"badge_no": ["已被占用。"]})
    _check_wechat_userid_free(wechat_userid)
    officer = Officer(badge_no=badge_no, name=name, role=Role.district_admin, district_id=district.id, phone=phone,
                      wechat_userid=wechat_userid or None, password_hash=hash_password(password), active=True)
    session.add(officer)
    session.flush()
    return officer
