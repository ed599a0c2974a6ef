"""Cells of every file we export (Excel, CSV): text that a spreadsheet would run as a formula goes out as text."""
from __future__ import annotations

import re

# A cell starting with one of these is a formula to Excel, WPS and LibreOffice (OWASP "CSV injection"):
# a name like "=HYPERLINK(…)" or "@SUM(…)" would run on the reader's machine. Tab and CR hide such a start.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Control characters an Excel cell cannot hold (openpyxl refuses them; a name typed with one made the export 500).
_NOT_IN_A_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """The cell as it may go out: text that a spreadsheet would evaluate is prefixed with ' (shown as text), a
    control character a cell cannot hold shown as U+FFFD."""
    if not isinstance(value, str):
        return value
    value = _NOT_IN_A_CELL.sub("\ufffd", value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_row(values) -> list:
    """One row of an export, every text cell neutralised."""
    return [neutralise(value) for value in values]


def workbook(title: str, header: list[str], rows, *, percent_columns: tuple[str, ...] = ()) -> bytes:
    """An Excel workbook of one sheet: the header, then each row neutralised; the named columns as percentages."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for values in rows:
        sheet.append(export_row(values))
    for column in percent_columns:
        for cell in sheet[column][1:]:
            cell.number_format = "0.0%"
    data = BytesIO()
    book.save(data)
    return data.getvalue()
