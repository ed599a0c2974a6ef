"""Case files that cost far more than their size are refused before the work, with a 4xx and a short body."""
import io

import pytest
from sqlalchemy import func, select

from backend.db import session
from backend.supervision.cases.models import Case
from tests.cases.test_cases import HEADER, _upload, people  # noqa: F401 (people is a fixture)
from tests.crafted import long_field_csv, malformed_workbook, many_rows_csv, sparse_workbook, zip_bomb_workbook
from tests.training.xlsx import xlsx

ROW = ["XH-1", "天平中队", "XH001", "2026-03-01"]

CRAFTED = {
    "a CSV of 100,000 rows": (lambda: many_rows_csv(HEADER, rows=100_000), "cases.csv", "too_many_rows"),
    "a CSV field over 128 KiB": (lambda: long_field_csv(HEADER), "cases.csv", "csv_malformed"),
    "sheet XML cut off mid-row": (lambda: malformed_workbook(xlsx([ROW], HEADER)), "cases.xlsx",
                                  "not_an_excel_file"),
    "a sheet unpacking to 60 MB": (lambda: zip_bomb_workbook(xlsx([ROW], HEADER), 60_000_000), "cases.xlsx",
                                    "spreadsheet_too_large"),
    "one cell at row 60,000": (lambda: sparse_workbook(HEADER, ROW), "cases.xlsx", "too_many_rows"),
}


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_a_crafted_case_file_is_refused_and_nothing_imported(case, client, make, people):  # noqa: F811
    build, name, code = CRAFTED[case]
    response = _upload(client, make, people["admin"], io.BytesIO(build()), name)
    assert (response.status_code, response.json["error"]) == (422, code), response.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    assert len(response.data) < 2000
    assert session.scalar(select(func.count(Case.id))) == 0


def test_a_refusal_lists_the_first_hundred_bad_rows_and_counts_them_all(client, make, people):  # noqa: F811
    rows = "".join(f"XH-{n},没有的中队,XH001,2026-03-01\n" for n in range(3000))
    response = _upload(client, make, people["admin"], io.BytesIO((",".join(HEADER) + "\n" + rows).encode()),
                       "cases.csv")
    assert (response.status_code, response.json["error"]) == (422, "case_import_invalid")
    assert "3000 行有错误" in response.json["message"]
    assert len(response.json["errors"]["rows"]) == 100 and len(response.data) < 20_000
