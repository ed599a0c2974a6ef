"""Excel files for the import tests, written with openpyxl like a trainer's spreadsheet."""
from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "难度", "知识点", "解析"]


def xlsx(rows: list[list], header: list[str] = HEADER, merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
