"""The grade rules (评级规则): events about an object move its risk grade, with the reason in its history.

What counts, since the object's last grade change and within the rule's window (`window_days`):
- failed_inspection / clean_inspection: its inspections recorded as failed / passed;
- case: cases opened from its failed inspections, and non-site enforcement cases about the object (the case's
  object, found from the alert's credit code, shop sign or place: `backend/nonsite/shops.py`);
- complaint / work_order: residents' complaints and work orders placed within `radius_m` of it.
The score is the sum of each count times its weight: at or above `raise_at` the grade rises one step, at or
below `lower_at` it falls one; with no incident (an event of positive weight) for `quiet_days` since the last
change it falls one. The weights and bounds are versioned data (a district's version from a day on), over the
example default of INSPECTIONS_GRADE_SCORING. Applied by the daily job and when an inspection result is recorded.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from backend.community.models import Complaint
from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Invalid
from backend.geo import LatLng, distance_m
from backend.inspections.grades import DISTRICT_RULE, EXAMPLE_DEFAULT, ORDER, record_change, stepped
from backend.inspections.models import (
    Grade,
    GradeChange,
    Inspection,
    InspectionCase,
    InspectionStatus,
    RegulatedObject,
    ScoringRule,
)
from backend.nonsite.models import CaseState as NonsiteCaseState
from backend.nonsite.models import NonsiteCase
from backend.orders.models import WorkOrder
from backend.org.models import District, Officer, Squad
from backend.org.roles import DISTRICT_ADMINS, require

EVENTS = {"failed_inspection": "检查不合格", "clean_inspection": "检查合格", "case": "立案",
          "complaint": "投诉", "work_order": "工单"}
BOUNDS = ("raise_at", "lower_at", "window_days", "quiet_days", "radius_m")
TERMS = (*EVENTS, *BOUNDS)


@dataclass(frozen=True)
class Scoring:
    terms: dict[str, int]
    source: str  # EXAMPLE_DEFAULT or DISTRICT_RULE
    effective_from: date | None

    @property
    def version(self) -> str:
        return "示例默认" if self.effective_from is None else f"{self.effective_from} 版"


def scoring(district_id: int, on: date) -> Scoring:
    """The grade rules in force on `on`: the district's latest version from then, or the example default."""
    rule = session.scalars(select(ScoringRule).where(ScoringRule.district_id == district_id,
                                                     ScoringRule.effective_from <= on)
                           .order_by(ScoringRule.effective_from.desc()).limit(1)).first()
    if rule is not None:
        return Scoring(rule.terms, DISTRICT_RULE, rule.effective_from)
    pairs = (part.split(":") for part in settings().INSPECTIONS_GRADE_SCORING.split(","))
    return Scoring({name.strip(): int(value) for name, value in pairs}, EXAMPLE_DEFAULT, None)


def add_scoring(actor: Officer, *, terms: dict[str, int], effective_from: date) -> Scoring:
    """A new version of the grade rules; versions in force are never rewritten."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设置评级规则")
    if effective_from < local_day():
        raise Invalid("新的评级规则只能从今天或以后生效", code="rule_in_past")
    if terms["lower_at"] >= terms["raise_at"]:
        raise Invalid("降级分数线应低于升级分数线", code="bad_bounds")
    if terms["quiet_days"] > terms["window_days"]:
        raise Invalid("无违法违规记录的天数不能超过统计的天数", code="bad_bounds")
    if session.scalar(select(ScoringRule.id).where(ScoringRule.district_id == actor.district_id,
                                                   ScoringRule.effective_from == effective_from)):
        raise Conflict(f"评级规则在 {effective_from} 已有一个版本", code="rule_exists")
    session.add(ScoringRule(district_id=actor.district_id, terms={name: terms[name] for name in TERMS},
                            effective_from=effective_from, created_by_id=actor.id))
    session.flush()
    return scoring(actor.district_id, effective_from)


def assess(grade: Grade, counts: dict[str, int], rules: Scoring, *, since: date, today: date) -> tuple[Grade, str]:
    """The grade the counts since `since` (the last change, or the window's start) lead to, and why ("" when the
    grade stays). Pure: the known-answer tests call it directly."""
    terms = rules.terms
    counted = [(name, counts[name]) for name in EVENTS if counts.get(name)]
    score = sum(terms[name] * count for name, count in counted)
    said = "、".join(f"{EVENTS[name]} {count} 次（{terms[name] * count:+d} 分）" for name, count in counted)
    prefix = f"按评级规则（{rules.version}）：{since} 起"
    if score >= terms["raise_at"] and grade != Grade.high:
        return stepped(grade, 1), f"{prefix}{said}，计 {score} 分，达到升级线 {terms['raise_at']} 分"
    if score <= terms["lower_at"] and grade != Grade.low:
        return stepped(grade, -1), f"{prefix}{said}，计 {score} 分，达到降级线 {terms['lower_at']} 分"
    incidents = any(terms[name] > 0 for name, _count in counted)
    if not incidents and grade != Grade.low and (today - since).days >= terms["quiet_days"]:
        return stepped(grade, -1), f"{prefix}连续 {terms['quiet_days']} 天无违法违规记录，降低一级"
    return grade, ""


def _near(points: list[tuple[int, float, float]], events: list[tuple[datetime, float, float]], radius: float,
          kind: str, into: dict) -> None:
    """Each event to every object within `radius` metres (a grid of cells the radius wide, then the exact test)."""
    cell = max(radius, 1) / 111_000  # degrees of latitude; longitude cells are narrower, hence the ±1 below
    grid = defaultdict(list)
    for object_id, lat, lng in points:
        grid[(math.floor(lat / cell), math.floor(lng / cell))].append((object_id, lat, lng))
    for at, lat, lng in events:
        row, col = math.floor(lat / cell), math.floor(lng / cell)
        span = math.ceil(1 / max(math.cos(math.radians(lat)), 0.1))
        for d_row in (-1, 0, 1):
            for d_col in range(-span, span + 1):
                for object_id, o_lat, o_lng in grid.get((row + d_row, col + d_col), ()):
                    if distance_m(LatLng(lat, lng), LatLng(o_lat, o_lng)) <= radius:
                        into[object_id].append((kind, at))


def _events(district_id: int, which, objects: list[RegulatedObject], start: datetime, radius: int) -> dict:
    """object id -> [(kind, when)] of the events since `start` about the objects (`which`: their SQL condition)."""
    found = defaultdict(list)
    squads = select(Squad.id).where(Squad.district_id == district_id)
    for object_id, passed, at in session.execute(
            select(Inspection.object_id, Inspection.passed, Inspection.done_at)
            .join(RegulatedObject, Inspection.object_id == RegulatedObject.id)
            .where(which, Inspection.status == InspectionStatus.done, Inspection.done_at >= start)):
        found[object_id].append(("clean_inspection" if passed else "failed_inspection", at))
    for object_id, at in session.execute(
            select(InspectionCase.object_id, InspectionCase.opened_at)
            .join(RegulatedObject, InspectionCase.object_id == RegulatedObject.id)
            .where(which, InspectionCase.opened_at >= start)):
        found[object_id].append(("case", at))
    for object_id, at in session.execute(
            select(RegulatedObject.id, NonsiteCase.registered_at).select_from(NonsiteCase)
            .join(RegulatedObject, NonsiteCase.object_id == RegulatedObject.id)
            .where(which, NonsiteCase.squad_id.in_(squads), NonsiteCase.registered_at >= start,
                   NonsiteCase.state.not_in([NonsiteCaseState.withdrawn, NonsiteCaseState.dropped,
                                             NonsiteCaseState.revoked]))):  # 立案, not withdrawn nor dropped since
        found[object_id].append(("case", at))
    placed = [(item.id, item.lat, item.lng) for item in objects if item.lat is not None]
    if placed:
        _near(placed, list(session.execute(select(Complaint.submitted_at, Complaint.lat, Complaint.lng).where(
            Complaint.squad_id.in_(squads), Complaint.lat.is_not(None), Complaint.submitted_at >= start))),
            radius, "complaint", found)
        _near(placed, list(session.execute(select(WorkOrder.received_at, WorkOrder.lat, WorkOrder.lng).where(
            WorkOrder.squad_id.in_(squads), WorkOrder.lat.is_not(None), WorkOrder.received_at >= start))),
            radius, "work_order", found)
    return found


def regrade(district_id: int, object_ids: list[int] | None = None, now: datetime | None = None) -> list[GradeChange]:
    """Apply the grade rules in force today to the district's objects (or these ones): the changes made."""
    now = now or utcnow()
    today = local_day(now)
    rules = scoring(district_id, today)
    start = now - timedelta(days=rules.terms["window_days"])
    which = RegulatedObject.district_id == district_id
    if object_ids is not None:
        which = which & RegulatedObject.id.in_(object_ids)
    objects = list(session.scalars(select(RegulatedObject).where(which).order_by(RegulatedObject.id)))
    last = dict(session.execute(select(GradeChange.object_id, func.max(GradeChange.changed_at))
                                .join(RegulatedObject, GradeChange.object_id == RegulatedObject.id)
                                .where(which).group_by(GradeChange.object_id)).all())
    events = _events(district_id, which, objects, start, rules.terms["radius_m"])
    changes = []
    for item in objects:
        since = max(start, last[item.id]) if item.id in last else start
        counts = defaultdict(int)
        for kind, at in events.get(item.id, ()):
            if at > since:
                counts[kind] += 1
        grade, reason = assess(item.grade, counts, rules, since=local_day(since), today=today)
        if grade != item.grade:
            changes.append(record_change(item, grade, reason, None))
    return changes


def regrade_all() -> dict:
    """The daily job: every district's objects under its grade rules."""
    changes = [change for district_id in session.scalars(select(District.id).order_by(District.id))
               for change in regrade(district_id)]
    return {"changed": len(changes), "raised": sum(ORDER.index(c.grade_to) > ORDER.index(c.grade_from)
                                                   for c in changes)}
