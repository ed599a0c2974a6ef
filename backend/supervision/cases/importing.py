"""Reading case files from the case-handling system: CSV (UTF-8 or GBK) and Excel, Chinese or English headers."""
from __future__ import annotations

from collections.abc import Iterator

from backend.errors import Invalid
from backend.spreadsheets import FirstSheet, csv_rows

# field: the header the case system exports (Chinese) — the field name itself is accepted too
HEADERS = {
    "number": "案件编号",
    "squad": "中队",
    "officer_badge_no": "承办人工号",
    "discovered_on": "发现日期",
    "registered_on": "立案日期",
    "closed_on": "结案日期",
    "withdrawn_on": "撤案日期",
    "withdrawal_reason": "撤案理由",
    "withdrawal_approved_by": "撤案审批人",
    "penalty_revoked_on": "撤销处罚日期",
    "revocation_reason": "撤销处罚理由",
    "revocation_approved_by": "撤销处罚审批人",
}
_BY_HEADER = {**{name: name for name in HEADERS}, **{header: name for name, header in HEADERS.items()}}
MAX_FILE_BYTES = 20_000_000
MAX_IMPORT_ROWS = 20_000  # cases in one import, from a file or as JSON


def _fields(header_row) -> list[str | None]:
    """The field of each column; refuses a file without the required columns."""
    fields = [_BY_HEADER.get(str(cell).strip()) if cell is not None else None for cell in header_row]
    missing = [HEADERS[name] for name in ("number", "squad", "officer_badge_no", "discovered_on") if name not in fields]
    if missing:
        raise Invalid(f"文件缺少必需的列：{'、'.join(missing)}", code="case_file_columns_missing",
                      errors={"file": [f"缺少列：{'、'.join(missing)}。"]})
    return fields


def _rows(table: Iterator[tuple[int, tuple]]) -> list[tuple[int, dict]]:
    """(row number as shown in the file, values by field) for every non-empty row after the header."""
    try:
        _, header = next(table)
    except StopIteration:
        raise Invalid("文件是空的", code="case_file_empty") from None
    fields = _fields(header)
    return [
        (row_no, {field: cell for field, cell in zip(fields, cells, strict=False) if field}) for row_no, cells in table
    ]


def read_case_file(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """The rows of an uploaded .csv or .xlsx file."""
    if len(data) > MAX_FILE_BYTES:
        raise Invalid("文件过大（不超过 20 MB）", code="file_too_large")
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "csv":
        return _rows(csv_rows(data, max_rows=MAX_IMPORT_ROWS))
    if suffix in ("xlsx", "xlsm"):
        return _rows(FirstSheet(data, max_rows=MAX_IMPORT_ROWS).rows())
    raise Invalid("只支持 .csv 或 .xlsx 文件", code="case_file_type", errors={"file": ["只支持 .csv 或 .xlsx。"]})
