"""Nightly sync of the government-WeChat directory into squads and officers.

Rules:
- Only districts with a `wechat_department_id` are synced; each is read as its department subtree,
  members one department at a time (WeCom lists a department's own members only: "逐层递归获取").
  A deployment that refuses `department/list` and `user/list` to the contacts-sync secret (48009,
  new IPs since 2022-08-15) is read through `department/simplelist` and `user/list_id` instead, with
  `department/get` and `user/get` (the light app's secret) for the squads and new members' details;
  there the members the service already knows keep their names and mobiles.
- A direct sub-department of a district department is a squad (matched by `wechat_department_id`;
  created when new, moved when changed, deactivated when gone, reactivated when back). The department's
  name is kept as the squad's `wechat_name`; the squad follows a directory rename only while its name is
  still the directory's: a squad an administrator renamed in the console keeps that name, and the sync
  status lists it beside the directory's. Squad names are unique in a district: a directory name another
  squad has is marked with its department id.
  Deeper departments belong to the squad above them.
- A member maps to an officer by `wechat_userid`. A new member becomes an officer (role officer) of
  the squad of their main department; their badge number is the extended attribute "工号" if the
  directory has one, else their UserId. An existing officer with that badge number and no WeChat
  account is bound to the member instead of creating a second person. Members outside any squad,
  and members whose badge number is taken by another WeChat account, are skipped and logged.
- A changed name, mobile or department updates the officer (district staff keep having no squad).
- A member gone from the directory, disabled (status 2) or resigned (status 5) deactivates the
  officer; nobody is deleted, and the sync never reactivates an officer (that is an admin's call).
- A sync that would deactivate more than WECHAT_SYNC_MAX_DEACTIVATE_PERCENT of a district's active
  officers with a WeChat account is refused whole (most likely the secret lost sight of departments).
- Not configured (the demo): one line in the log and nothing else.
- Running it twice changes nothing the second time.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from backend.config import settings
from backend.db import session
from backend.errors import Conflict, ServiceUnavailable
from backend.org.auth import revoke_tokens
from backend.org.models import District, Officer, Role, Squad
from backend.org.roles import DISTRICT_ADMINS, DISTRICT_STAFF, require
from backend.wechat.client import GovWeChatClient, is_configured, wechat_client, wechat_errors

log = logging.getLogger(__name__)

DETAILS_FORBIDDEN = 48009  # "api forbidden for contact assistant": only the id-list endpoints are left
ID_PAGE_SIZE = 10000  # the most `user/list_id` gives per page

BADGE_ATTRIBUTE = "工号"
GONE_STATUSES = frozenset({2, 5})  # disabled, resigned
NAME_MAX = 64  # a squad's name column
COUNT_NAMES = ("created", "updated", "deactivated", "skipped", "squads_created", "squads_updated",
               "squads_deactivated")


@dataclass
class _DistrictDirectory:
    district: District
    departments: dict[int, dict]  # id → department, the district's subtree
    users: list[dict]


SYNC_JOB = "wechat.contacts_sync"  # the nightly job (backend/wechat/__init__.py), its runs in the job_run ledger


def sync_status(actor: Officer, *, limit: int = 7) -> dict:
    """For a district admin: whether the sync is set up for their district, and its latest nightly runs."""
    from backend.scheduler import JobRun  # the ledger, not a model of this domain

    require(actor, DISTRICT_ADMINS, "只有区局管理员可以查看通讯录同步状态")
    runs = session.scalars(select(JobRun).where(JobRun.job_id == SYNC_JOB)
                           .order_by(JobRun.period_key.desc()).limit(limit)).all()
    renamed = session.scalars(select(Squad).where(
        Squad.district_id == actor.district_id, Squad.wechat_name.is_not(None), Squad.name != Squad.wechat_name)
        .order_by(Squad.id)).all()
    return {"configured": is_configured(settings(), contacts=True),
            "district_synced": actor.district.wechat_department_id is not None, "runs": runs,
            "renamed_squads": renamed}


def sync_contacts() -> dict:
    """Bring squads and officers in line with the directory; the counts of what changed."""
    counts = Counter({name: 0 for name in COUNT_NAMES})
    if not is_configured(settings(), contacts=True):
        log.info("政务微信尚未配置，跳过通讯录同步")
        return dict(counts)
    directories = _read_directory()
    squads: dict[int, Squad] = {}
    for directory in directories:
        squads.update(_sync_squads(directory, counts))
    present = _sync_members(directories, squads, counts)
    for directory in directories:
        _deactivate_departed(directory.district, present, counts)
    session.flush()
    return dict(counts)


def _read_directory() -> list[_DistrictDirectory]:
    """Everything first, so a WeChat failure half-way changes nothing."""
    districts = session.scalars(select(District).where(District.wechat_department_id.is_not(None))
                                .order_by(District.id)).all()
    if not districts:
        return []
    client = wechat_client(contacts=True)
    directories = []
    with wechat_errors("同步通讯录"):
        for district in districts:
            try:
                departments, users = _read_details(client, district.wechat_department_id)
            except WeChatClientException as error:
                if error.errcode != DETAILS_FORBIDDEN:
                    raise
                log.info("通讯录接口不向通讯录同步 secret 提供详情（48009），改用部门 ID 列表与成员 ID 列表")
                departments, users = _read_ids(client, district.wechat_department_id)
            directories.append(_DistrictDirectory(district, departments, users))
    for directory in directories:
        if directory.district.wechat_department_id not in directory.departments:
            # e.g. the secret lost its visibility: syncing would deactivate the whole district
            raise ServiceUnavailable(f"通讯录中看不到{directory.district.name}的部门，未同步，请检查通讯录权限",
                                     code="wechat_directory_incomplete")
    return directories


def _read_details(client: GovWeChatClient, root: int) -> tuple[dict[int, dict], list[dict]]:
    """The subtree from `department/list`, then each department's own members from `user/list`."""
    departments = {d["id"]: d for d in client.department.get(root)}
    return departments, [user for id_ in departments for user in client.user.list(id_)]


def _read_ids(client: GovWeChatClient, root: int) -> tuple[dict[int, dict], list[dict]]:
    """The subtree and its members from the id lists; details only where the service lacks them."""
    departments = {d["id"]: d for d in client.get("department/simplelist", params={"id": root})["department_id"]}
    memberships: dict[str, list[int]] = {}
    cursor = ""
    while True:
        page = client.post("user/list_id", data={"cursor": cursor, "limit": ID_PAGE_SIZE})
        for pair in page.get("dept_user") or []:
            if pair["department"] in departments:
                memberships.setdefault(pair["userid"], []).append(pair["department"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    details = wechat_client()  # the light app's secret may still read what its visible range holds
    for id_, department in departments.items():
        if department.get("parentid") == root:  # squads need their names
            department["name"] = details.get("department/get", params={"id": id_})["department"]["name"]
    known = set(session.scalars(select(Officer.wechat_userid).where(Officer.wechat_userid.in_(list(memberships)))))
    users = []
    for userid, department_ids in memberships.items():
        if userid in known:
            users.append({"userid": userid, "department": department_ids})
            continue
        try:
            users.append(details.user.get(userid))
        except WeChatClientException as error:  # outside the light app's visible range: nothing to create from
            log.warning("contacts sync: %s skipped, user/get answered %s", userid, error.errcode)
    return departments, users


def _sync_squads(directory: _DistrictDirectory, counts: Counter) -> dict[int, Squad]:
    """The district's squads by department id, created, renamed, moved or (de)activated as needed."""
    district = directory.district
    children = {id_: department for id_, department in directory.departments.items()
                if department.get("parentid") == district.wechat_department_id}
    known = {squad.wechat_department_id: squad for squad in session.scalars(select(Squad).where(
        Squad.wechat_department_id.in_(list(children))
        | ((Squad.district_id == district.id) & Squad.wechat_department_id.is_not(None))))}
    for department_id, department in children.items():
        squad = known.get(department_id)
        directory_name = department["name"][:NAME_MAX]
        if squad is None:
            squad = Squad(district=district, wechat_department_id=department_id, wechat_name=directory_name,
                          name=_free_name(district, directory_name, department_id), active=True)
            session.add(squad)
            known[department_id] = squad
            counts["squads_created"] += 1
            continue
        in_step = squad.wechat_name is None or squad.name == squad.wechat_name
        name = squad.name
        if (in_step or squad.district_id != district.id) and directory_name != squad.name:
            name = _free_name(district, directory_name, department_id, squad)
        # the directory's name read for the first time (a squad synced before it was kept) is no change
        renamed_in_directory = squad.wechat_name is not None and squad.wechat_name != directory_name
        squad.wechat_name = directory_name
        if _apply(squad, name=name, district=district, active=True) or renamed_in_directory:
            counts["squads_updated"] += 1
    for department_id, squad in known.items():
        if department_id not in children and squad.active:
            squad.active = False
            counts["squads_deactivated"] += 1
    session.flush()
    return {id_: known[id_] for id_ in children}


def _free_name(district: District, name: str, department_id: int, squad: Squad | None = None) -> str:
    """`name` if no other squad of the district has it, else the name marked with its directory department (squad
    names are unique in a district; an administrator then renames one of the two in the console)."""
    taken = select(Squad.id).where(Squad.district_id == district.id, Squad.name == name)
    if squad is not None and squad.id is not None:
        taken = taken.where(Squad.id != squad.id)
    if session.scalar(taken) is None:
        return name
    suffix = f"（通讯录部门 {department_id}）"
    log.warning("contacts sync: department %s is named %s like another squad of %s", department_id, name,
                district.name)
    return name[:NAME_MAX - len(suffix)] + suffix


def _squad_of(department_id: int | None, directory: _DistrictDirectory, squads: dict[int, Squad]) -> Squad | None:
    """The squad a department belongs to: itself or the nearest ancestor that is a squad."""
    seen = set()
    while department_id in directory.departments and department_id not in seen:
        if department_id in squads:
            return squads[department_id]
        seen.add(department_id)
        department_id = directory.departments[department_id].get("parentid")
    return None


def _badge_no(user: dict) -> str:
    for attribute in (user.get("extattr") or {}).get("attrs", []):
        if attribute.get("name") == BADGE_ATTRIBUTE:
            value = (attribute.get("text") or {}).get("value") or attribute.get("value")
            if value:
                return str(value).strip()
    return user["userid"]


def _sync_members(directories: list[_DistrictDirectory], squads: dict[int, Squad], counts: Counter) -> set[str]:
    """Create and update officers from the members; the UserIds still in the directory."""
    officers = {o.wechat_userid: o for o in session.scalars(select(Officer).where(Officer.wechat_userid.is_not(None)))}
    present: set[str] = set()
    for directory in directories:
        for user in directory.users:
            userid = user["userid"]
            if userid in present or user.get("status") in GONE_STATUSES:
                continue
            present.add(userid)
            department_id = user.get("main_department") or next(iter(user.get("department") or []), None)
            squad = _squad_of(department_id, directory, squads)
            officer = officers.get(userid)
            if officer is None:
                officer = _bind_or_create(user, squad, counts)
                if officer is not None:
                    officers[userid] = officer
            elif _update(officer, user, squad):
                counts["updated"] += 1
    return present


def _bind_or_create(user: dict, squad: Squad | None, counts: Counter) -> Officer | None:
    """A new member: bind the officer who already has their badge number, or create one."""
    userid, badge_no = user["userid"], _badge_no(user)
    same_badge = session.scalars(select(Officer).where(Officer.badge_no == badge_no)).one_or_none()
    if same_badge is not None:
        if same_badge.wechat_userid is not None:
            log.warning("contacts sync: %s skipped, badge %s belongs to WeChat user %s",
                        userid, badge_no, same_badge.wechat_userid)
            counts["skipped"] += 1
            return None
        same_badge.wechat_userid = userid
        _update(same_badge, user, squad)
        counts["updated"] += 1
        return same_badge
    if squad is None or len(badge_no) > 32:
        log.warning("contacts sync: %s skipped (%s)", userid, "no squad" if squad is None else "badge too long")
        counts["skipped"] += 1
        return None
    officer = Officer(badge_no=badge_no, name=user["name"][:64], phone=user.get("mobile") or None, role=Role.officer,
                      district_id=squad.district_id, squad=squad, wechat_userid=userid, active=True)
    session.add(officer)
    counts["created"] += 1
    return officer


def _update(officer: Officer, user: dict, squad: Squad | None) -> bool:
    """Copy name, mobile and squad from the member; whether anything changed."""
    changes = {"name": user["name"][:64]} if user.get("name") else {}
    if user.get("mobile"):  # an app without the permission gets no mobile: keep what we have
        changes["phone"] = user["mobile"]
    if squad is not None and officer.role not in DISTRICT_STAFF:
        changes.update(squad=squad, district=squad.district)
    return _apply(officer, **changes)


def _deactivate_departed(district: District, present: set[str], counts: Counter) -> None:
    """Deactivate the district's officers whose WeChat account left the directory, unless that is most of them."""
    active = session.scalars(select(Officer).where(
        Officer.district_id == district.id, Officer.wechat_userid.is_not(None), Officer.active.is_(True))).all()
    departed = [officer for officer in active if officer.wechat_userid not in present]
    limit = settings().WECHAT_SYNC_MAX_DEACTIVATE_PERCENT
    if departed and len(departed) * 100 > limit * len(active):
        message = (
            f"通讯录同步将停用 {len(departed)} 人（{district.name}在岗 {len(active)} 人的 "
            f"{len(departed) * 100 // len(active)}%），超过上限 {limit}%，"
            f"本次未同步：请核对通讯录权限与部门设置；确属人员变动时，"
            f"可临时调高 WECHAT_SYNC_MAX_DEACTIVATE_PERCENT 后运行 flask wechat sync-contacts"
        )
        raise Conflict(message, code="wechat_sync_refused")  # the job ledger and log record it, the CLI prints it
    for officer in departed:
        officer.active = False
        revoke_tokens(officer)  # as an admin's deactivation does: a later reactivation brings no old session back
        counts["deactivated"] += 1


def _apply(row, **values) -> bool:
    """Set the attributes that differ; whether any did."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return bool(changed)
