"""The registry of regulated objects (执法检查对象名录库): kinds, objects, their contacts, import from a file.

Import layout (CSV in UTF-8 or GBK, or the first sheet of an .xlsx workbook; the header on row 1):

    类型 | 名称 | 统一社会信用代码 | 许可证号 | 地址 | 纬度 | 经度 | 联系人 | 联系电话 | 中队 | 网格

- 类型, 名称, 统一社会信用代码, 地址 and 中队 are required columns; the others may be left out.
- 类型: a kind's code or name (GET /api/inspections/kinds); 中队: the squad's name.
- 许可证号: several separated by commas, 、 or semicolons; 纬度/经度 in GCJ-02 (both or neither), inside Shanghai
  and inside the district's boundary where it has set one (boundary.py).
A row whose credit code is already in the registry updates that object; a code twice in the file is an
error. Rows with errors are listed by row number and nothing is stored until the whole file is clean.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator

from cryptography.fernet import InvalidToken
from sqlalchemy import func, select, update

from backend import keys
from backend.db import insert_rows, session, utcnow
from backend.errors import Conflict, Invalid
from backend.geo import GCJ02, Area, to_gcj02
from backend.inspections import grades
from backend.inspections.boundary import area, check_place
from backend.inspections.credit_code import normalize_credit_code
from backend.inspections.models import GradeChange, Inspection, ObjectKind, RegulatedObject
from backend.nonsite.models import NonsiteCase
from backend.org.models import Officer, Squad
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS, SQUAD_MEMBERS, require
from backend.org.scope import get_visible, settings_district
from backend.spreadsheets import (
    MAX_REPORTED_ERRORS,
    FirstSheet,
    cell_text,
    csv_rows,
    header,
    reported,
)

MAX_IMPORT_ROWS = 20_000  # a street's or a town's shops at once; a larger registry comes in several files
REQUIRED_COLUMNS = ("类型", "名称", "统一社会信用代码", "地址", "中队")
MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
LANDLINE = re.compile(r"^(0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{8})$", re.ASCII)
_SEPARATORS = re.compile(r"[,，、;；]")
# Who see a contact's name and number in full: the squad's people who visit and their managers.
CONTACT_READERS = SQUAD_MEMBERS | DISTRICT_ADMINS


def create_kind(actor: Officer, *, code: str, name: str, checklist: list[dict]) -> ObjectKind:
    """A kind and its standard checklist (items, legal basis, how to judge): results of its objects' inspections
    then answer exactly these items."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设置检查对象类型")
    if session.scalar(select(ObjectKind.id).where(ObjectKind.district_id == actor.district_id,
                                                  ObjectKind.code == code)):
        raise Conflict(f"类型代码“{code}”已存在", code="kind_exists")
    items = [entry["item"] for entry in checklist]
    if len(set(items)) != len(items):
        raise Invalid("检查表中有重复的检查项", code="duplicate_checklist_item")
    kind = ObjectKind(district_id=actor.district_id, code=code, name=name, checklist=checklist)
    session.add(kind)
    session.flush()
    return kind


def kinds(actor: Officer, district_id: int | None = None) -> list[ObjectKind]:
    """The district's kinds of objects (a city role names the district)."""
    district_id = settings_district(actor, district_id)
    return list(session.scalars(select(ObjectKind).where(ObjectKind.district_id == district_id)
                                .order_by(ObjectKind.id)))


def _kind(known: list[ObjectKind], code_or_name: str) -> ObjectKind:
    found = next((kind for kind in known if code_or_name in (kind.code, kind.name)), None)
    if found is None:
        raise Invalid(f"检查对象类型“{code_or_name}”不存在", code="unknown_kind")
    return found


def _squad(actor: Officer, squad: Squad | None) -> Squad:
    """The responsible squad, if `actor` may put objects in it (a squad leader: their own)."""
    if squad is None or squad.district_id != actor.district_id or (
            actor.role not in DISTRICT_ADMINS and squad.id != actor.squad_id):
        raise Invalid("责任中队不存在或不在您的管辖范围内", code="unknown_squad")
    return squad


def normalize_contact_phone(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    phone = re.sub(r"^\+?86", "", re.sub(r"[\s()（）]", "", raw.strip()))
    if MOBILE.fullmatch(phone.replace("-", "")):
        return phone.replace("-", "")
    if not LANDLINE.fullmatch(phone):
        raise Invalid("联系电话格式不正确：应为 11 位手机号或带区号的固定电话（如 021-62881234）",
                      code="invalid_phone")
    return phone


def _contact(name: str | None, phone: str | None, cipher=None) -> tuple[bytes | None, str | None]:
    """The contact encrypted at rest (with `cipher`, an import's one for all its rows), and its masked form for
    lists (张** 138****1234)."""
    name, phone = (name or "").strip() or None, normalize_contact_phone(phone)
    if name is None and phone is None:
        return None, None
    if name and len(name) > 32:
        raise Invalid("联系人姓名不能超过 32 个字", code="contact_too_long")
    masked = " ".join(part for part in ((name[0] + "*" * (len(name) - 1)) if name else None,
                                        f"{phone[:3]}****{phone[-4:]}" if phone else None) if part)
    return (cipher or contact_cipher()).encrypt(json.dumps({"name": name, "phone": phone}).encode()), masked


def contact_cipher():
    return keys.cipher("inspection-object-contact")


def contact_of(item: RegulatedObject, actor: Officer) -> dict | None:
    """The contact in full for those whose work needs it (PIPL minimum necessary), else None."""
    if item.contact_encrypted is None or actor.role not in CONTACT_READERS:
        return None
    try:
        return json.loads(contact_cipher().decrypt(item.contact_encrypted))
    except InvalidToken:  # its key left the ring
        return {"name": "（无法解密）", "phone": "（无法解密）"}




def _checked(actor: Officer, *, kind: ObjectKind, name: str, credit_code: str, licence_numbers: list[str], address: str,
             lat: float | None, lng: float | None, coord_system: str, contact_name: str | None,
             contact_phone: str | None, squad: Squad | None, grid_cell: str | None,
             district_area: Area | None, cipher=None) -> dict:
    """The stored columns of an object's fields, each checked (coordinates: inside Shanghai, and inside the
    district's boundary `district_area` where it has one); Invalid names the first wrong one."""
    name, address = name.strip(), address.strip()
    if not name or len(name) > 128:
        raise Invalid("名称不能为空，且不超过 128 个字", code="bad_name")
    if not address or len(address) > 200:
        raise Invalid("地址不能为空，且不超过 200 个字", code="bad_address")
    if (lat is None) != (lng is None):
        raise Invalid("纬度和经度应同时填写或同时留空", code="bad_coordinates")
    point = to_gcj02(lat, lng, coord_system) if lat is not None else None
    if point is not None:
        check_place(point, lat, lng, district_area)
    licences = [number.strip() for number in licence_numbers if number.strip()]
    if len(licences) > 10 or any(len(number) > 64 for number in licences):
        raise Invalid("许可证号最多 10 个，每个不超过 64 个字符", code="bad_licence_numbers")
    encrypted, masked = _contact(contact_name, contact_phone, cipher)
    return dict(kind_id=kind.id, name=name, credit_code=normalize_credit_code(credit_code),
                licence_numbers=licences, address=address, lat=point and point.lat, lng=point and point.lng,
                contact_encrypted=encrypted, contact_masked=masked, squad_id=_squad(actor, squad).id,
                grid_cell=(grid_cell or "").strip()[:32] or None, outside_boundary=False)  # checked: inside


def _holder_of(actor: Officer, credit_code: str) -> RegulatedObject | None:
    return session.scalars(select(RegulatedObject).where(RegulatedObject.district_id == actor.district_id,
                                                         RegulatedObject.credit_code == credit_code)).one_or_none()


def create_object(actor: Officer, *, kind: str, squad_id: int, coord_system: str = GCJ02,
                  **fields) -> RegulatedObject:
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以登记检查对象")
    columns = _checked(actor, kind=_kind(kinds(actor), kind), squad=session.get(Squad, squad_id),
                       coord_system=coord_system, district_area=area(actor.district_id), **fields)
    if _holder_of(actor, columns["credit_code"]) is not None:
        raise Conflict(f"统一社会信用代码 {columns['credit_code']} 已登记", code="credit_code_exists")
    item = RegulatedObject(district_id=actor.district_id, grade=grades.initial_grade(), **columns)
    session.add(item)
    session.flush()
    grades.record_first_grade(actor, item)
    return item


def update_object(actor: Officer, object_id: int, *, kind: str, squad_id: int, coord_system: str = GCJ02,
                  **fields) -> RegulatedObject:
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以修改检查对象")
    columns = _checked(actor, kind=_kind(kinds(actor), kind), squad=session.get(Squad, squad_id),
                       coord_system=coord_system, district_area=area(actor.district_id), **fields)
    holder = _holder_of(actor, columns["credit_code"])
    if holder is not None and holder.id != item.id:
        raise Conflict(f"统一社会信用代码 {columns['credit_code']} 已登记为另一对象", code="credit_code_exists")
    for column, value in columns.items():
        setattr(item, column, value)
    session.flush()
    return item


def delete_object(actor: Officer, object_id: int) -> None:
    item = get_visible(RegulatedObject, object_id, actor, what="检查对象")
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以删除检查对象")
    cases = session.scalar(select(func.count()).select_from(NonsiteCase).where(NonsiteCase.object_id == item.id))
    if cases:
        raise Conflict(f"该检查对象有 {cases} 件非现场执法案件，不能删除（案件须能追溯到当事人）",
                       code="object_has_cases")
    if session.scalar(select(Inspection.id).where(Inspection.object_id == item.id).limit(1)) is not None:
        raise Conflict("该检查对象已被抽取检查（检查记录须保留并公开），不能删除；如已歇业或迁出，请修改其信息",
                       code="object_has_inspections")
    session.delete(item)
    session.flush()


IMPORT_CHUNK = 2_000  # rows written at a time: a 200,000-row file is never held whole


def import_objects(actor: Officer, data: bytes, *, max_rows: int = MAX_IMPORT_ROWS,
                   progress: Callable[[Iterator], Iterator] = iter, max_unpacked_bytes: int | None = None,
                   listed: bool = True) -> dict:
    """Import a CSV or .xlsx file in the layout above: every row or none; a known credit code updates.
    `progress` wraps the rows as they are checked (the command line's progress bar); without `listed` the answer
    only counts the rows created and updated (a 200,000-row file's list is tens of MB nobody reads).

    Rows are checked as the file is read and written in chunks inside the caller's transaction, until the first
    wrong row; after it the rest are only checked (to list every error), and the error rolls back what was
    written. The district's credit codes already registered are read once, before the first row (a lookup per
    chunk inside the one long transaction was planned for the table as it was when the import began, empty:
    200,000 rows took 25 times the bare read and insert). So memory holds a chunk, the district's codes (with
    their object and squad), the codes seen and the report, not the file's rows."""
    require(actor, SQUAD_MANAGERS, "只有中队长和区局管理员可以导入检查对象")
    if data[:4] == b"PK\x03\x04":
        sheet = FirstSheet(data, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
        if any(merged.min_row <= 1 for merged in sheet.merged()):
            raise Invalid("表头（第 1 行）不能有合并单元格，请按模板填写", code="excel_merged_header")
        rows = sheet.rows()
    else:
        rows = csv_rows(data, max_rows=max_rows)
    number, first = next(rows, (1, ()))
    columns = header(first if number == 1 else (), REQUIRED_COLUMNS)
    squads = {squad.name: squad for squad in session.scalars(select(Squad).where(
        Squad.district_id == actor.district_id))}
    known, district_area, cipher = kinds(actor), area(actor.district_id), contact_cipher()
    registered = {code: (object_id, squad_id) for code, object_id, squad_id in session.execute(
        select(RegulatedObject.credit_code, RegulatedObject.id, RegulatedObject.squad_id).where(
            RegulatedObject.district_id == actor.district_id))}
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    report: list[dict] = []
    counted = Counter()
    chunk: list[tuple[int, dict]] = []
    for row_number, row in progress(rows):
        cells = {name: cell_text(row[index] if index < len(row) else None) for name, index in columns.items()}
        try:
            fields = _row_fields(actor, cells, known, squads, district_area, cipher)
        except Invalid as error:
            errors[str(row_number)] = error.message
            continue
        code = fields["credit_code"]
        if code in seen:
            errors[str(row_number)] = f"统一社会信用代码与第 {seen[code]} 行重复"
            continue
        seen[code] = row_number
        holder = registered.get(code)
        if holder is not None and actor.role not in DISTRICT_ADMINS and holder[1] != actor.squad_id:
            errors[str(row_number)] = "该统一社会信用代码已登记在其他中队，不能由您更新"
            continue
        if errors:  # nothing will be written: the rest are only checked
            continue
        chunk.append((row_number, fields))
        if len(chunk) >= IMPORT_CHUNK:
            _write_chunk(actor, chunk, registered, report, counted, listed)
    if not errors:
        _write_chunk(actor, chunk, registered, report, counted, listed)
    if errors:
        errors = dict(sorted(errors.items(), key=lambda item: int(item[0])))
        raise Invalid(f"有 {len(errors)} 行数据有误，未导入任何检查对象，请修改后重新导入"
                      + (f"（列出前 {MAX_REPORTED_ERRORS} 行）" if len(errors) > MAX_REPORTED_ERRORS else ""),
                      code="import_row_errors", errors={"rows": reported(errors)})
    return {"created": counted["created"], "updated": counted["updated"], "rows": report}


def _write_chunk(actor: Officer, chunk: list[tuple[int, dict]], registered: dict[str, tuple[int, int]],
                 report: list[dict], counted: Counter, listed: bool) -> None:
    """Write a chunk of checked rows: a registered code's object updated by its id; new objects, with the first
    line of their grade history, inserted in bulk (ids taken first; COPY on PostgreSQL, executemany elsewhere)."""
    if not chunk:
        return
    created, updated = [], []
    for row_number, fields in chunk:
        holder = registered.get(fields["credit_code"])
        (created if holder is None else updated).append(fields if holder is None else {"id": holder[0], **fields})
        action = "created" if holder is None else "updated"
        counted[action] += 1
        if listed:
            report.append({"row": row_number, "credit_code": fields["credit_code"], "action": action})
    grade, now = grades.initial_grade(), utcnow()
    if updated:
        session.execute(update(RegulatedObject), [{**fields, "updated_at": now} for fields in updated])
    if created:
        ids = insert_rows(RegulatedObject, [
            {**fields, "district_id": actor.district_id, "grade": grade,
             "created_at": now, "updated_at": now} for fields in created], ids=True)
        insert_rows(GradeChange, [
            {"object_id": object_id, "squad_id": fields["squad_id"], "grade_from": None, "grade_to": grade,
             "reason": grades.FIRST_GRADE_REASON, "changed_by_id": actor.id, "changed_at": now}
            for object_id, fields in zip(ids, created, strict=True)])
        registered.update((fields["credit_code"], (object_id, fields["squad_id"]))
                          for object_id, fields in zip(ids, created, strict=True))
    chunk.clear()


def _row_fields(actor: Officer, cells: dict[str, str], known: list[ObjectKind], squads: dict[str, Squad],
                district_area: Area | None, cipher) -> dict:
    def number(column: str) -> float | None:
        text = cells.get(column, "")
        try:
            return float(text) if text else None
        except ValueError:
            raise Invalid(f"{column}“{text}”不是数字", code="bad_coordinates") from None

    if cells["中队"] not in squads:
        raise Invalid(f"中队“{cells['中队']}”不存在", code="unknown_squad")
    return _checked(actor, kind=_kind(known, cells["类型"]), name=cells["名称"], credit_code=cells["统一社会信用代码"],
                    licence_numbers=_SEPARATORS.split(cells.get("许可证号", "")), address=cells["地址"],
                    lat=number("纬度"), lng=number("经度"), coord_system=GCJ02, contact_name=cells.get("联系人"),
                    contact_phone=cells.get("联系电话"), squad=squads[cells["中队"]], grid_cell=cells.get("网格"),
                    district_area=district_area, cipher=cipher)
