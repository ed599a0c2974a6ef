"""文号: documents issued at the same moment each get their own number, consecutive and without gaps, per
district, kind and year; migration 0094 starts each counter where the issued documents' numbers stopped."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from sqlalchemy import text

from backend.db import local_day, session
from backend.org.models import Role
from tests.nonsite.platform import KEYS, alert, camera, send, triage_to_case
from tests.nonsite.test_pdf_storage import AT, old_case

NUMBER = re.compile(r"^(.+城管非现告〔\d{4}〕)第(\d+)号$")


def test_notices_issued_at_once_get_distinct_consecutive_numbers(committed_app, make, monkeypatch):
    """Six reviewers' approvals landing together: every one succeeds (none a 500) with its own number."""
    monkeypatch.setitem(committed_app.config, "NONSITE_SENDER_KEYS", KEYS)
    squad = make.squad()
    leader = make.officer(Role.squad_leader, squad=squad)
    reviewer = make.officer(Role.legal_reviewer, district=squad.district)
    district = squad.district.name
    session.commit()
    client = committed_app.test_client()
    cam = camera(client, make, squad)
    session.commit()
    cases = []
    for plate in ("沪A10001", "沪A10002", "沪A10003", "沪A10004", "沪A10005", "沪A10006"):
        case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"], plate=plate)).json)
        submitted = client.post(f"/api/nonsite/cases/{case_id}/submit", headers=make.headers(leader), json={
            "facts": "违法事实", "legal_basis": "《上海市市容环境卫生管理条例》", "fine": 2000})
        assert submitted.status_code == 200, submitted.json
        cases.append(case_id)
    headers = make.headers(reviewer)

    def approve(case_id):
        return committed_app.test_client().post(f"/api/nonsite/cases/{case_id}/review", headers=headers,
                                                json={"approve": True, "comment": "同意"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(approve, cases))
    assert [answer.status_code for answer in answers] == [200] * 6, [answer.json for answer in answers]
    numbers = [NUMBER.match(answer.json["documents"][0]["number"]) for answer in answers]
    assert {found[1] for found in numbers} == {f"{district}城管非现告〔{local_day().year}〕"}
    assert sorted(int(found[2]) for found in numbers) == [1, 2, 3, 4, 5, 6]


def test_migration_0094_starts_each_counter_at_the_highest_number_issued(tmp_path):
    config, engine = old_case(tmp_path, "0093")
    with engine.begin() as conn:
        for row_id, (kind, number) in enumerate((
                ("notice", "静安城管非现告〔2026〕第1号"), ("notice", "静安城管非现告〔2026〕第2号"),
                ("notice", "静安城管非现告〔2025〕第7号"), ("decision", "静安城管非现罚〔2026〕第1号"),
                ("notice", "N1")), start=1):  # a number of another form counts for nothing
            conn.execute(text(
                "insert into nonsite_document (id, case_id, kind, number, content, sha256, created_at, channel)"
                f" values (:id, 1, :kind, :number, '{{}}', :s, {AT}, 'suishenban')"),
                {"id": row_id, "kind": kind, "number": number, "s": "0" * 64})
    command.upgrade(config, "0094")
    with engine.connect() as conn:
        counters = conn.execute(text("select district_id, kind, year, last from nonsite_document_counter"
                                     " order by kind, year")).all()
    assert counters == [(1, "decision", 2026, 1), (1, "notice", 2025, 7), (1, "notice", 2026, 2)]
    command.downgrade(config, "0093")
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from sqlite_master where name = 'nonsite_document_counter'"
                                 )).scalar_one() == 0
    engine.dispose()
