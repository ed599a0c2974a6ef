"""Issued PDFs live in file storage (swept with every stored file), and migration 0093 moved those once kept in a
database column there without losing one; downgrading reads them back."""
from __future__ import annotations

import hashlib

from alembic import command
from sqlalchemy import create_engine, text

from backend.migrate import alembic_config
from backend.storage import LocalStorage, get_storage
from tests.nonsite.platform import alert, camera, send, to_notice, triage_to_case

PDF = b"%PDF-1.4\n% an issued notice\n%%EOF\n"
AT = "'2026-11-02 02:00:00.000000'"
PARENTS = (  # a case of a camera's alert, as the schema of 0092 has them
    "insert into district (id, code, name) values (1, 'JA', '静安')",
    "insert into squad (id, district_id, name, active) values (1, 1, '一中队', 1)",
    f"insert into officer (id, badge_no, name, role, district_id, squad_id, active, created_at, updated_at) values"
    f" (1, 'CAM-1', '摄像头', 'officer', 1, 1, 0, {AT}, {AT})",
    f"insert into nonsite_camera (id, code, name, sender, place, lat, lng, kinds, squad_id, officer_id, created_at)"
    f" values (1, 'C1', '路口', 'vision', '路口', 31.2, 121.4, '[]', 1, 1, {AT})",
    f"insert into nonsite_alert (id, sender, alert_id, body_sha256, camera_id, squad_id, kind, occurred_at,"
    f" last_seen_at, place, confidence, received_at) values (1, 'vision', 'A1', '0', 1, 1, 'muck_uncovered', {AT},"
    f" {AT}, '路口', 0.9, {AT})",
    f"insert into nonsite_case (id, alert_id, squad_id, state, opened_by, opened_at) values"
    f" (1, 1, 1, 'notice_sent', 1, {AT})",
)


def old_case(tmp_path, revision: str):
    """A SQLite database migrated up to `revision` that holds one camera alert's case (PARENTS):
    (its Alembic config, its engine)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in PARENTS:
            conn.execute(text(statement))
    return config, engine


def test_a_new_documents_pdf_is_in_file_storage_not_in_the_database(client, make, squad, leader, reviewer):
    cam = camera(client, make, squad)
    case_id = triage_to_case(client, make, leader, send(client, alert(cam["code"])).json)
    notice = to_notice(client, make, leader, reviewer, case_id)["documents"][0]
    stored = get_storage().get(f"nonsite/documents/{notice['pdf_sha256']}.pdf")
    assert hashlib.sha256(stored).hexdigest() == notice["pdf_sha256"]
    served = client.get(f"/api/nonsite/documents/{notice['id']}/pdf", headers=make.headers(leader))
    assert served.data == stored


def test_migration_0093_moves_the_column_pdfs_into_storage_and_back(tmp_path, monkeypatch):
    files = tmp_path / "files"
    monkeypatch.setenv("FILES_DIR", str(files))
    monkeypatch.delenv("STORAGE_S3_BUCKET", raising=False)
    config, engine = old_case(tmp_path, "0092")
    digest = hashlib.sha256(PDF).hexdigest()
    with engine.begin() as conn:
        conn.execute(text(
            "insert into nonsite_document (id, case_id, kind, number, content, sha256, pdf, pdf_sha256, created_at,"
            " channel) values (1, 1, 'notice', 'N1', '{}', :s, :pdf, :d, '2026-11-02 02:00:00.000000', 'suishenban'),"
            " (2, 1, 'notice', 'N0', '{}', :s, NULL, NULL, '2025-01-02 02:00:00.000000', 'suishenban')"),
            {"s": "0" * 64, "pdf": PDF, "d": digest})
    command.upgrade(config, "0093")
    with engine.connect() as conn:
        rows = conn.execute(text("select id, pdf_key from nonsite_document order by id")).all()
        columns = {row[1] for row in conn.execute(text("pragma table_info(nonsite_document)"))}
    assert rows == [(1, f"nonsite/documents/{digest}.pdf"), (2, None)]  # the one without a PDF kept too
    assert "pdf" not in columns and LocalStorage(str(files)).get(rows[0][1]) == PDF
    command.downgrade(config, "0092")
    with engine.connect() as conn:
        assert conn.execute(text("select pdf from nonsite_document where id = 1")).scalar_one() == PDF
    engine.dispose()
