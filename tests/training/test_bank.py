"""Question bank: questions checked on the way in, no duplicates, Excel import with row-level errors."""
import io

from sqlalchemy import func, select

from backend.db import session
from backend.org.models import Role
from backend.training.exams.models import Question
from tests.training.xlsx import xlsx

GOOD_ROWS = [
    [
        "单选",
        "城管执法人员执法时应当主动出示什么？",
        "工作证",
        "执法证",
        "身份证",
        "驾驶证",
        "B",
        1,
        "执法规范，亮证",
        "亮证执法",
    ],
    [
        "多选题",
        "以下属于城管执法事项的是",
        "无序设摊",
        "跨门营业",
        "交通违章",
        "违法搭建",
        "A、B、D",
        "中",
        "执法事项",
        None,
    ],
    ["判断", "城管执法可以不告知当事人权利。", None, None, None, None, "错", 2, "程序", None],
    [
        "填空",
        "上海市城市管理行政执法局简称____。",
        None,
        None,
        None,
        None,
        "市城管执法局|城管执法局",
        None,
        "常识",
        None,
    ],
]


def _upload(client, headers, bank_id, data, name="题库.xlsx"):
    return client.post(f"/api/training/banks/{bank_id}/import", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _count(bank_id):
    return session.scalar(select(func.count()).select_from(Question).where(Question.bank_id == bank_id))


def test_question_without_a_correct_option_is_refused(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    response = client.post(f"/api/training/banks/{bank.id}/questions", headers=make.headers(trainer), json={
        "kind": "single", "stem": "哪一项正确？", "options": ["甲", "乙"], "answer": []})
    assert response.status_code == 422
    assert response.json["error"] == "no_correct_option"
    assert _count(bank.id) == 0


def test_same_question_twice_is_a_conflict_even_with_options_reordered(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    headers = make.headers(trainer)
    first = client.post(
        f"/api/training/banks/{bank.id}/questions",
        headers=headers,
        json={
            "kind": "single",
            "stem": "亮证执法的目的是？",
            "options": ["表明身份", "炫耀"],
            "answer": [0],
            "tags": ["亮证"],
        },
    )
    assert first.status_code == 201
    assert first.json["tags"] == ["亮证"]
    again = client.post(f"/api/training/banks/{bank.id}/questions", headers=headers, json={
        "kind": "single", "stem": " 亮证执法的目的是？ ", "options": ["炫耀", "表明身份"], "answer": [1]})
    assert again.status_code == 409
    assert again.json["error"] == "duplicate_question"


def test_officer_cannot_read_the_bank(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    officer = make.officer(squad=make.squad(trainer.district))
    response = client.get(f"/api/training/banks/{bank.id}/questions", headers=make.headers(officer))
    assert response.status_code == 403


def test_excel_import_creates_every_kind_and_skips_duplicates_on_reimport(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    headers = make.headers(trainer)
    response = _upload(client, headers, bank.id, xlsx(GOOD_ROWS))
    assert response.status_code == 201, response.json
    assert response.json == {"created": 4, "duplicates": []}
    questions = {q["stem"]: q for q in client.get(f"/api/training/banks/{bank.id}/questions", headers=headers).json}
    multiple = questions["以下属于城管执法事项的是"]
    assert (multiple["kind"], multiple["answer"], multiple["difficulty"]) == ("multiple", [0, 1, 3], 3)
    assert questions["城管执法可以不告知当事人权利。"]["options"] == ["对", "错"]
    assert questions["城管执法可以不告知当事人权利。"]["answer"] == [1]
    assert questions["上海市城市管理行政执法局简称____。"]["answer"] == ["市城管执法局", "城管执法局"]
    assert questions["城管执法人员执法时应当主动出示什么？"]["tags"] == ["亮证", "执法规范"]

    more = GOOD_ROWS + [["单选", "新题：取证应当？", "全程记录", "事后补拍", None, None, "A", 3, "取证", None]]
    again = _upload(client, headers, bank.id, xlsx(more))
    assert again.status_code == 201
    assert again.json["created"] == 1
    assert [d["row"] for d in again.json["duplicates"]] == [2, 3, 4, 5]
    assert _count(bank.id) == 5


def test_excel_rows_with_errors_are_listed_and_nothing_is_imported(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    rows = GOOD_ROWS + [
        ["单选", "没有答案的题", "甲", "乙", None, None, None, 3, None, None],
        ["单选", "答案不是已有选项", "甲", "乙", None, None, "D", 3, None, None],
        ["问答", "题型不对", None, None, None, None, "略", 3, None, None],
        ["判断", "判断题答案不对", None, None, None, None, "也许", 3, None, None],
        ["单选", "城管执法人员执法时应当主动出示什么？", "执法证", "工作证", "身份证", "驾驶证", "A", 1, None, None],
        ["单选", "难度不对", "甲", "乙", None, None, "A", 9, None, None],
    ]
    response = _upload(client, make.headers(trainer), bank.id, xlsx(rows))
    assert response.status_code == 422
    assert response.json["error"] == "excel_row_errors"
    errors = response.json["errors"]["rows"]
    assert sorted(errors, key=int) == ["6", "7", "8", "9", "10", "11"]
    assert "没有正确答案" in errors["6"]
    assert "与第 2 行的题目重复" in errors["10"]
    assert _count(bank.id) == 0


def test_excel_with_missing_columns_is_refused(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    data = xlsx([["单选", "题干", "甲", "乙"]], header=["题型", "题干", "选项A", "选项B"])
    response = _upload(client, make.headers(trainer), bank.id, data)
    assert response.status_code == 422
    assert response.json["error"] == "excel_missing_columns"
    assert "答案" in response.json["message"]


def test_excel_with_a_merged_header_is_refused(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    response = _upload(client, make.headers(trainer), bank.id, xlsx(GOOD_ROWS, merge="C1:F1"))
    assert response.status_code == 422
    assert response.json["error"] == "excel_merged_header"
    assert _count(bank.id) == 0


def test_a_file_that_is_not_excel_is_refused(client, make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    response = _upload(client, make.headers(trainer), bank.id, b"\x89PNG not a workbook", name="x.xlsx")
    assert response.status_code == 422
    assert response.json["error"] == "not_an_excel_file"


def test_bank_of_another_district_is_not_found(client, make):
    trainer = make.officer(Role.trainer)
    other = make.officer(Role.trainer)
    bank = make.question_bank(other)
    response = _upload(client, make.headers(trainer), bank.id, xlsx(GOOD_ROWS))
    assert response.status_code == 404
