"""The hash chain: the tamper tests of issue 4, named by the verify command, the endpoint and the nightly job."""
import os
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from backend.db import session
from backend.evidence.jobs import verify_chains
from backend.evidence.models import ChainCheckpoint, Evidence
from backend.org.models import Role
from backend.outbox import deliver
from tests.evidence.helpers import unique_jpeg, upload


@pytest.fixture
def chain(client, make):
    """An officer with five pieces of evidence; returns (officer, records by seq)."""
    officer = make.officer(badge_no=f"C{os.urandom(3).hex()}")
    headers = make.headers(officer)
    for _ in range(5):
        assert upload(client, headers, unique_jpeg()).status_code == 201
    records = session.scalars(select(Evidence).where(Evidence.officer_id == officer.id).order_by(Evidence.seq)).all()
    return officer, {record.seq: record for record in records}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["evidence", "verify", *args])


def _endpoint(client, make, officer):
    admin = make.officer(Role.district_admin, district=officer.district)
    response = client.get("/api/evidence/chains", headers=make.headers(admin), query_string={"officer_id": officer.id})
    assert response.status_code == 200
    return response.json[0]


def _assert_named(app, client, make, officer, seq, problem):
    result = _cli(app, "--badge", officer.badge_no)
    assert result.exit_code == 1, result.output
    assert f"执法证号 {officer.badge_no} 的证据链第 {seq} 条" in result.output and problem in result.output
    report = _endpoint(client, make, officer)
    assert (report["intact"], report["broken_seq"], report["problem"]) == (False, seq, problem)


def test_records_link_to_their_predecessor(chain):
    _, records = chain
    assert records[1].prev_hash == "0" * 64
    assert all(records[seq].prev_hash == records[seq - 1].record_hash for seq in range(2, 6))


def test_intact_chain_verifies(app, client, make, chain):
    officer, _ = chain
    result = _cli(app, "--badge", officer.badge_no)
    assert result.exit_code == 0, result.output
    assert "共校验 1 条证据链，完好 1 条，异常 0 条" in result.output
    assert _endpoint(client, make, officer) == {"officer_id": officer.id, "badge_no": officer.badge_no, "records": 5,
                                                 "custody_entries": 0, "anchored_records": None, "intact": True,
                                                 "broken_seq": None, "problem": None, "message": None}


def test_flipping_one_byte_of_a_stored_original_is_detected(app, client, make, chain):
    officer, records = chain
    path = Path(app.config["FILES_DIR"]) / records[3].original_key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    _assert_named(app, client, make, officer, 3, "file_altered")
    # The altered original is no longer handed out either.
    response = client.get(f"/api/evidence/{records[3].id}/original", headers=make.headers(officer))
    assert (response.status_code, response.json["error"]) == (409, "evidence_file_altered")


def test_deleting_a_record_in_the_middle_is_detected(app, client, make, chain):
    officer, records = chain
    session.execute(delete(Evidence.__table__).where(Evidence.__table__.c.id == records[3].id))
    _assert_named(app, client, make, officer, 3, "record_missing")


def test_deleting_the_newest_record_is_detected(app, client, make, chain):
    officer, records = chain
    session.execute(delete(Evidence.__table__).where(Evidence.__table__.c.id == records[5].id))
    _assert_named(app, client, make, officer, 5, "head_truncated")


def test_deleting_the_newest_record_and_rewriting_the_checkpoint_without_the_key_is_detected(app, client, make, chain):
    officer, records = chain
    session.execute(delete(Evidence.__table__).where(Evidence.__table__.c.id == records[5].id))
    session.execute(update(ChainCheckpoint.__table__).where(ChainCheckpoint.__table__.c.officer_id == officer.id)
                    .values(seq=4, head_hash=records[4].record_hash))
    _assert_named(app, client, make, officer, 4, "checkpoint_forged")


def test_swapping_two_records_is_detected(app, client, make, chain):
    officer, records = chain
    table = Evidence.__table__
    for record_id, seq in ((records[2].id, -2), (records[3].id, 2), (records[2].id, 3)):
        session.execute(update(table).where(table.c.id == record_id).values(seq=seq))
    _assert_named(app, client, make, officer, 2, "record_altered")


def test_editing_a_field_of_a_record_is_detected(app, client, make, chain):
    officer, records = chain
    table = Evidence.__table__
    session.execute(update(table).where(table.c.id == records[4].id).values(place="别处"))
    _assert_named(app, client, make, officer, 4, "record_altered")


def test_records_cannot_be_changed_through_the_orm(chain):
    _, records = chain
    records[1].place = "别处"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()


def test_scope_of_the_verify_endpoint(client, make, chain):
    officer, _ = chain
    outsider = make.officer()
    assert client.get("/api/evidence/chains", headers=make.headers(outsider),
                      query_string={"officer_id": officer.id}).status_code == 404
    own = client.get("/api/evidence/chains", headers=make.headers(officer)).json
    assert [report["officer_id"] for report in own] == [officer.id]


def test_nightly_job_reports_a_break_to_the_district(app, client, make, chain, fake_wechat):
    officer, records = chain
    admin = make.officer(Role.district_admin, district=officer.district, wechat_userid=f"admin-{officer.id}")
    session.execute(delete(Evidence.__table__).where(Evidence.__table__.c.id == records[2].id))
    summary = verify_chains()
    assert summary["broken"] >= 1 and summary["notified"] >= 1
    deliver()
    [card] = fake_wechat.messages_to(admin.wechat_userid)
    assert card["textcard"]["title"] == "证据链校验发现异常"
    assert f"执法证号 {officer.badge_no} 的证据链第 2 条" in card["textcard"]["description"]


def test_verify_command_checks_every_chain_and_names_each_break(app, client, make, chain):
    broken_officer, records = chain
    intact_officer = make.officer()
    assert upload(client, make.headers(intact_officer), unique_jpeg()).status_code == 201
    session.execute(delete(Evidence.__table__).where(Evidence.__table__.c.id == records[4].id))
    result = _cli(app)
    assert result.exit_code == 1
    assert "共校验 2 条证据链，完好 1 条，异常 1 条" in result.output
    assert f"执法证号 {broken_officer.badge_no} 的证据链第 4 条" in result.output
    assert intact_officer.badge_no not in result.output
    assert "不存在" in _cli(app, "--badge", "NO-SUCH").output
