"""Question-bank workbooks that cost far more than their size are refused before the work, with a 4xx."""
import pytest

from backend.org.models import Role
from tests.crafted import (
    malformed_workbook,
    many_styles_workbook,
    many_texts_workbook,
    sparse_workbook,
    wide_row_workbook,
    zip_bomb_workbook,
)
from tests.training.test_bank import GOOD_ROWS, _count, _upload
from tests.training.xlsx import HEADER, xlsx

CRAFTED = {
    "one cell at row 60,000": (lambda: sparse_workbook(HEADER, GOOD_ROWS[0]), "too_many_rows"),
    "a sheet unpacking to 60 MB": (lambda: zip_bomb_workbook(xlsx(GOOD_ROWS), 60_000_000), "spreadsheet_too_large"),
    "sheet XML cut off mid-row": (lambda: malformed_workbook(xlsx(GOOD_ROWS)), "not_an_excel_file"),
    "300,000 shared texts": (lambda: many_texts_workbook(xlsx(GOOD_ROWS), 300_000), "spreadsheet_too_large"),
    "150,000 cell formats": (lambda: many_styles_workbook(xlsx(GOOD_ROWS), 150_000), "spreadsheet_too_large"),
    "a row of 5,000 cells": (lambda: wide_row_workbook(xlsx(GOOD_ROWS), 5000), "spreadsheet_too_large"),
}


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_a_crafted_workbook_is_refused_and_nothing_imported(case, client, make):
    build, code = CRAFTED[case]
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    response = _upload(client, make.headers(trainer), bank.id, build())
    assert (response.status_code, response.json["error"]) == (422, code), response.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    assert _count(bank.id) == 0


def test_an_imported_question_keeps_to_the_lengths_the_api_allows(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    long_stem = ["单选", "题" * 20_000, "甲", "乙", None, None, "A", 1, None, None]
    long_tag = ["单选", "正常的题干", "甲", "乙", None, None, "A", 1, "知" * 65, None]
    response = _upload(client, make.headers(trainer), bank.id, xlsx([GOOD_ROWS[0], long_stem, long_tag]))
    assert (response.status_code, response.json["error"]) == (422, "excel_row_errors")
    assert response.json["errors"]["rows"] == {
        "3": "题干过长：20000 字，最多 4000 字",
        "4": "知识点过长：每个最多 64 字",
    }
    assert _count(bank.id) == 0
    through_api = client.post(f"/api/training/banks/{bank.id}/questions", headers=make.headers(trainer), json={
        "kind": "single", "stem": "题" * 20_000, "options": ["甲", "乙"], "answer": [0]})
    assert through_api.status_code == 422


def test_a_refusal_lists_the_first_hundred_bad_rows_and_counts_them_all(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    bad = [["未知题型", f"第 {n} 题", "甲", "乙", None, None, "A", 1, None, None] for n in range(300)]
    response = _upload(client, make.headers(trainer), bank.id, xlsx(bad))
    assert response.status_code == 422 and "有 300 行数据有误" in response.json["message"]
    assert len(response.json["errors"]["rows"]) == 100
