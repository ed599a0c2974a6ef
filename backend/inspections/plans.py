"""Inspection plans and 双随机 draws (random objects, random inspectors), reproducible from a recorded seed.

How a plan becomes inspections. An object in the plan's scope whose grade is inspected once every m months
is due months/m times in a plan of `months` months: the whole part for every such object, and the
fraction as a random draw of round(fraction × objects of that grade) of them (a quarter plan with low risk
inspected yearly: a quarter of the low-risk objects, drawn). Each inspection gets two inspectors drawn from
the inspector registry (执法检查人员名录库: the district's active officers whose entry is valid over the whole
plan, from any squad), never one excluded for a conflict of interest with the object, nor one who has already
met the object `max_meetings` times (INSPECTIONS_MAX_MEETINGS, counting the other draws of the year before the
plan, recorded as `meetings`, and this draw's earlier picks, in the order below).

The algorithm, so that anyone can re-run it from the published seed and inputs (`inputs["algorithm"]`, 2 since
issue 19's benchmark; draws recorded without it are version 1). H(text) is SHA-256 of the UTF-8 text
"<seed>:<text>" in hexadecimal.
- Objects (both versions): rank the objects of a grade by H("object:<grade>:<object id>"), lowest first, and take
  the first ones needed. Objects are taken by grade (alphabetical), then by id.
- Inspectors, version 2: for the n-th inspection of an object (n from 1), for k = 0, 1, 2 …: the candidate is
  inspectors[int(first 16 hex digits of H("inspector:<object id>:<n>:<k>"), 16) mod len(inspectors)] (the
  recorded list, in its order); take it unless already taken for this inspection, excluded for the object or at
  the meeting limit with it; stop at two. (Two hashes an inspection, whatever the size of the registry.)
- Inspectors, version 1: rank the eligible inspectors by H("inspector:<object id>:<n>:<officer id>") and take
  the first two.
In both, an inspector's meetings count as they are drawn; with fewer than two eligible, nothing is drawn.

What a draw records (its `inputs`): algorithm, months, interval_months, max_meetings, meetings [[officer id, object
id, count]], inspectors, exclusions [[officer id, object id]] and the candidate objects: since issue 19's compact
recording `object_ids` {grade: ids in ascending order, written as differences — the first id, then each id minus
the one before}; earlier draws recorded `objects` [[object id, grade, squad id]]. With it, `inputs_sha256`: SHA-256
of the canonical JSON of the inputs (keys sorted, no spaces, UTF-8), which is the file
GET /api/inspections/draws/{id}/inputs answers. On PostgreSQL the objects drawn of a grade are ranked in the
database by the same H (`_lucky_in_sql`); the verification re-runs everything in Python.

When each is due (not part of the draw: it follows from it). An object's k inspections in a plan of m months are
spread evenly: the n-th is due by the end of month ceil(n·m/k) of the plan (three in a quarter: by the end of each
month; one in a quarter: by the plan's last day). A re-inspection is due on its rectification deadline.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import secrets
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import String, cast, func, literal, select, type_coerce, update

from backend.config import settings
from backend.db import insert_rows, session, utcnow
from backend.errors import Conflict, Invalid
from backend.inspections.grades import intervals
from backend.inspections.models import (
    Assignment,
    Draw,
    Exclusion,
    Grade,
    Inspection,
    InspectionStatus,
    InspectorEntry,
    Plan,
    RegulatedObject,
)
from backend.inspections.queries import inspections, start_of
from backend.org.models import Officer, Squad
from backend.org.queries import person
from backend.org.roles import DISTRICT_ADMINS, require
from backend.org.scope import get_visible
from backend.periods import shift

INSPECTORS_PER_INSPECTION = 2
MEETING_WINDOW_DAYS = 365  # INSPECTIONS_MAX_MEETINGS counts the draws of the year before the plan
MAX_PLAN_MONTHS = 12


def create_plan(actor: Officer, *, name: str, first_month: date, months: int, kind_ids: list[int],
                squad_ids: list[int], grades: list[Grade]) -> Plan:
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以制定检查计划")
    if first_month.day != 1:
        raise Invalid("计划应从某月 1 日开始", code="plan_not_month_start")
    if not 1 <= months <= MAX_PLAN_MONTHS:
        raise Invalid(f"计划期限应为 1 至 {MAX_PLAN_MONTHS} 个月", code="bad_plan_months")
    known = set(session.scalars(select(Squad.id).where(Squad.district_id == actor.district_id)))
    if not set(squad_ids) <= known:
        raise Invalid("计划范围中有不属于本区的中队", code="unknown_squad")
    plan = Plan(district_id=actor.district_id, name=name.strip(), first_month=first_month, months=months,
                kind_ids=sorted(set(kind_ids)), squad_ids=sorted(set(squad_ids)),
                grades=sorted({grade.value for grade in grades}), created_by_id=actor.id)
    session.add(plan)
    session.flush()
    return plan


def add_exclusion(actor: Officer, *, officer_id: int, object_id: int, reason: str) -> Exclusion:
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以登记回避关系")
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    officer = person(actor, officer_id)
    if session.scalar(select(Exclusion.id).where(Exclusion.officer_id == officer.id,
                                                 Exclusion.object_id == item.id)):
        raise Conflict("该回避关系已登记", code="exclusion_exists")
    exclusion = Exclusion(district_id=actor.district_id, officer_id=officer.id, object_id=item.id,
                          reason=reason.strip(), created_by_id=actor.id)
    session.add(exclusion)
    session.flush()
    return exclusion


def _hasher(seed: str):
    """H (see the module's docstring) as bytes, the seed's prefix hashed once: digests order as their hex texts do,
    and the first 8 bytes as a big-endian integer are the first 16 hex digits."""
    prefix = hashlib.sha256(f"{seed}:".encode())

    def digest(what: str) -> bytes:
        h = prefix.copy()
        h.update(what.encode())
        return h.digest()

    digest.seed = seed.encode()
    return digest


ALGORITHM = 2  # recorded with each new draw (see the module's docstring)
NOBODY: frozenset[int] = frozenset()


def candidates(inputs: dict) -> dict[str, list[int]]:
    """The recorded candidate objects by grade, each list ascending (compact `object_ids` or older `objects`)."""
    if "object_ids" in inputs:
        return {grade: list(itertools.accumulate(steps)) for grade, steps in inputs["object_ids"].items()}
    by_grade: dict[str, list[int]] = {}
    for object_id, grade, _squad_id in inputs["objects"]:
        by_grade.setdefault(grade, []).append(object_id)
    return {grade: sorted(ids) for grade, ids in by_grade.items()}


def extras(inputs: dict, by_grade: dict[str, list[int]]) -> dict[str, tuple[int, int]]:
    """grade -> (inspections every object of it gets, how many of them get one more, drawn)."""
    out = {}
    for grade, object_ids in by_grade.items():
        whole, fraction = divmod(inputs["months"] / inputs["interval_months"][grade], 1)
        out[grade] = int(whole), round(fraction * len(object_ids))
    return out


def lucky_in_python(seed: str, inputs: dict) -> dict[str, set[int]]:
    """The objects of each grade drawn for one more inspection: the first by H("object:<grade>:<id>")."""
    digest, by_grade = _hasher(seed), candidates(inputs)
    return {grade: set(sorted(by_grade[grade], key=lambda oid, g=grade: digest(f"object:{g}:{oid}"))[:extra])
            for grade, (_whole, extra) in extras(inputs, by_grade).items() if extra}


def run(seed: str, inputs: dict, lucky: dict[str, set[int]] | None = None) -> list[dict]:
    """The draw's inspections from its seed and recorded inputs: [{object_id, n, inspector_ids}] — pure, so that
    the same seed and inputs always give the same result. `lucky` (the objects drawn, see `_lucky_in_sql`) may be
    given when computed elsewhere by the same rule; without it they are ranked here."""
    by_grade = candidates(inputs)
    counts = extras(inputs, by_grade)
    if lucky is None:
        lucky = lucky_in_python(seed, inputs)
    blocked: dict[int, set[int]] = {}  # object -> inspectors excluded for it
    for officer_id, object_id in inputs["exclusions"]:
        blocked.setdefault(object_id, set()).add(officer_id)
    limit = inputs.get("max_meetings")  # draws before the limit existed recorded none
    before: dict[int, dict[int, int]] = {}  # object -> {inspector: meetings before this draw}
    full: dict[int, set[int]] = {}  # object -> inspectors at the limit with it before this draw
    for officer_id, object_id, count in inputs.get("meetings", ()):
        before.setdefault(object_id, {})[officer_id] = count
        if limit is not None and count >= limit:
            full.setdefault(object_id, set()).add(officer_id)
    version = inputs.get("algorithm", 1)
    pick = _pick_v2 if version == 2 else _pick_v1
    digest = _hasher(seed)
    inspectors, registered = inputs["inspectors"], frozenset(inputs["inspectors"])
    size, few = len(inspectors), len(inspectors) < INSPECTORS_PER_INSPECTION
    sha256, from_bytes, prefix = hashlib.sha256, int.from_bytes, digest.seed + b":inspector:"
    result = []
    append = result.append
    # An object's meetings matter only to its own later inspections, which follow one another below.
    for grade, object_ids in sorted(by_grade.items()):
        whole, _extra = counts[grade]
        chosen_ones = lucky.get(grade, ())
        for object_id in object_ids:
            times = whole + (object_id in chosen_ones)
            if not times:
                continue
            out = blocked.get(object_id, NOBODY)
            if object_id in full:
                out = out | full[object_id]
            met = dict(before.get(object_id, ())) if limit is not None and times > 1 else None
            for n in range(1, times + 1):
                if few or out and size - len(out & registered) < INSPECTORS_PER_INSPECTION:
                    raise Invalid(f"检查对象（编号 {object_id}）可抽取的检查人员不足 {INSPECTORS_PER_INSPECTION} 人"
                                  "（名录库人员过少、均需回避或已达检查同一对象的次数上限），未抽取",
                                  code="too_few_inspectors")
                chosen = None
                if version == 2:  # the usual case of version 2 at once: k = 0 and 1 give two eligible
                    text = prefix + b"%d:%d:" % (object_id, n)
                    first = inspectors[from_bytes(sha256(text + b"0").digest()[:8], "big") % size]
                    second = inspectors[from_bytes(sha256(text + b"1").digest()[:8], "big") % size]
                    if first != second and first not in out and second not in out:
                        chosen = [first, second]
                if chosen is None:
                    chosen = pick(digest, inspectors, out, object_id, n)
                if limit is not None and n < times:
                    for officer_id in chosen:
                        met[officer_id] = met.get(officer_id, 0) + 1
                        if met[officer_id] >= limit:
                            out = out | {officer_id}
                append({"object_id": object_id, "n": n, "inspector_ids": chosen})
    return result


def _pick_v1(digest, inspectors: list[int], out: set[int], object_id: int, n: int) -> list[int]:
    pool = [o for o in inspectors if o not in out]
    return sorted(pool, key=lambda oid: digest(f"inspector:{object_id}:{n}:{oid}"))[:INSPECTORS_PER_INSPECTION]


def _pick_v2(digest, inspectors: list[int], out: set[int], object_id: int, n: int) -> list[int]:
    chosen: list[int] = []
    k, size = 0, len(inspectors)
    seed, sha256, from_bytes = digest.seed, hashlib.sha256, int.from_bytes
    while len(chosen) < INSPECTORS_PER_INSPECTION:  # ends: at least two are eligible (checked by the caller)
        h = sha256(b"%s:inspector:%d:%d:%d" % (seed, object_id, n, k)).digest()
        candidate = inspectors[from_bytes(h[:8], "big") % size]
        if candidate not in out and candidate not in chosen:
            chosen.append(candidate)
        k += 1
    return chosen


def canonical(inputs: dict) -> bytes:
    """The inputs as the file anyone downloads and hashes (`inputs_sha256`)."""
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def tally(inputs: dict, inspections: int | None = None) -> dict:
    """What a draw's detail shows of its inputs: how many of each."""
    return {"objects": {grade: len(ids) for grade, ids in sorted(candidates(inputs).items())},
            "inspectors": len(inputs["inspectors"]), "exclusions": len(inputs["exclusions"]),
            "meetings": len(inputs.get("meetings", ())), "inspections": inspections}


def _scope(plan: Plan, *columns):
    query = select(*columns).where(RegulatedObject.district_id == plan.district_id)
    if plan.kind_ids:
        query = query.where(RegulatedObject.kind_id.in_(plan.kind_ids))
    if plan.squad_ids:
        query = query.where(RegulatedObject.squad_id.in_(plan.squad_ids))
    if plan.grades:
        query = query.where(RegulatedObject.grade.in_([Grade(grade) for grade in plan.grades]))
    return query


def _lucky_in_sql(plan: Plan, seed: str, inputs: dict) -> dict[str, set[int]] | None:
    """On PostgreSQL: the objects drawn for one more inspection, ranked in the database by the same H
    (sha256 of the UTF-8 text, compared as bytes = as hex); None elsewhere (ranked in Python by `run`)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    out = {}
    for grade, (_whole, extra) in extras(inputs, candidates(inputs)).items():
        if extra:
            key = func.sha256(func.convert_to(literal(f"{seed}:object:{grade}:", String)
                                              + cast(RegulatedObject.id, String), "UTF8"))
            query = _scope(plan, RegulatedObject.id).where(RegulatedObject.grade == Grade(grade))
            out[grade] = set(session.scalars(query.order_by(key).limit(extra)))
    return out


def _inputs(plan: Plan) -> tuple[dict, dict[int, int]]:
    """Everything the draw depends on, as recorded with it (compact), and each candidate object's squad."""
    grade = type_coerce(RegulatedObject.grade, String)  # the stored word, without an enum made for each row
    objects = _scope(plan, RegulatedObject.id, grade, RegulatedObject.squad_id).order_by(RegulatedObject.id)
    last_day = shift("month", plan.first_month, plan.months) - timedelta(days=1)
    inspectors = (select(Officer.id).join(InspectorEntry, InspectorEntry.officer_id == Officer.id)
                  .where(InspectorEntry.district_id == plan.district_id, Officer.active.is_(True),
                         InspectorEntry.valid_from <= plan.first_month, InspectorEntry.valid_until >= last_day)
                  .order_by(Officer.id))
    squads: dict[int, int] = {}
    steps: dict[str, list[int]] = {}
    last: dict[str, int] = {}
    for object_id, word, squad_id in _raw_rows(objects):
        squads[object_id] = squad_id
        steps.setdefault(word, []).append(object_id - last.get(word, 0))
        last[word] = object_id
    exclusions = session.execute(select(Exclusion.officer_id, Exclusion.object_id).where(
        Exclusion.district_id == plan.district_id).order_by(Exclusion.officer_id, Exclusion.object_id))
    since = plan.first_month - timedelta(days=MEETING_WINDOW_DAYS)
    met = (select(Assignment.officer_id, Inspection.object_id, func.count())
           .join(Inspection, Assignment.inspection_id == Inspection.id)
           .join(Draw, Inspection.draw_id == Draw.id)
           .where(Draw.plan_id != plan.id, Draw.district_id == plan.district_id,
                  Inspection.status != InspectionStatus.cancelled, Draw.drawn_at >= start_of(since))
           .group_by(Assignment.officer_id, Inspection.object_id)
           .order_by(Assignment.officer_id, Inspection.object_id))
    inputs = {"algorithm": ALGORITHM, "months": plan.months, "max_meetings": settings().INSPECTIONS_MAX_MEETINGS,
              "meetings": [list(row) for row in session.execute(met)],
              "interval_months": {grade.value: rule.interval_months
                                  for grade, rule in intervals(plan.district_id, plan.first_month).items()},
              "object_ids": dict(sorted(steps.items())), "inspectors": list(session.scalars(inspectors)),
              "exclusions": [list(pair) for pair in exclusions]}
    return inputs, squads


def _raw_rows(query) -> list[tuple]:
    """A large read's plain tuples from the driver (a district's 200,000 objects: SQLAlchemy's rows cost more than
    the query). Only integers and words are bound, written into the statement by SQLAlchemy's own compiler."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def selection(plan: Plan, seed: str) -> tuple[dict, dict[int, int], list[dict]]:
    """What a draw reads and draws: its inputs, the objects' squads, the inspections."""
    inputs, squads = _inputs(plan)
    return inputs, squads, run(seed, inputs, _lucky_in_sql(plan, seed, inputs))


def current_draw(plan: Plan) -> Draw | None:
    return session.scalars(select(Draw).where(Draw.plan_id == plan.id, Draw.superseded_at.is_(None))).one_or_none()


def draw(actor: Officer, plan_id: int, *, reason: str | None) -> Draw:
    """Draw the plan's inspections; a re-draw needs a reason, keeps the old draw and cancels its inspections."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以抽取检查对象和人员")
    plan = get_visible(Plan, plan_id, actor, what="检查计划")
    _open(plan)
    before = current_draw(plan)
    reason = (reason or "").strip() or None
    if before is not None:
        if reason is None:
            raise Invalid("该计划已抽取过；重新抽取须写明理由", code="redraw_reason_required")
        if session.scalar(select(Inspection.id).where(Inspection.draw_id == before.id,
                                                      Inspection.status == InspectionStatus.done).limit(1)):
            raise Conflict("已有检查完成，不能重新抽取", code="draw_in_use")
        before.superseded_at = utcnow()
        session.execute(update(Inspection).where(Inspection.draw_id == before.id)
                        .values(status=InspectionStatus.cancelled))
    seed = secrets.token_hex(16)
    inputs, squads, drawn = selection(plan, seed)
    due = due_days(plan, drawn)
    new = Draw(district_id=plan.district_id, plan_id=plan.id, seed=seed, inputs=inputs, reason=reason,
               inputs_sha256=hashlib.sha256(canonical(inputs)).hexdigest(), tally=tally(inputs, len(drawn)),
               drawn_by_id=actor.id)
    session.add(new)
    session.flush()
    # a district's quarter is some 100,000 inspections and twice as many assignments: written by COPY on PostgreSQL
    ids = insert_rows(Inspection, [
        {"draw_id": new.id, "object_id": row["object_id"], "squad_id": squads[row["object_id"]],
         "inspector_ids": row["inspector_ids"], "status": InspectionStatus.due, "due_on": day}
        for row, day in zip(drawn, due, strict=True)], ids=True)
    insert_rows(Assignment, [{"inspection_id": inspection_id, "officer_id": officer_id}
                             for inspection_id, row in zip(ids, drawn, strict=True)
                             for officer_id in row["inspector_ids"]])
    session.expire(new, ["inspections"])
    return new


def due_days(plan: Plan, drawn: list[dict]) -> list[date]:
    """The day each drawn inspection is due (see the module's docstring), in the order drawn."""
    per_object = Counter(row["object_id"] for row in drawn)
    return [shift("month", plan.first_month, math.ceil(row["n"] * plan.months / per_object[row["object_id"]]))
            - timedelta(days=1) for row in drawn]


def reproduced(item: Draw) -> bool:
    """Whether running the draw again from its seed and inputs gives the inspections it recorded."""
    again = [(row["object_id"], row["inspector_ids"]) for row in run(item.seed, item.inputs)]
    recorded = session.execute(select(Inspection.object_id, Inspection.inspector_ids).where(
        Inspection.draw_id == item.id, Inspection.reinspection_of_id.is_(None)).order_by(Inspection.id))
    return again == [(object_id, inspector_ids) for object_id, inspector_ids in recorded]


def digest_of(item: Draw) -> str:
    """The recorded SHA-256 of the draw's inputs (draws recorded before it: computed from their inputs)."""
    return item.inputs_sha256 or hashlib.sha256(canonical(item.inputs)).hexdigest()


def tally_of(item: Draw) -> dict:
    if item.tally is not None:
        return item.tally
    count = session.scalar(select(func.count()).where(Inspection.draw_id == item.id,
                                                      Inspection.reinspection_of_id.is_(None)))
    return tally(item.inputs, count)


def inspection_counts(item: Draw, actor: Officer) -> dict[str, int]:
    """How many of the draw's inspections `actor` sees (re-inspections included), in all and by status (each status
    named): the rows of its inspection list as `actor` gets it (a squad leader: their squad's and their own)."""
    listed = inspections(actor, draw_id=item.id).order_by(None).subquery()
    by_status = dict(session.execute(select(listed.c.status, func.count()).group_by(listed.c.status)).all())
    counts = {status.value: by_status.get(status, 0) for status in InspectionStatus}
    return {"total": sum(counts.values()), **counts}


def verify(actor: Officer, draw_id: int) -> dict:
    """The re-run check, on request: the inputs still hash to the recorded SHA-256, and the seed and inputs give
    the inspections recorded."""
    item = get_visible(Draw, draw_id, actor, what="抽取记录")
    now = hashlib.sha256(canonical(item.inputs)).hexdigest()
    return {"draw_id": item.id, "inputs_sha256": digest_of(item), "inputs_sha256_now": now,
            "inputs_intact": now == digest_of(item), "reproduced": reproduced(item)}


def close_plan(actor: Officer, plan_id: int) -> Plan:
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以关闭检查计划")
    plan = get_visible(Plan, plan_id, actor, what="检查计划")
    _open(plan)
    plan.closed_at = utcnow()
    session.flush()
    return plan


def _open(plan: Plan) -> None:
    if plan.closed_at is not None:
        raise Conflict("检查计划已关闭", code="plan_closed")
