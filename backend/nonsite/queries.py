"""What reviewers read: cameras, alerts with their evidence, and the platform's precision per camera and kind."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select

from backend.db import LOCAL_TZ, session
from backend.evidence.models import CustodyEntry, Evidence, Subject
from backend.nonsite.models import (
    CHANNEL_NAMES,
    DOCUMENT_NAMES,
    ENDING_NAMES,
    VERIFICATION_NAMES,
    Alert,
    Camera,
    Decision,
    FalsePositive,
    NonsiteCase,
    Party,
    StepKind,
    Vehicle,
)
from backend.org.models import Officer
from backend.org.scope import scoped, visible


def camera_accounts() -> Select:
    """The system officers holding the cameras' evidence chains (`Domain.system_accounts`)."""
    return select(Camera.officer_id)


def cameras(actor: Officer) -> Select:
    return scoped(Camera, actor).order_by(Camera.code)


def parties(actor: Officer, *, plate: str | None = None) -> Select:
    stmt = scoped(Party, actor)
    if plate is not None:
        stmt = stmt.where(Party.id.in_(select(Vehicle.party_id).where(Vehicle.plate == plate)))
    return stmt.order_by(Party.name, Party.id)


def alerts(actor: Officer, *, decision: Decision | None = None, undecided: bool = False,
           camera_id: int | None = None) -> Select:
    """The events (a burst counts once), newest first."""
    stmt = scoped(Alert, actor).where(Alert.burst_of.is_(None))
    if decision is not None:
        stmt = stmt.where(Alert.decision == decision)
    if undecided:
        stmt = stmt.where(Alert.decision.is_(None))
    if camera_id is not None:
        stmt = stmt.where(Alert.camera_id == camera_id)
    return stmt.order_by(Alert.occurred_at.desc(), Alert.id.desc())


def evidence_of(alert: Alert) -> list[Evidence]:
    """Every image of the event: of the alert and of the alerts of its burst, in the camera's chain order."""
    return list(session.scalars(select(Evidence).where(
        Evidence.subject_type == Subject.alert, Evidence.subject_ref == str(alert.burst_of or alert.id))
        .order_by(Evidence.seq)))


def statement_evidence(case: NonsiteCase) -> list[Evidence]:
    """The attachments of the party's statement, in the camera's chain order."""
    return list(session.scalars(select(Evidence).where(
        Evidence.subject_type == Subject.statement, Evidence.subject_ref == str(case.id)).order_by(Evidence.seq)))


def custody_of(evidence: Evidence) -> list[CustodyEntry]:
    """Every access to a piece of evidence, in its custody chain's order."""
    return list(session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence.id)
                                .order_by(CustodyEntry.seq)))


def burst_size(alert: Alert) -> int:
    return 1 + session.scalar(select(func.count()).where(Alert.burst_of == alert.id))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def precision(actor: Officer, *, since: date | None = None, until: date | None = None) -> list[dict]:
    """Per camera and kind, of the events judged: confirmed, dismissed (and why), precision = confirmed / judged."""
    judged = (select(Alert.camera_id, Camera.code, Alert.kind, Alert.decision, Alert.false_positive,
                     func.count().label("n"))
              .join(Camera, Camera.id == Alert.camera_id)
              .where(visible(Alert, actor), Alert.burst_of.is_(None), Alert.decision.is_not(None))
              .group_by(Alert.camera_id, Camera.code, Alert.kind, Alert.decision, Alert.false_positive))
    if since is not None:
        judged = judged.where(Alert.occurred_at >= _start(since))
    if until is not None:
        judged = judged.where(Alert.occurred_at < _start(until + timedelta(days=1)))
    rows: dict[tuple, dict] = {}
    for camera_id, code, kind, decision, false_positive, n in session.execute(judged):
        row = rows.setdefault((code, kind), {"camera_id": camera_id, "camera_code": code, "kind": kind,
                                             "confirmed": 0, "dismissed": 0,
                                             "false_positives": {fp.value: 0 for fp in FalsePositive}})
        if decision == Decision.confirmed:
            row["confirmed"] += n
        else:
            row["dismissed"] += n
            row["false_positives"][false_positive.value] += n
    for row in rows.values():
        row["precision"] = round(row["confirmed"] / (row["confirmed"] + row["dismissed"]), 4)
    return [rows[key] for key in sorted(rows)]


def timeline(case: NonsiteCase) -> list[dict]:
    """The case's steps in the order they happened: what, when, by whom (an officer's id), and a note."""
    alert = case.alert
    steps = [("alert", "摄像头告警", alert.occurred_at, None, f"{alert.kind}，{alert.place}"),
             ("registered" if case.verification is None else "confirmed",
              "确认告警并立案" if case.verification is None else "确认告警，派现场核实", case.opened_at,
              case.opened_by, alert.reason)]
    if case.verified_at is not None:
        steps.append(("verification", VERIFICATION_NAMES[case.verification], case.verified_at, None,
                      case.verification_note))
        if case.registered_at is not None:
            steps.append(("registered", "立案（现场核实属实）", case.registered_at, None, None))
    steps += _history(case)
    for document in case.documents:
        name = f"{DOCUMENT_NAMES[document.kind]} {document.number}"
        steps.append(("issued", f"签发{name}", document.created_at, None, None))
        if document.posted_at is not None:
            steps.append(("posted", f"邮寄{name}", document.posted_at, document.posted_by, document.tracking_number))
        if document.delivered_at is not None:
            steps.append(("delivered", f"送达{name}（{CHANNEL_NAMES[document.channel]}）", document.delivered_at,
                          None, None))
        if document.signed_at is not None:
            steps.append(("signed", f"当事人签收{name}", document.signed_at, None, None))
        if document.refused_at is not None:
            steps.append(("refused", f"当事人拒绝签收{name}", document.refused_at, None, None))
    if case.statement_at is not None:
        steps.append(("statement", "当事人陈述申辩", case.statement_at, None, case.statement_text))
    if case.paid_at is not None:
        steps.append(("paid", f"缴款 {case.paid_amount} 元", case.paid_at, None, None))
    if case.closed_at is not None:
        steps.append(("closed", "结案", case.closed_at, None, None))
    return [{"step": step, "name": name, "at": at, "officer_id": officer_id, "note": note}
            for step, name, at, officer_id, note in sorted(steps, key=lambda s: s[2])]  # stable: ties keep order


def _history(case: NonsiteCase) -> list[tuple]:
    """Every submission and review, approval and return, of the case and of its 不予立案/撤案, in order."""
    rows = []
    for row in case.steps:
        if row.step == StepKind.submitted:
            name = "提交法制审核"
        elif row.step == StepKind.reviewed:
            name = "法制审核通过" if row.approved else "法制审核退回"
        elif row.step == StepKind.ending_proposed:
            name = f"提出{ENDING_NAMES.get(row.ending, '终结')}"
        else:
            name = f"{ENDING_NAMES.get(row.ending, '终结')}{'获批准' if row.approved else '未获批准，退回'}"
        rows.append((row.step.value, name, row.at, row.officer_id, row.note))
    return rows
