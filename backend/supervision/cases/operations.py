"""What changes cases: the import (all rows valid or nothing written) and the timeliness flags."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.errors import Invalid
from backend.org.models import District, Officer, Squad
from backend.org.roles import SUPERVISING_STAFF, Operator, require
from backend.spreadsheets import MAX_REPORTED_ERRORS, reported
from backend.supervision.cases.models import Case, CaseFlag, FlagKind

CHUNK = 500  # ids per IN (...) lookup
TEXT_FIELDS = {"number": 64, "squad": 64, "officer_badge_no": 32, "withdrawal_reason": 500,
               "withdrawal_approved_by": 64, "revocation_reason": 500, "revocation_approved_by": 64}
DATE_FIELDS = ("discovered_on", "registered_on", "closed_on", "withdrawn_on", "penalty_revoked_on")
REQUIRED = ("number", "squad", "officer_badge_no", "discovered_on")
# (later, earlier, message): a date that must not come before another
DATE_ORDER = (
    ("registered_on", "discovered_on", "立案日期早于发现日期"),
    ("closed_on", "registered_on", "结案日期早于立案日期"),
    ("withdrawn_on", "discovered_on", "撤案日期早于发现日期"),
    ("penalty_revoked_on", "registered_on", "撤销处罚日期早于立案日期"),
)
CASE_FIELDS = DATE_FIELDS + ("withdrawal_reason", "withdrawal_approved_by", "revocation_reason",
                             "revocation_approved_by")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    flags: dict[str, int] = field(default_factory=dict)


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def parse_date(value) -> date | None:
    """A date from a file cell or JSON value: a date, or text like 2026-11-03 / 2026/11/3 / 2026年11月3日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    text = text.replace("年", "-").replace("月", "-").replace("日", "").split(" ")[0].split("T")[0]
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _clean_row(raw: dict, today: date) -> tuple[dict, dict[str, list[str]]]:
    """One row's values, typed, and its field errors."""
    row, errors = {}, {}
    for name, limit in TEXT_FIELDS.items():
        value = raw.get(name)
        value = (str(value).strip() if value is not None else "") or None
        if value is not None and len(value) > limit:
            errors[name] = [f"长度不能超过 {limit}。"]
        row[name] = value
    for name in DATE_FIELDS:
        try:
            row[name] = parse_date(raw.get(name))
        except (ValueError, TypeError):
            errors[name] = ["应为日期，如 2026-01-31。"]
            row[name] = None
        if row[name] is not None and row[name] > today:
            errors[name] = ["不能晚于今天。"]
    for name in REQUIRED:
        if row.get(name) is None and name not in errors:
            errors[name] = ["缺少必填字段。"]
    for later, earlier, message in DATE_ORDER:
        if row[later] is not None and row[earlier] is not None and row[later] < row[earlier]:
            errors.setdefault(later, []).append(f"{message}。")
    for dependent in ("closed_on", "penalty_revoked_on"):
        if row[dependent] is not None and row["registered_on"] is None and "registered_on" not in errors:
            errors.setdefault(dependent, []).append("未立案的案件不能有此日期。")
    return row, errors


def _lookups(district_id: int, rows: list[dict]) -> tuple[dict, dict, dict]:
    """Squads by name, officers by badge number and existing cases by number, each in set-based queries."""
    squads = {s.name: s for s in session.scalars(select(Squad).where(Squad.district_id == district_id))}
    badges = sorted({row["officer_badge_no"] for row in rows if row["officer_badge_no"]})
    numbers = sorted({row["number"] for row in rows if row["number"]})
    officers, cases = {}, {}
    for chunk in _chunks(badges):
        officers.update((o.badge_no, o) for o in session.scalars(select(Officer).where(Officer.badge_no.in_(chunk))))
    for chunk in _chunks(numbers):
        cases.update((c.number, c) for c in session.scalars(select(Case).where(Case.number.in_(chunk))))
    return squads, officers, cases


def import_cases(actor: Officer | Operator, rows: Iterable[tuple[int, dict]], *,
                 now: datetime | None = None) -> ImportResult:
    """Create or update cases of the actor's district by number, by supervising staff; if any row is
    wrong, raise Invalid with every row's errors.

    `rows` are (row number as the person sees it, values by field name) pairs.
    """
    require(actor, SUPERVISING_STAFF, "只有督察人员或区局管理员可以导入案件")
    district = actor.district
    now = now or utcnow()
    today = local_day(now)
    cleaned, errors, seen = [], {}, {}
    for row_no, raw in rows:
        row, row_errors = _clean_row(raw, today)
        if row["number"]:
            if row["number"] in seen:
                row_errors.setdefault("number", []).append(f"案件编号与第 {seen[row['number']]} 行重复。")
            seen.setdefault(row["number"], row_no)
        cleaned.append((row_no, row))
        if row_errors:
            errors[row_no] = row_errors
    if not cleaned:
        raise Invalid("没有可导入的案件", code="case_import_empty")
    squads, officers, existing = _lookups(district.id, [row for _, row in cleaned])
    for row_no, row in cleaned:
        row_errors = errors.setdefault(row_no, {})
        if row["squad"] and row["squad"] not in squads:
            row_errors.setdefault("squad", []).append("本区局没有这个中队。")
        officer = officers.get(row["officer_badge_no"])
        if row["officer_badge_no"] and (officer is None or officer.district_id != district.id):
            row_errors.setdefault("officer_badge_no", []).append("本区局没有这个工号的人员。")
        case = existing.get(row["number"])
        if case is not None and case.district_id != district.id:
            row_errors.setdefault("number", []).append("该案件编号属于其他区局。")
        if not row_errors:
            del errors[row_no]
    if errors:
        raise Invalid(f"导入失败：{len(errors)} 行有错误，未导入任何案件"
                      + (f"（列出前 {MAX_REPORTED_ERRORS} 行）" if len(errors) > MAX_REPORTED_ERRORS else ""),
                      code="case_import_invalid",
                      errors={"rows": reported({str(row_no): errs for row_no, errs in sorted(errors.items())})})
    result = ImportResult()
    for _, row in cleaned:
        _upsert(district, row, squads[row["squad"]], officers[row["officer_badge_no"]],
                existing.get(row["number"]), now, result)
    session.flush()
    result.flags = evaluate_cases([row["_case"] for _, row in cleaned], today, now)
    return result


def _upsert(district: District, row: dict, squad: Squad, officer: Officer, case: Case | None, now: datetime,
            result: ImportResult) -> None:
    values = {name: row[name] for name in CASE_FIELDS}
    values.update(squad_id=squad.id, officer_id=officer.id)
    values.update(_deadlines(row["discovered_on"], row["registered_on"]))
    if case is None:
        case = Case(number=row["number"], district_id=district.id, imported_at=now, updated_at=now, **values)
        session.add(case)
        result.created += 1
    elif any(getattr(case, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(case, name, value)
        case.updated_at = now
        result.updated += 1
    else:
        result.unchanged += 1
    row["_case"] = case


def track(number: str, *, district_id: int, squad_id: int, officer_id: int, discovered_on: date,
          registered_on: date | None, closed_on: date | None = None, withdrawn_on: date | None = None,
          withdrawal_reason: str | None = None, withdrawal_approved_by: str | None = None,
          now: datetime | None = None) -> Case:
    """A case another domain of ours owns (a non-site case) on the same 两超期 clock as imported ones: created
    or updated by its number, its deadlines from discovery and 立案, its flags evaluated at once (事中预警: the
    hourly `cases.deadlines` job warns before and when its deadlines pass, as for every case; a withdrawal
    without its reason and approver is 随意撤案 the moment it is recorded)."""
    now = now or utcnow()
    case = session.scalars(select(Case).where(Case.number == number)).one_or_none()
    values = {"squad_id": squad_id, "officer_id": officer_id, "discovered_on": discovered_on,
              "registered_on": registered_on, "closed_on": closed_on, "withdrawn_on": withdrawn_on,
              "withdrawal_reason": withdrawal_reason, "withdrawal_approved_by": withdrawal_approved_by,
              **_deadlines(discovered_on, registered_on)}
    if case is None:
        case = Case(number=number, district_id=district_id, imported_at=now, updated_at=now, **values)
        session.add(case)
    else:
        for name, value in values.items():
            setattr(case, name, value)
        case.updated_at = now
    session.flush()
    evaluate_cases([case], local_day(now), now)
    return case


def _deadlines(discovered_on: date, registered_on: date | None) -> dict:
    config = settings()
    return {
        "registration_due_on": discovered_on + timedelta(days=config.CASE_REGISTRATION_DAYS),
        "handling_due_on": registered_on + timedelta(days=config.CASE_HANDLING_DAYS) if registered_on else None,
    }


def flags_for(case: Case, today: date) -> dict[FlagKind, date]:
    """The flags a case deserves as of `today`, each dated the day the breach happened."""
    flags = {}
    if (case.registered_on or case.withdrawn_on or today) > case.registration_due_on:
        flags[FlagKind.registration_overdue] = case.registration_due_on + timedelta(days=1)
    if case.registered_on is not None and (case.closed_on or case.withdrawn_on or today) > case.handling_due_on:
        flags[FlagKind.handling_overdue] = case.handling_due_on + timedelta(days=1)
    if case.withdrawn_on is not None and not (case.withdrawal_reason and case.withdrawal_approved_by):
        flags[FlagKind.arbitrary_withdrawal] = case.withdrawn_on
    if case.penalty_revoked_on is not None and not (case.revocation_reason and case.revocation_approved_by):
        flags[FlagKind.arbitrary_revocation] = case.penalty_revoked_on
    return flags


def evaluate_cases(cases: list[Case], today: date, now: datetime) -> dict[str, int]:
    """Bring the cases' flags in line with their dates as of `today`; the new flags counted by kind.

    A corrected import (a reason or approval recorded later, a date fixed) removes a flag that no
    longer holds, so the daily records recompute from the truth.
    """
    current: dict[int, dict[FlagKind, CaseFlag]] = {}
    for chunk in _chunks([case.id for case in cases]):
        for flag in session.scalars(select(CaseFlag).where(CaseFlag.case_id.in_(chunk))):
            current.setdefault(flag.case_id, {})[flag.kind] = flag
    added: dict[str, int] = {}
    for case in cases:
        have = current.get(case.id, {})
        want = flags_for(case, today)
        for kind, flag in have.items():
            if kind not in want:
                session.delete(flag)
            else:
                flag.day, flag.officer_id, flag.squad_id = want[kind], case.officer_id, case.squad_id
        for kind, day in want.items():
            if kind not in have:
                session.add(CaseFlag(case_id=case.id, kind=kind, day=day, officer_id=case.officer_id,
                                     squad_id=case.squad_id, flagged_at=now))
                added[kind.value] = added.get(kind.value, 0) + 1
    session.flush()
    return added
