"""Migration 0190 moves the photos kept in `inspection_photo` into their inspectors' evidence chains (after what is
there, the chain and its signed checkpoint intact) and downgrading puts the storage key back on each row."""
from __future__ import annotations

import hashlib

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from backend.evidence import chain
from backend.evidence.models import ChainCheckpoint, Evidence, Subject
from backend.migrate import alembic_config
from backend.storage import LocalStorage
from tests.photos import coffee, encode

AT = "'2026-11-02 02:00:00.000000'"
SECRET = "a-migration-test-secret-of-forty-bytes-0"
PARENTS = (  # an inspection with its object, plan and draw, as the schema of 0180 has them
    "insert into district (id, code, name) values (1, 'JA', '静安')",
    "insert into squad (id, district_id, name, active) values (1, 1, '一中队', 1)",
    f"insert into officer (id, badge_no, name, role, district_id, squad_id, active, created_at, updated_at) values"
    f" (1, 'JA-0001', '检查员', 'officer', 1, 1, 1, {AT}, {AT})",
    "insert into inspection_object_kind (id, district_id, code, name, checklist) values"
    " (1, 1, 'site', '建筑工地', '[]')",
    f"insert into inspection_object (id, district_id, kind_id, name, credit_code, licence_numbers, address, lat, lng,"
    f" squad_id, grade, created_at, updated_at) values (1, 1, 1, '一号工地', '91310000000000000X', '[]',"
    f" '南京西路 99 号', 31.2297, 121.4553, 1, 'medium', {AT}, {AT})",
    f"insert into inspection_plan (id, district_id, name, first_month, months, kind_ids, squad_ids, grades,"
    f" created_by_id, created_at) values (1, 1, '专项', '2026-10-01', 3, '[1]', '[1]', '[]', 1, {AT})",
    f"insert into inspection_draw (id, district_id, plan_id, seed, inputs, drawn_by_id, drawn_at) values"
    f" (1, 1, 1, 's', '{{}}', 1, {AT})",
    "insert into inspection (id, draw_id, object_id, squad_id, inspector_ids, status, due_on) values"
    " (1, 1, 1, 1, '[1]', 'due', '2026-12-31')",
)


def test_migration_0190_moves_the_photos_into_the_evidence_chain_and_back(tmp_path, monkeypatch, app):
    url, files = f"sqlite:///{tmp_path / 'old.db'}", tmp_path / "files"
    monkeypatch.setenv("FILES_DIR", str(files))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("STORAGE_S3_BUCKET", raising=False)
    config = alembic_config(url)
    command.upgrade(config, "0180")
    data = encode(coffee())
    digest = hashlib.sha256(data).hexdigest()
    LocalStorage(str(files)).put(f"inspections/{digest}.jpg", data, "image/jpeg")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in PARENTS:
            conn.execute(text(statement))
        conn.execute(text(
            "insert into inspection_photo (id, inspection_id, item, storage_key, sha256, mime, width, height,"
            f" taken_by_id, created_at) values (1, 1, '渣土覆盖', :key, :d, 'image/jpeg', 1, 1, 1, {AT}),"
            f" (2, 1, '围挡设置', :key, :d, 'image/jpeg', 1, 1, 1, {AT})"),
            {"key": f"inspections/{digest}.jpg", "d": digest})

    command.upgrade(config, "0190")
    with Session(engine) as db:
        records = db.scalars(select(Evidence).order_by(Evidence.seq)).all()
        assert [(r.seq, r.subject_type, r.subject_ref, r.officer_id, r.sha256) for r in records] == [
            (1, Subject.inspection, "1", 1, digest), (2, Subject.inspection, "1", 1, digest)]
        previous = chain.GENESIS
        for record in records:  # each linked after the one before, its hash over what is stored
            assert (record.prev_hash, chain.record_hash(record)) == (previous, record.record_hash)
            previous = record.record_hash
        assert LocalStorage(str(files)).get(records[0].original_key) == data
        assert LocalStorage(str(files)).get(records[0].watermarked_key)[:3] == b"\xff\xd8\xff"
        checkpoint = db.get(ChainCheckpoint, 1)
        assert (checkpoint.seq, checkpoint.head_hash) == (2, previous)
        monkeypatch.setitem(app.config, "SECRET_KEY", SECRET)
        with app.app_context():
            assert chain.checkpoint_mac_matches(1, checkpoint.seq, checkpoint.head_hash, checkpoint.mac)
        photos = db.execute(text("select id, evidence_id from inspection_photo order by id")).all()
        assert photos == [(1, records[0].id), (2, records[1].id)]
        ids = {r.id: r.original_key for r in records}

    command.downgrade(config, "0180")
    with engine.connect() as conn:
        rows = conn.execute(text("select id, storage_key, sha256, mime from inspection_photo order by id")).all()
    assert rows == [(1, ids[photos[0][1]], digest, "image/jpeg"), (2, ids[photos[1][1]], digest, "image/jpeg")]
    command.upgrade(config, "0190")  # up again: each row back to its record, none added to the chain
    with engine.connect() as conn:
        assert conn.execute(text("select id, evidence_id from inspection_photo order by id")).all() == photos
        assert conn.execute(text("select count(*) from evidence")).scalar_one() == 2
    engine.dispose()
