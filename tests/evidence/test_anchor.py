"""Evidence chains that survive a database administrator (issue 15 §4): the custody log is chained, a signed tree
head of every chain is anchored on write-once storage outside the database, and each attack a database
administrator can make with plain SQL is named by `flask evidence verify` and /api/evidence/chains."""
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from botocore.exceptions import ClientError
from sqlalchemy import delete, select, text, update

from backend.config import ROOT
from backend.db import Base, session
from backend.errors import ServiceUnavailable
from backend.evidence.anchor import TreeHead, anchor_chains, latest_tree_head, merkle_root
from backend.evidence.jobs import verify_chains
from backend.evidence.models import ChainCheckpoint, CustodyEntry, Evidence
from backend.migrate import alembic_config
from backend.org.models import Role
from backend.outbox import deliver
from backend.scheduler import JOBS, SUCCEEDED, run_job
from backend.storage import S3Storage
from tests.evidence.helpers import unique_jpeg, upload
from tests.media.test_storage import s3_endpoint  # noqa: F401  (the moto server fixture)

ANCHOR_JOB = {job.id: job for job in JOBS}["evidence.anchor_chains"]


@pytest.fixture
def anchors(app, tmp_path, monkeypatch):
    """A tree-head file of this test's own (chains of other tests' rolled-back data are not in it)."""
    path = tmp_path / "evidence-tree-heads.jsonl"
    monkeypatch.setitem(app.config, "EVIDENCE_ANCHOR_FILE", str(path))
    return path


@pytest.fixture
def officer(make):
    return make.officer(badge_no=f"A{os.urandom(3).hex()}")


def _records(client, make, officer, count: int) -> list[int]:
    headers = make.headers(officer)
    return [upload(client, headers, unique_jpeg()).json["id"] for _ in range(count)]


def _views(client, make, officer, evidence_id: int, count: int) -> None:
    """The district's administrator opens the original `count` times (each logged)."""
    admin = make.officer(Role.district_admin, district=officer.district)
    for _ in range(count):
        assert client.get(f"/api/evidence/{evidence_id}/original", headers=make.headers(admin)).status_code == 200


def _rows(model, officer):
    table = model.__table__
    if model is CustodyEntry:
        owned = select(Evidence.__table__.c.id).where(Evidence.__table__.c.officer_id == officer.id)
        return table, table.c.evidence_id.in_(owned)
    return table, table.c.officer_id == officer.id


def _verify(app, client, make, officer):
    """What the operator's command prints (and its exit code) and what the endpoint answers for `officer`."""
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    admin = make.officer(Role.district_admin, district=officer.district)
    reports = client.get("/api/evidence/chains", headers=make.headers(admin)).json
    [report] = [report for report in reports if report["officer_id"] == officer.id]
    return result, report


def _assert_named(app, client, make, officer, log, seq, problem):
    result, report = _verify(app, client, make, officer)
    assert result.exit_code == 1, result.output
    assert f"执法证号 {officer.badge_no} 的{log}第 {seq} 条" in result.output and f"（{problem}）" in result.output
    assert (report["intact"], report["broken_seq"], report["problem"]) == (False, seq, problem)
    return report


def test_custody_entries_form_a_chain_of_the_evidence_officer(app, client, make, officer, anchors):
    first, second = _records(client, make, officer, 2)
    _views(client, make, officer, first, 2)
    _views(client, make, officer, second, 1)
    entries = session.scalars(select(CustodyEntry).join(Evidence).where(Evidence.officer_id == officer.id)
                              .order_by(CustodyEntry.seq)).all()
    assert [entry.seq for entry in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert [entry.prev_hash for entry in entries[1:]] == [entry.entry_hash for entry in entries[:2]]
    result, report = _verify(app, client, make, officer)
    assert result.exit_code == 0, result.output
    assert (report["records"], report["custody_entries"], report["intact"]) == (2, 3, True)


def test_the_tree_head_is_signed_and_anchored_only_when_the_chains_grew(app, client, make, officer, anchors):
    _records(client, make, officer, 2)
    assert anchor_chains()["written"] == 1
    assert anchor_chains()["written"] == 0  # nothing new
    _records(client, make, officer, 1)
    assert anchor_chains()["written"] == 1
    first, second = (json.loads(line) for line in anchors.read_bytes().splitlines())
    assert second["previous"] == hashlib.sha256(anchors.read_bytes().splitlines()[0]).hexdigest()
    assert second["tree_size"] == 1 and second["chains"][0][:2] == [officer.id, 3]
    assert second["root_hash"] == merkle_root([":".join(map(str, second["chains"][0])).encode()])
    assert second["signature"] and second["key_id"] == first["key_id"]
    _, report = _verify(app, client, make, officer)
    assert (report["intact"], report["anchored_records"]) == (True, 3)


def test_a_whole_chain_deleted_with_its_checkpoint_is_named(app, client, make, officer, anchors):
    """Attack (a)."""
    ids = _records(client, make, officer, 3)
    _views(client, make, officer, ids[0], 1)
    anchor_chains()
    for model in (CustodyEntry, Evidence, ChainCheckpoint):  # what the administrator runs
        table, owned = _rows(model, officer)
        session.execute(delete(table).where(owned))
    report = _assert_named(app, client, make, officer, "证据链", 1, "chain_deleted")
    assert "整条证据链连同检查点被删除（已锚定的树头记有 3 条记录）" in report["message"]
    # The next tree head keeps the anchored chain: the deletion stays reported.
    assert anchor_chains()["kept"] == 1
    _assert_named(app, client, make, officer, "证据链", 1, "chain_deleted")


def test_a_whole_chain_deleted_with_the_officer_is_named_by_id(app, client, make, officer, anchors, fake_wechat):
    """Attack (a), going as far as the officer's own row and every row that refers to it."""
    admin = make.officer(Role.district_admin, district=officer.district, wechat_userid=f"admin-{officer.id}")
    _records(client, make, officer, 2)
    anchor_chains()
    for model in (CustodyEntry, Evidence, ChainCheckpoint):
        table, owned = _rows(model, officer)
        session.execute(delete(table).where(owned))
    for table in reversed(Base.metadata.sorted_tables):
        for key in table.foreign_keys:
            if key.column.table.name == "officer":
                session.execute(delete(table).where(key.parent == officer.id))
    session.execute(text("delete from officer where id = :id"), {"id": officer.id})
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"执法证号 #{officer.id}（人员记录也已删除） 的证据链第 1 条：整条证据链连同检查点被删除" in result.output
    assert verify_chains()["broken"] == 1
    deliver()
    [card] = fake_wechat.messages_to(admin.wechat_userid)
    assert f"#{officer.id}（人员记录也已删除）" in card["textcard"]["description"]


def test_newest_records_deleted_and_an_older_checkpoint_restored_is_named(app, client, make, officer, anchors):
    """Attack (b)."""
    ids = _records(client, make, officer, 3)
    older = session.get(ChainCheckpoint, officer.id, populate_existing=True)
    saved = {"seq": older.seq, "head_hash": older.head_hash, "mac": older.mac}
    ids += _records(client, make, officer, 2)
    anchor_chains()
    table, owned = _rows(Evidence, officer)
    session.execute(delete(table).where(table.c.id.in_(ids[3:])))
    checkpoints, owned = _rows(ChainCheckpoint, officer)
    session.execute(update(checkpoints).where(owned).values(**saved))  # a genuine checkpoint, signed earlier
    report = _assert_named(app, client, make, officer, "证据链", 4, "chain_rolled_back")
    assert "最新的第 4 至 5 条记录被删除，检查点被换回旧的" in report["message"]


def test_deleted_or_edited_custody_entries_are_named(app, client, make, officer, anchors):
    """Attack (c): entries deleted in the middle or at the end, or edited."""
    [evidence_id] = _records(client, make, officer, 1)
    _views(client, make, officer, evidence_id, 4)
    anchor_chains()
    table, owned = _rows(CustodyEntry, officer)
    session.execute(delete(table).where(owned, table.c.seq == 4))
    report = _assert_named(app, client, make, officer, "保管日志", 4, "custody_missing")
    assert "最新的保管日志被删除（已锚定的树头记到第 4 条，现只到第 3 条）" in report["message"]
    session.execute(delete(table).where(owned, table.c.seq == 2))
    _assert_named(app, client, make, officer, "保管日志", 2, "custody_missing")
    session.execute(update(table).where(owned, table.c.seq == 1).values(reason="改写的理由"))
    _assert_named(app, client, make, officer, "保管日志", 1, "custody_altered")


def test_custody_entries_cannot_be_changed_through_the_orm(client, make, officer, anchors):
    [evidence_id] = _records(client, make, officer, 1)
    _views(client, make, officer, evidence_id, 1)
    entry = session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)).one()
    entry.reason = "别的理由"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()


def test_the_local_tree_head_file_is_only_appended_to_and_checked_head_by_head(app, client, make, officer, anchors):
    _records(client, make, officer, 1)
    anchor_chains()
    first = anchors.read_bytes()
    _records(client, make, officer, 1)
    anchor_chains()
    assert anchors.read_bytes().startswith(first)  # appended, never rewritten
    genuine = latest_tree_head()

    # Someone with the file appends a head of their own making: passed over, and reported.
    forged = json.loads(anchors.read_bytes().splitlines()[-1])
    forged["chains"] = []
    forged["tree_size"], forged["root_hash"] = 0, merkle_root([])
    with open(anchors, "ab") as file:
        file.write(json.dumps(forged, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    assert latest_tree_head() == genuine
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert "第 3 个树头不是本系统签发的（签名无效）（tree_head_forged）" in result.output

    # Someone deletes the first head from the file: the second no longer links to what comes before it.
    lines = anchors.read_bytes().splitlines(keepends=True)
    anchors.write_bytes(b"".join(lines[1:2]))
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert "第 1 个树头" in result.output and "之前的树头缺失或被替换（tree_head_missing）" in result.output


def test_an_older_tree_head_appended_again_is_reported_by_the_nightly_check(app, client, make, officer, anchors,
                                                                          fake_wechat):
    """Whoever can append to the file (or put objects in the bucket) could replay an older genuine head."""
    admin = make.officer(Role.district_admin, district=officer.district, wechat_userid=f"admin-{officer.id}")
    _records(client, make, officer, 1)
    anchor_chains()
    _records(client, make, officer, 1)
    anchor_chains()
    with open(anchors, "ab") as file:
        file.write(anchors.read_bytes().splitlines(keepends=True)[0])
    summary = verify_chains()
    assert summary["tree_head_findings"] == 2 and summary["notified"] >= 1
    deliver()
    [card] = fake_wechat.messages_to(admin.wechat_userid)
    assert (
        "第 3 个树头" in card["textcard"]["description"] and "之前的树头缺失或被替换" in card["textcard"]["description"]
    )
    assert "第 3 个树头（" in app.test_cli_runner().invoke(args=["evidence", "verify"]).output


def test_a_later_tree_head_must_hold_every_chain_of_an_earlier_one(app, client, make, officer, anchors):
    """A head dropping a chain is reported even when it is signed (a leaked key, or a writer gone wrong)."""
    _records(client, make, officer, 2)
    anchor_chains()
    earlier = latest_tree_head()
    from backend.evidence.anchor import _signed  # the server's own signing, as a leaked key would allow

    with open(anchors, "ab") as file:
        file.write(_signed({}, earlier).to_bytes() + b"\n")
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert (
        "第 2 个树头（" in result.output
        and f"丢了人员 #{officer.id} 的证据链（tree_head_inconsistent）" in result.output
    )


def _anchor_bucket(app, monkeypatch, endpoint: str, name: str, object_lock: bool = True) -> S3Storage:
    settings = {"EVIDENCE_ANCHOR_S3_BUCKET": name, "STORAGE_S3_ENDPOINT_URL": endpoint,
                "STORAGE_S3_REGION": "us-east-1", "STORAGE_S3_ACCESS_KEY_ID": "test",
                "STORAGE_S3_SECRET_ACCESS_KEY": "test"}
    for setting, value in settings.items():
        monkeypatch.setitem(app.config, setting, value)
    bucket = S3Storage(name, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test")
    bucket.client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
    return bucket


def test_tree_heads_in_an_object_lock_bucket_can_be_neither_deleted_nor_replaced(
        app, client, make, officer, s3_endpoint, monkeypatch):  # noqa: F811  (s3_endpoint: the fixture)
    bucket = _anchor_bucket(app, monkeypatch, s3_endpoint, f"anchors-{os.urandom(4).hex()}")
    _records(client, make, officer, 2)
    assert anchor_chains()["written"] == 1
    [version] = bucket.client.list_object_versions(Bucket=bucket.bucket)["Versions"]
    key, version_id = version["Key"], version["VersionId"]
    locked = bucket.client.head_object(Bucket=bucket.bucket, Key=key, VersionId=version_id)
    assert locked["ObjectLockMode"] == "COMPLIANCE"
    assert locked["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=3649)

    # Someone with the bucket's keys: the locked tree head cannot be deleted ...
    with pytest.raises(ClientError) as refused:
        bucket.client.delete_object(Bucket=bucket.bucket, Key=key, VersionId=version_id)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # ... and a version put over it or a delete marker hiding it changes nothing.
    bucket.client.put_object(Bucket=bucket.bucket, Key=key, Body=b"{}")
    bucket.client.delete_object(Bucket=bucket.bucket, Key=key)
    assert latest_tree_head().chains[officer.id].records == 2

    for model in (CustodyEntry, Evidence, ChainCheckpoint):  # then the chain goes from the database
        table, owned = _rows(model, officer)
        session.execute(delete(table).where(owned))
    _assert_named(app, client, make, officer, "证据链", 1, "chain_deleted")


def test_a_bucket_without_object_lock_is_refused(app, client, make, officer, s3_endpoint, monkeypatch):  # noqa: F811
    _anchor_bucket(app, monkeypatch, s3_endpoint, f"no-lock-{os.urandom(4).hex()}", object_lock=False)
    _records(client, make, officer, 1)
    with pytest.raises(ServiceUnavailable) as refused:
        anchor_chains()
    assert refused.value.code == "object_lock_missing"


def test_the_operator_command_names_each_attack(committed_app, make, tmp_path, monkeypatch):
    """`flask evidence verify` as an operator runs it, in a process of its own, after three attacks in plain SQL."""
    key = "an-operator-set-key-" + "x" * 32
    anchor_file = tmp_path / "evidence-tree-heads.jsonl"
    monkeypatch.setitem(committed_app.config, "SECRET_KEY", key)
    monkeypatch.setitem(committed_app.config, "EVIDENCE_ANCHOR_FILE", str(anchor_file))
    deleted, rolled_back, watched = (make.officer(badge_no=f"P{os.urandom(3).hex()}") for _ in range(3))
    client = committed_app.test_client()
    _records(client, make, deleted, 2)
    rolled_ids = _records(client, make, rolled_back, 2)
    older = session.get(ChainCheckpoint, rolled_back.id)
    saved = {"seq": older.seq, "head_hash": older.head_hash, "mac": older.mac}
    rolled_ids += _records(client, make, rolled_back, 1)
    _views(client, make, watched, _records(client, make, watched, 1)[0], 3)
    assert run_job(committed_app, ANCHOR_JOB, None) == SUCCEEDED

    for model in (CustodyEntry, Evidence, ChainCheckpoint):  # (a)
        table, owned = _rows(model, deleted)
        session.execute(delete(table).where(owned))
    table, _ = _rows(Evidence, rolled_back)  # (b)
    session.execute(delete(table).where(table.c.id == rolled_ids[-1]))
    checkpoints, owned = _rows(ChainCheckpoint, rolled_back)
    session.execute(update(checkpoints).where(owned).values(**saved))
    table, owned = _rows(CustodyEntry, watched)  # (c)
    session.execute(delete(table).where(owned, table.c.seq == 2))
    session.commit()

    env = {**os.environ, "DATABASE_URL": committed_app.config["DATABASE_URL"], "SECRET_KEY": key,
           "FILES_DIR": committed_app.config["FILES_DIR"], "EVIDENCE_ANCHOR_FILE": str(anchor_file),
           "SCHEDULER_MODE": "off"}
    env.pop("EVIDENCE_ANCHOR_S3_BUCKET", None)
    verify = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "evidence", "verify"],
                            cwd=ROOT, env=env, capture_output=True, timeout=300)
    output = verify.stdout.decode()
    assert verify.returncode == 1, output + verify.stderr.decode()[-2000:]
    assert "已锚定的树头 1 个" in output
    assert f"执法证号 {deleted.badge_no} 的证据链第 1 条：整条证据链连同检查点被删除（已锚定的树头记有 2 条记录）" \
           "（chain_deleted）" in output
    assert f"执法证号 {rolled_back.badge_no} 的证据链第 3 条：最新的第 3 条记录被删除，检查点被换回旧的" \
           "（已锚定的树头记到第 3 条）（chain_rolled_back）" in output
    assert (
        f"执法证号 {watched.badge_no} 的保管日志第 2 条：保管日志缺失（第 2 条已被删除）（custody_missing）" in output
    )
    assert "共校验 3 条证据链，完好 0 条，异常 3 条" in output


def test_the_migration_links_the_custody_entries_logged_before_it(committed_app, make):
    officer = make.officer()
    client = committed_app.test_client()
    [evidence_id] = _records(client, make, officer, 1)
    _views(client, make, officer, evidence_id, 3)
    linked = select(CustodyEntry.id, CustodyEntry.seq, CustodyEntry.prev_hash, CustodyEntry.entry_hash) \
        .order_by(CustodyEntry.id)
    as_logged = session.execute(linked).all()
    session.remove()
    config = alembic_config(committed_app.config["DATABASE_URL"])
    command.downgrade(config, "0020-1")  # back to a custody log that was not chained
    command.upgrade(config, "head")
    assert session.execute(linked).all() == as_logged
    assert len(as_logged) == 3


def test_tree_heads_parse_only_as_written():
    with pytest.raises(ValueError):
        TreeHead.parse(b'{"tree_size": 0}')
