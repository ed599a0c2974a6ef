"""What changes findings and notices: record, issue (gapless numbers), answer, review."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from backend.config import settings
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.evidence.models import Evidence
from backend.org.models import District, Officer, Role, Squad
from backend.org.queries import people
from backend.org.roles import SUPERVISING_STAFF, require
from backend.org.scope import visible
from backend.supervision.findings import queries
from backend.supervision.findings.models import (
    NOTICE_ABBREVIATIONS,
    NOTICE_NAMES,
    NOTICE_STATUS_NAMES,
    SEVERITY_NAMES,
    SQUAD_ONLY_KINDS,
    Finding,
    FindingEvidence,
    Notice,
    NoticeCounter,
    NoticeKind,
    NoticeStatus,
    Rectification,
    RectificationEvidence,
    Severity,
)

CLOCK_SKEW = timedelta(minutes=10)


def _require_supervisor(actor: Officer) -> None:
    require(actor, SUPERVISING_STAFF, "只有督察员或区局管理员可以执行此操作")


def _text(value: str | None, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"请填写{label}", code=f"{field}_required", errors={field: ["不能为空。"]})
    if len(value) > limit:
        raise Invalid(
            f"{label}不能超过 {limit} 字", code=f"{field}_too_long", errors={field: [f"长度不能超过 {limit}。"]}
        )
    return value


def _target(actor: Officer, officer_id: int | None, squad_id: int | None) -> tuple[Squad, Officer | None]:
    """The squad (and officer) a finding or notice is about; both must lie in the actor's district."""
    if (officer_id is None) == (squad_id is None):
        raise Invalid("请指定一名队员或一个中队（二选一）", code="target_required",
                      errors={"officer_id": ["队员和中队须且只能指定一个。"]})
    if officer_id is not None:
        officer = session.scalars(select(Officer).where(Officer.id == officer_id, people())).one_or_none()
        if officer is None or officer.district_id != actor.district_id or officer.squad_id is None:
            raise Invalid("该队员不存在或不属于您所在区局的中队", code="officer_not_in_district",
                          errors={"officer_id": ["不在本区局的中队。"]})
        return officer.squad, officer
    squad = session.get(Squad, squad_id)
    if squad is None or squad.district_id != actor.district_id:
        raise Invalid("该中队不存在或不属于您所在区局", code="squad_not_in_district",
                      errors={"squad_id": ["不在本区局。"]})
    return squad, None


def _evidence_links(actor: Officer, evidence_ids: Iterable[int]) -> list[int]:
    """The evidence ids, each of which must exist within the actor's scope."""
    ids = sorted(set(evidence_ids or ()))
    if not ids:
        return []
    found = set(session.scalars(select(Evidence.id).where(Evidence.id.in_(ids), visible(Evidence, actor))))
    missing = [str(evidence_id) for evidence_id in ids if evidence_id not in found]
    if missing:
        raise Invalid(f"证据不存在或不在您的管辖范围内：{'、'.join(missing)}", code="evidence_not_found",
                      errors={"evidence_ids": [f"不存在或无权使用：{', '.join(missing)}。"]})
    return ids


def _leaders(squad_id: int) -> list[Officer]:
    return list(session.scalars(select(Officer).where(
        Officer.squad_id == squad_id, Officer.role == Role.squad_leader, Officer.active.is_(True))))


def recipients(notice_or_finding: Notice | Finding) -> list[Officer]:
    """Who is told: the officer named (if any) and the squad's leaders."""
    people = _leaders(notice_or_finding.squad_id)
    if notice_or_finding.officer is not None and notice_or_finding.officer not in people:
        people.insert(0, notice_or_finding.officer)
    return people


def _notify(people: list[Officer], *, title: str, description: str, url_setting: str, object_id: int) -> int:
    """Queue a text card with the record it is about; the outbox delivers it."""
    from backend.wechat.messages import queue_text_card

    return queue_text_card(people, title=title, description=description,
                                   url=getattr(settings(), url_setting).format(id=object_id))


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%Y年%m月%d日 %H:%M}"


# -- findings --------------------------------------------------------------------------------------

def record_finding(actor: Officer, *, type_code: str, severity: Severity | int, place: str, found_at: datetime,
                   description: str, officer_id: int | None = None, squad_id: int | None = None,
                   evidence_ids: Iterable[int] = (), now: datetime | None = None) -> Finding:
    """A supervisor records a problem; the officer and their leaders are told by government WeChat."""
    _require_supervisor(actor)
    now = now or utcnow()
    types = queries.finding_types()
    if type_code not in types:
        raise Invalid(f"未知的督察问题类型：{type_code}", code="unknown_finding_type",
                      errors={"type_code": [f"取值必须是以下之一：{', '.join(types)}。"]})
    if found_at > now + CLOCK_SKEW:
        raise Invalid(
            "发现时间不能晚于当前时间", code="found_at_in_future", errors={"found_at": ["不能是将来的时间。"]}
        )
    squad, officer = _target(actor, officer_id, squad_id)
    finding = Finding(district_id=actor.district_id, squad=squad, officer=officer, supervisor=actor,
                      type_code=type_code, severity=int(Severity(severity)), place=_text(place, "place", "地点", 200),
                      found_at=found_at, found_on=local_day(found_at),
                      description=_text(description, "description", "问题描述", 2000), created_at=now,
                      evidence=[FindingEvidence(evidence_id=i) for i in _evidence_links(actor, evidence_ids)])
    session.add(finding)
    session.flush()
    whom = officer.name if officer else squad.name
    _notify(recipients(finding), title="督察发现问题通知", object_id=finding.id,
            url_setting="SUPERVISION_FINDING_URL",
            description=(f"{whom}｜{types[type_code]}｜{SEVERITY_NAMES[Severity(finding.severity)]}\n"
                         f"{_local(found_at)} {finding.place}\n{finding.description[:80]}"))
    return finding


# -- notices ---------------------------------------------------------------------------------------

def next_seq(district_id: int, kind: NoticeKind, year: int) -> int:
    """Take the next number of a series; the counter row stays locked until the transaction ends.

    UPDATE … RETURNING locks the row on PostgreSQL, so a second issuer waits and then reads the
    committed value; a rolled-back issue rolls its number back too, so the series has no gaps.
    """
    counter = NoticeCounter.__table__
    where = (counter.c.district_id == district_id, counter.c.kind == kind.value, counter.c.year == year)
    bump = update(counter).where(*where).values(last_seq=counter.c.last_seq + 1).returning(counter.c.last_seq)
    seq = session.execute(bump).scalar_one_or_none()
    if seq is not None:
        return seq
    try:
        with session.begin_nested():
            session.execute(insert(counter).values(district_id=district_id, kind=kind.value, year=year, last_seq=1))
        return 1
    except IntegrityError:  # another issuer created the series first; take the number after theirs
        return session.execute(bump).scalar_one()


def notice_number(district: District, kind: NoticeKind, year: int, seq: int) -> str:
    return f"{district.name}城管{NOTICE_ABBREVIATIONS[kind]}〔{year}〕{seq}号"


def _due_at(rectify_by: date) -> datetime:
    """The end of the rectification day, local time."""
    return datetime.combine(rectify_by + timedelta(days=1), time(), LOCAL_TZ)


def _refuse_second_notice(finding: Finding, kind: NoticeKind) -> None:
    """One notice of a kind per finding (a 督办通知单 may still follow a 告知单 on it); the finding's row lock
    keeps two supervisors issuing at the same moment from both getting through."""
    session.execute(select(Finding.id).where(Finding.id == finding.id).with_for_update())
    number = session.scalar(select(Notice.number).where(Notice.finding_id == finding.id, Notice.kind == kind))
    if number is not None:
        raise Conflict(f"该督察记录已制发过{NOTICE_NAMES[kind]}（{number}），不能重复制发",
                       code="finding_already_noticed",
                       errors={"finding_id": [f"已制发{NOTICE_NAMES[kind]} {number}。"]})


def issue_notice(actor: Officer, *, kind: NoticeKind, problem: str, requirement: str, rectify_by: date,
                 officer_id: int | None = None, squad_id: int | None = None, finding_id: int | None = None,
                 now: datetime | None = None) -> Notice:
    """Issue one of the two forms and two letters with the next number of its series."""
    _require_supervisor(actor)
    now = now or utcnow()
    kind = NoticeKind(kind)
    finding = None
    if finding_id is not None:
        finding = queries.get_finding(finding_id, actor)
        _refuse_second_notice(finding, kind)
        if officer_id is None and squad_id is None:  # to whom the finding names (letters: its squad)
            to_officer = finding.officer_id is not None and kind not in SQUAD_ONLY_KINDS
            officer_id, squad_id = (finding.officer_id, None) if to_officer else (None, finding.squad_id)
    if kind in SQUAD_ONLY_KINDS and officer_id is not None:
        raise Invalid(f"{NOTICE_NAMES[kind]}只能发给中队", code="letter_to_squad_only",
                      errors={"officer_id": ["决定书、建议书的对象须为中队。"]})
    squad, officer = _target(actor, officer_id, squad_id)
    if finding is not None and finding.squad_id != squad.id:
        raise Invalid("通知对象与督察记录的中队不一致", code="finding_target_mismatch",
                      errors={"finding_id": ["与通知对象不一致。"]})
    if rectify_by < local_day(now):
        raise Invalid("整改期限不能早于今天", code="rectify_by_in_past", errors={"rectify_by": ["不能早于今天。"]})
    problem = _text(problem, "problem", "存在问题", 2000)
    requirement = _text(requirement, "requirement", "整改要求", 2000)
    year = local_day(now).year
    seq = next_seq(actor.district_id, kind, year)
    notice = Notice(district_id=actor.district_id, kind=kind, year=year, seq=seq,
                    number=notice_number(actor.district, kind, year, seq), squad=squad, officer=officer,
                    finding=finding, issued_by=actor, issued_at=now, problem=problem, requirement=requirement,
                    rectify_by=rectify_by, due_at=_due_at(rectify_by), status=NoticeStatus.issued)
    session.add(notice)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"文书编号 {notice.number} 已被使用", code="notice_number_taken") from None
    whom = officer.name if officer else squad.name
    _notify(recipients(notice), title=f"{NOTICE_NAMES[kind]}：{notice.number}", object_id=notice.id,
            url_setting="SUPERVISION_NOTICE_URL",
            description=f"{whom}\n{problem[:80]}\n请于 {rectify_by:%Y年%m月%d日} 前整改并回复。")
    return notice


def _may_answer(actor: Officer, notice: Notice) -> bool:
    if actor.role == Role.squad_leader and actor.squad_id == notice.squad_id:
        return True
    return notice.officer_id is not None and actor.id == notice.officer_id


def answer_notice(actor: Officer, notice_id: int, *, content: str, evidence_ids: Iterable[int] = (),
                  now: datetime | None = None) -> Rectification:
    """The recipient reports the rectification; the issuing supervisor is told."""
    now = now or utcnow()
    notice = queries.get_notice(notice_id, actor, for_update=True)
    if not _may_answer(actor, notice):
        raise Forbidden("只有被通知的队员或其中队长可以回复整改", code="not_recipient")
    if notice.status == NoticeStatus.accepted:
        raise Conflict("该通知已验收，不能再提交整改", code="notice_already_accepted")
    if notice.status == NoticeStatus.answered:
        raise Conflict("已提交整改，正在等待验收", code="rectification_pending")
    evidence = [RectificationEvidence(evidence_id=i) for i in _evidence_links(actor, evidence_ids)]
    rectification = Rectification(notice=notice, submitted_by=actor, submitted_at=now,
                                  content=_text(content, "content", "整改情况", 2000), evidence=evidence)
    session.add(rectification)
    notice.status = NoticeStatus.answered
    session.flush()
    _notify([notice.issued_by], title=f"整改回复待验收：{notice.number}", object_id=notice.id,
            url_setting="SUPERVISION_NOTICE_URL",
            description=f"{actor.name} 已回复整改情况：\n{rectification.content[:80]}")
    return rectification


def review_rectification(actor: Officer, notice_id: int, *, accept: bool, comment: str | None = None,
                         rectify_by: date | None = None, now: datetime | None = None) -> Notice:
    """The supervisor accepts the rectification (closing the notice) or returns it, optionally with a new deadline."""
    _require_supervisor(actor)
    now = now or utcnow()
    notice = queries.get_notice(notice_id, actor, for_update=True)
    if notice.status != NoticeStatus.answered:
        raise Conflict(f"该通知当前状态为「{NOTICE_STATUS_NAMES[notice.status]}」，没有待验收的整改",
                       code="nothing_to_review")
    comment = (comment or "").strip() or None
    if not accept and comment is None:
        raise Invalid("退回整改时请说明理由", code="comment_required", errors={"comment": ["退回时必填。"]})
    if rectify_by is not None and (accept or rectify_by < local_day(now)):
        raise Invalid("只有退回整改时可以另定不早于今天的整改期限", code="rectify_by_invalid",
                      errors={"rectify_by": ["退回时可填，且不能早于今天。"]})
    latest = notice.rectifications[-1]
    latest.outcome = "accepted" if accept else "returned"
    latest.reviewed_by_id, latest.reviewed_at, latest.review_comment = actor.id, now, comment
    if accept:
        notice.status, notice.accepted_at = NoticeStatus.accepted, now
    else:
        notice.status = NoticeStatus.returned
        if rectify_by is not None:
            notice.rectify_by, notice.due_at, notice.overdue_warned_at = rectify_by, _due_at(rectify_by), None
    session.flush()
    outcome = "已验收通过" if accept else f"被退回，请于 {notice.rectify_by:%Y年%m月%d日} 前重新整改"
    _notify(recipients(notice), title=f"整改{'验收通过' if accept else '被退回'}：{notice.number}",
            object_id=notice.id, url_setting="SUPERVISION_NOTICE_URL",
            description=f"{NOTICE_NAMES[notice.kind]}的整改{outcome}。" + (f"\n意见：{comment}" if comment else ""))
    return notice
