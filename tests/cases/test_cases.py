"""Case timeliness (两超期两随意): imports from files and JSON, flags, warnings on a frozen clock, reports."""
import io
from datetime import date, datetime

import pytest
import time_machine
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.db import LOCAL_TZ, session
from backend.org.models import Role
from backend.outbox import deliver
from backend.supervision.cases.jobs import warn_case_deadlines
from backend.supervision.cases.models import Case
from backend.supervision.cases.queries import daily_case_facts

HEADER = ["案件编号", "中队", "承办人工号", "发现日期", "立案日期", "结案日期", "撤案日期", "撤案理由", "撤案审批人",
          "撤销处罚日期", "撤销处罚理由", "撤销处罚审批人"]


@pytest.fixture
def people(make):
    district = make.district(name="徐汇区")
    squad = make.squad(district, name="天平中队")
    return dict(
        district=district, squad=squad,
        officer=make.officer(squad=squad, badge_no="XH001", name="赵敏", wechat_userid="zhaomin"),
        leader=make.officer(Role.squad_leader, squad=squad, badge_no="XH002", name="钱队", wechat_userid="qiandui"),
        admin=make.officer(Role.district_admin, district=district, badge_no="XH900", name="孙管理"),
    )


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), LOCAL_TZ).replace(hour=hour)


def _csv(rows, encoding="utf-8") -> io.BytesIO:
    text = "\n".join(",".join(cells) for cells in [HEADER, *rows]) + "\n"
    return io.BytesIO(text.encode(encoding))


def _xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _upload(client, make, person, data, name):
    return client.post("/api/cases/import-file", headers=make.headers(person),
                       data={"file": (data, name)}, content_type="multipart/form-data")


def _flags(client, make, person, case_id):
    case = client.get(f"/api/cases/{case_id}", headers=make.headers(person)).json
    return {flag["kind_name"]: flag["day"] for flag in case["flags"]}


def test_csv_import_flags_the_two_overdues_and_two_arbitraries(client, make, people):
    rows = [
        ["XH-2026-001", "天平中队", "XH001", "2026-03-01", "2026-03-25", "", "", "", "", "", "", ""],
        [
            "XH-2026-002",
            "天平中队",
            "XH001",
            "2026-03-01",
            "2026-03-02",
            "2026-04-10",
            "",
            "",
            "",
            "2026-04-20",
            "当事人申辩成立",
            "",
        ],
        ["XH-2026-003", "天平中队", "XH001", "2026-03-01", "", "", "2026-03-05", "", "", "", "", ""],
        ["XH-2026-004", "天平中队", "XH001", "2026-03-01", "2026-03-03", "2026-03-20", "", "", "", "", "", ""],
        [
            "XH-2026-005",
            "天平中队",
            "XH001",
            "2026-03-01",
            "2026-03-02",
            "",
            "2026-03-06",
            "证据不足",
            "孙局",
            "",
            "",
            "",
        ],
    ]
    with time_machine.travel(_at("2026-04-30"), tick=False):
        response = _upload(client, make, people["admin"], _csv(rows, "gb18030"), "cases.csv")
    assert response.status_code == 200, response.json
    assert response.json == {"created": 5, "updated": 0, "unchanged": 0, "flags": {
        "registration_overdue": 1, "arbitrary_revocation": 1, "arbitrary_withdrawal": 1}}
    ids = {c["number"]: c["id"] for c in client.get("/api/cases", headers=make.headers(people["admin"])).json}
    assert _flags(client, make, people["admin"], ids["XH-2026-001"]) == {"立案超期": "2026-03-17"}
    assert _flags(client, make, people["admin"], ids["XH-2026-002"]) == {"随意撤销处罚": "2026-04-20"}
    assert _flags(client, make, people["admin"], ids["XH-2026-003"]) == {"随意撤案": "2026-03-05"}
    assert _flags(client, make, people["admin"], ids["XH-2026-004"]) == {}
    assert _flags(client, make, people["admin"], ids["XH-2026-005"]) == {}

    report = client.get("/api/cases/reports/monthly?month=2026-03", headers=make.headers(people["leader"])).json
    assert report == [{"month": "2026-03", "squad_id": people["squad"].id, "name": "天平中队", "registered": 4,
                       "closed": 1, "registration_overdue": 1, "handling_overdue": 0, "arbitrary_withdrawal": 1,
                       "arbitrary_revocation": 0}]
    facts = {row.officer_id: row for row in daily_case_facts(date(2026, 3, 5))}
    assert facts[people["officer"].id].arbitrary_withdrawals == 1

    # the case system later records who approved the revocation: the flag goes away
    rows[1][11] = "孙局"
    with time_machine.travel(_at("2026-05-02"), tick=False):
        again = _upload(client, make, people["admin"], _csv(rows), "cases.csv").json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 4)
    assert _flags(client, make, people["admin"], ids["XH-2026-002"]) == {}


def test_excel_import_lists_every_bad_row_and_writes_nothing(client, make, people):
    rows = [
        ["XH-1", "天平中队", "XH001", date(2026, 3, 1), date(2026, 3, 2), None],
        ["XH-1", "天平中队", "XH001", date(2026, 3, 1), None, None],  # duplicate number
        ["XH-2", "天平中队", "XH001", date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 4)],  # closed before registered
        ["XH-3", "天平中队", "NOBODY", "2026-03-01", None, None],  # unknown officer
        ["XH-4", "枫林中队", "XH001", "2026-13-01", None, None],  # unknown squad, bad date
    ]
    response = _upload(client, make, people["admin"], _xlsx(rows), "cases.xlsx")
    assert response.status_code == 422
    assert response.json["error"] == "case_import_invalid"
    assert "4 行有错误" in response.json["message"]
    errors = response.json["errors"]["rows"]
    assert set(errors) == {"3", "4", "5", "6"}
    assert errors["3"]["number"] == ["案件编号与第 2 行重复。"]
    assert errors["4"]["closed_on"] == ["结案日期早于立案日期。"]
    assert errors["5"]["officer_badge_no"] == ["本区局没有这个工号的人员。"]
    assert errors["6"]["squad"] == ["本区局没有这个中队。"]
    assert errors["6"]["discovered_on"] == ["应为日期，如 2026-01-31。"]
    assert session.scalar(select(func.count(Case.id))) == 0


def test_file_problems_are_refused_with_codes(client, make, people):
    admin = people["admin"]
    missing = _upload(client, make, admin, io.BytesIO("案件编号,中队\nA,B\n".encode()), "cases.csv")
    assert (missing.status_code, missing.json["error"]) == (422, "case_file_columns_missing")
    assert "承办人工号" in missing.json["message"]
    unreadable = _upload(client, make, admin, io.BytesIO(b"PK\x03\x04 not really"), "cases.xlsx")
    assert unreadable.json["error"] == "not_an_excel_file"
    assert _upload(client, make, admin, io.BytesIO(b"x"), "cases.pdf").json["error"] == "case_file_type"
    officer_try = _upload(client, make, people["officer"], _csv([]), "cases.csv")
    assert officer_try.status_code == 403


def test_json_import_updates_by_number_and_names_bad_items_by_index(client, make, people):
    admin = people["admin"]
    case = {"number": "XH-J-1", "squad": "天平中队", "officer_badge_no": "XH001", "discovered_on": "2026-03-01"}
    with time_machine.travel(_at("2026-03-05"), tick=False):
        first = client.post("/api/cases/import", headers=make.headers(admin), json={"cases": [case]})
        assert first.json == {"created": 1, "updated": 0, "unchanged": 0, "flags": {}}
        bad = client.post("/api/cases/import", headers=make.headers(admin), json={"cases": [
            {**case, "registered_on": "2026-03-04"},
            {**case, "number": "XH-J-2", "registered_on": "2026-02-27"},
            {**case, "number": "XH-J-3", "discovered_on": "2026-04-01"},
        ]})
        assert bad.status_code == 422
        assert bad.json["errors"]["rows"] == {"1": {"registered_on": ["立案日期早于发现日期。"]},
                                              "2": {"discovered_on": ["不能晚于今天。"]}}
        updated = client.post("/api/cases/import", headers=make.headers(admin),
                              json={"cases": [{**case, "registered_on": "2026-03-04"}]})
    assert updated.json["updated"] == 1
    listed = client.get("/api/cases", headers=make.headers(admin)).json
    assert [(c["number"], c["registered_on"], c["handling_due_on"]) for c in listed] == [
        ("XH-J-1", "2026-03-04", "2026-06-02")
    ]


def test_other_district_cannot_claim_a_case_number(client, make, people):
    case = {"number": "XH-X-1", "squad": "天平中队", "officer_badge_no": "XH001", "discovered_on": "2026-03-01"}
    client.post("/api/cases/import", headers=make.headers(people["admin"]), json={"cases": [case]})
    other = make.officer(Role.district_admin, district=make.district())
    make.squad(other.district, name="天平中队")
    make.officer(squad=session.scalars(select(Case)).one().squad, badge_no="OTHER1")  # in 徐汇区, not theirs
    response = client.post("/api/cases/import", headers=make.headers(other), json={"cases": [
        {**case, "officer_badge_no": "OTHER1"}]})
    assert response.status_code == 422
    assert response.json["errors"]["rows"]["0"] == {"officer_badge_no": ["本区局没有这个工号的人员。"],
                                                    "number": ["该案件编号属于其他区局。"]}


def test_scope_district_squad_own(client, make, people):
    other_squad = make.squad(people["district"], name="枫林中队")
    make.officer(squad=other_squad, badge_no="XH050")
    cases = [{"number": f"XH-S-{n}", "squad": squad, "officer_badge_no": badge, "discovered_on": "2026-03-01"}
             for n, (squad, badge) in enumerate([("天平中队", "XH001"), ("天平中队", "XH002"), ("枫林中队", "XH050")])]
    client.post("/api/cases/import", headers=make.headers(people["admin"]), json={"cases": cases})

    def numbers(person):
        return sorted(c["number"] for c in client.get("/api/cases", headers=make.headers(person)).json)

    assert numbers(people["admin"]) == ["XH-S-0", "XH-S-1", "XH-S-2"]
    assert numbers(people["leader"]) == ["XH-S-0", "XH-S-1"]
    assert numbers(people["officer"]) == ["XH-S-0"]
    other_case = session.scalar(select(Case.id).where(Case.number == "XH-S-2"))
    assert client.get(f"/api/cases/{other_case}", headers=make.headers(people["leader"])).status_code == 404


def test_case_goes_overdue_on_a_frozen_clock(client, make, people, fake_wechat):
    admin = people["admin"]
    case = {"number": "XH-T-1", "squad": "天平中队", "officer_badge_no": "XH001", "discovered_on": "2026-03-01"}
    with time_machine.travel(_at("2026-03-02"), tick=False):
        assert client.post("/api/cases/import", headers=make.headers(admin), json={"cases": [case]}).status_code == 200
    case_id = session.scalar(select(Case.id).where(Case.number == "XH-T-1"))

    def titles(userid):
        deliver()
        return [(m["textcard"]["title"], m["textcard"]["description"]) for m in fake_wechat.messages_to(userid)]

    assert warn_case_deadlines(now=_at("2026-03-12")) == {"warnings": 0, "flags": 0}  # due 03-16, warned from 03-13
    assert warn_case_deadlines(now=_at("2026-03-13", 9)) == {"warnings": 1, "flags": 0}
    assert warn_case_deadlines(now=_at("2026-03-13", 10)) == {"warnings": 0, "flags": 0}
    for userid in ("zhaomin", "qiandui"):
        [(title, description)] = titles(userid)
        assert title == "案件立案即将超期"
        assert "XH-T-1" in description and "还剩 3 天" in description

    assert warn_case_deadlines(now=_at("2026-03-17", 8)) == {"warnings": 1, "flags": 1}
    assert warn_case_deadlines(now=_at("2026-03-17", 9)) == {"warnings": 0, "flags": 0}
    for userid in ("zhaomin", "qiandui"):
        assert [t for t, _ in titles(userid)] == ["案件立案即将超期", "案件立案超期预警"]
        assert "已过 1 天" in titles(userid)[-1][1]
    assert _flags(client, make, people["officer"], case_id) == {"立案超期": "2026-03-17"}
    [row] = daily_case_facts(date(2026, 3, 17))
    assert (row.officer_id, row.cases_closed, row.cases_overdue) == (people["officer"].id, 0, 1)

    with time_machine.travel(_at("2026-03-20"), tick=False):
        client.post("/api/cases/import", headers=make.headers(admin), json={"cases": [
            {**case, "registered_on": "2026-03-18", "closed_on": "2026-03-20"}]})
    assert warn_case_deadlines(now=_at("2026-03-20", 11)) == {"warnings": 0, "flags": 0}
    [row] = daily_case_facts(date(2026, 3, 20))
    assert (row.cases_closed, row.cases_overdue, row.arbitrary_withdrawals) == (1, 0, 0)
    assert _flags(client, make, people["officer"], case_id) == {"立案超期": "2026-03-17"}  # registered late stays


def test_handling_deadline_warnings_stop_when_the_case_is_withdrawn(client, make, people, fake_wechat):
    admin = people["admin"]
    cases = [{"number": n, "squad": "天平中队", "officer_badge_no": "XH001", "discovered_on": "2026-01-02",
              "registered_on": "2026-01-05"} for n in ("XH-H-1", "XH-H-2")]
    with time_machine.travel(_at("2026-01-06"), tick=False):
        client.post("/api/cases/import", headers=make.headers(admin), json={"cases": cases})
        client.post(
            "/api/cases/import",
            headers=make.headers(admin),
            json={
                "cases": [
                    {
                        **cases[1],
                        "withdrawn_on": "2026-01-06",
                        "withdrawal_reason": "不属于管辖范围",
                        "withdrawal_approved_by": "孙局",
                    }
                ]
            },
        )
    # handling due 2026-04-05 (90 days after registration)
    assert warn_case_deadlines(now=_at("2026-04-01")) == {"warnings": 0, "flags": 0}
    assert warn_case_deadlines(now=_at("2026-04-02")) == {"warnings": 1, "flags": 0}
    assert warn_case_deadlines(now=_at("2026-04-06")) == {"warnings": 1, "flags": 1}
    deliver()
    titles = [
        (m["textcard"]["title"], "XH-H-1" in m["textcard"]["description"]) for m in fake_wechat.messages_to("qiandui")
    ]
    assert titles == [("案件办案即将超期", True), ("案件办案超期预警", True)]
    [row] = daily_case_facts(date(2026, 4, 6))
    assert row.cases_overdue == 1
