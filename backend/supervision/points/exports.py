"""A month's points ranking as an Excel workbook (the squad leader's and the district's export)."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook

from backend.db import session
from backend.exports import export_row
from backend.org.models import Officer
from backend.supervision.points import queries
from backend.supervision.points.models import STATE_NAMES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ranking_workbook(actor: Officer, *, month: date, squad_id: int | None = None) -> bytes:
    """The month sheets in `actor`'s scope, ranked by total (highest first), one row each."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month:%Y-%m}"
    sheet.append(["排名", "工号", "姓名", "中队", "基础分", "条目分", "调整分", "总分", "状态"])
    for rank, row in enumerate(session.scalars(queries.sheets(actor, month=month, squad_id=squad_id)), start=1):
        squad = row.officer.squad.name if row.officer.squad else ""
        sheet.append(export_row([rank, row.officer.badge_no, row.officer.name, squad, row.base, row.items_total,
                                 row.adjustments_total, row.total, STATE_NAMES[row.state]]))
    data = BytesIO()
    book.save(data)
    return data.getvalue()
