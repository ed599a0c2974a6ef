"""The non-site monthly report per squad: what the cameras sent and how it ended — counts only (no plate, no
party, no image), so the observers (the city's staff, a 街镇's leaders) read it too.

A month is the Asia/Shanghai calendar month each thing happened in:
- alerts: events (the first alert of a burst) that occurred in the month; confirmed and dismissed of those;
  precision = confirmed / (confirmed + dismissed), None when none was judged yet;
- cases: cases 立案 in the month (a kind that needs a visit: when the visit verified it);
- not_registered, withdrawn, dropped, revoked: cases ended in the month by an approved 不予立案, 撤案, 告知后不予处罚
  or 撤销处罚决定;
- delivered: documents (notices and decisions) delivered in the month, by any channel;
- paid: cases paid in the month, and the yuan paid;
- decisions: decisions issued in the month, and the mean days from their alert to the decision (one decimal).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from backend.db import session
from backend.exports import workbook
from backend.nonsite.models import Alert, CaseDocument, CaseState, Decision, DocumentKind, NonsiteCase
from backend.orders.reports import month_bounds, squads_in_scope
from backend.org.models import Officer
from backend.org.roles import NONSITE_REPORT_READERS, require

COUNTS = ("alerts", "confirmed", "dismissed", "cases", "not_registered", "withdrawn", "dropped", "revoked",
          "delivered", "paid", "paid_amount", "decisions")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def monthly(actor: Officer, month: date, squad_id: int | None = None) -> list[dict]:
    """One row per squad in `actor`'s scope (or the one asked for), for `month`."""
    require(actor, NONSITE_REPORT_READERS)
    squads = squads_in_scope(actor, squad_id)
    ids = [squad.id for squad in squads]
    start, end = month_bounds(month)
    totals = {squad.id: dict.fromkeys(COUNTS, 0) for squad in squads}
    queries = (
        select(Alert.squad_id, func.count().label("alerts"),
               _count_if(Alert.decision == Decision.confirmed).label("confirmed"),
               _count_if(Alert.decision == Decision.dismissed).label("dismissed"))
        .where(Alert.squad_id.in_(ids), Alert.burst_of.is_(None), Alert.occurred_at >= start, Alert.occurred_at < end)
        .group_by(Alert.squad_id),
        select(NonsiteCase.squad_id, func.count().label("cases"))
        .where(NonsiteCase.squad_id.in_(ids), NonsiteCase.registered_at >= start, NonsiteCase.registered_at < end)
        .group_by(NonsiteCase.squad_id),
        select(NonsiteCase.squad_id, _count_if(NonsiteCase.state == CaseState.not_registered).label("not_registered"),
               _count_if(NonsiteCase.state == CaseState.withdrawn).label("withdrawn"),
               _count_if(NonsiteCase.state == CaseState.dropped).label("dropped"),
               _count_if(NonsiteCase.state == CaseState.revoked).label("revoked"))
        .where(NonsiteCase.squad_id.in_(ids), NonsiteCase.ended_at >= start, NonsiteCase.ended_at < end)
        .group_by(NonsiteCase.squad_id),
        select(NonsiteCase.squad_id, func.count().label("delivered")).join(CaseDocument.case)
        .where(NonsiteCase.squad_id.in_(ids), CaseDocument.delivered_at >= start, CaseDocument.delivered_at < end)
        .group_by(NonsiteCase.squad_id),
        select(NonsiteCase.squad_id, func.count().label("paid"),
               func.coalesce(func.sum(NonsiteCase.paid_amount), 0).label("paid_amount"))
        .where(NonsiteCase.squad_id.in_(ids), NonsiteCase.paid_at >= start, NonsiteCase.paid_at < end)
        .group_by(NonsiteCase.squad_id),
    )
    for query in queries:
        for row in session.execute(query):
            for name, value in row._mapping.items():
                if name != "squad_id":
                    totals[row.squad_id][name] += value
    days: dict[int, list[float]] = {squad.id: [] for squad in squads}
    for squad_of, issued, occurred in session.execute(
            select(NonsiteCase.squad_id, CaseDocument.created_at, Alert.occurred_at)
            .join(CaseDocument.case).join(NonsiteCase.alert)
            .where(NonsiteCase.squad_id.in_(ids), CaseDocument.kind == DocumentKind.decision,
                   CaseDocument.created_at >= start, CaseDocument.created_at < end)):
        days[squad_of].append((issued - occurred).total_seconds() / 86400)
    rows = []
    for squad in squads:
        counts = totals[squad.id]
        counts["decisions"] = len(days[squad.id])
        judged = counts["confirmed"] + counts["dismissed"]
        rows.append({"squad_id": squad.id, "squad": squad.name, "district_id": squad.district_id, "month": month,
                     **counts,
                     "precision": round(counts["confirmed"] / judged, 4) if judged else None,
                     "days_alert_to_decision": round(sum(days[squad.id]) / len(days[squad.id]), 1)
                     if days[squad.id] else None})
    return rows


HEADER = ["中队", "月份", "告警（事件）", "确认", "排除", "准确率", "立案", "不予立案", "撤案", "告知后不予处罚",
          "撤销处罚决定", "文书送达",
          "缴款案件", "缴款金额（元）", "处罚决定", "告警至决定平均天数"]


def monthly_workbook(rows: list[dict]) -> bytes:
    """The report as an Excel workbook: one row per squad, precision as a percentage, text neutralised."""
    return workbook("非现场执法月报", HEADER, ([
        row["squad"], f"{row['month']:%Y-%m}", *(row[name] for name in (
            "alerts", "confirmed", "dismissed", "precision", "cases", "not_registered", "withdrawn", "dropped",
            "revoked", "delivered",
            "paid", "paid_amount", "decisions", "days_alert_to_decision"))] for row in rows), percent_columns=("F",))
