"""Migration 0150: an existing shop case gets the object its shop names (when exactly one has that name), and
the history of existing cases starts from what their columns kept."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from tests.nonsite.test_pdf_storage import AT, old_case


def test_migration_0150_links_shop_cases_and_starts_their_history(tmp_path):
    config, engine = old_case(tmp_path, "0130")
    with engine.begin() as conn:
        conn.execute(text("insert into inspection_object_kind (id, district_id, code, name, checklist) values"
                          " (1, 1, 'street_shop', '沿街商户', '[]')"))
        for object_id, name in ((1, '老王面馆'), (2, '全家'), (3, '全家')):
            conn.execute(text(
                "insert into inspection_object (id, district_id, kind_id, name, credit_code, licence_numbers, address,"
                f" squad_id, grade, created_at, updated_at) values (:id, 1, 1, :name, :code, '[]', '路口', 1, 'medium',"
                f" {AT}, {AT})"), {"id": object_id, "name": name, "code": f"91310106MA1FY{object_id:04d}X"})
        conn.execute(text("update nonsite_alert set shop = '老王面馆'"))
        conn.execute(text(
            f"update nonsite_case set submitted_by = 1, submitted_at = {AT}, reviewed_by = 1, reviewed_at = {AT},"
            " review_comment = '同意'"))
        conn.execute(text(
            "insert into nonsite_document (id, case_id, kind, number, content, sha256, created_at, channel)"
            f" values (1, 1, 'notice', 'N1', '{{}}', :s, {AT}, 'suishenban')"), {"s": "0" * 64})
    command.upgrade(config, "0150")
    with engine.connect() as conn:
        assert conn.execute(text("select object_id, object_match from nonsite_case")).one() == (1, "name")
        steps = conn.execute(text("select step, officer_id, approved, note from nonsite_case_step order by id")).all()
    assert steps == [("submitted", 1, None, None), ("reviewed", 1, 1, "同意")]
    command.downgrade(config, "0130")
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from sqlite_master where name = 'nonsite_case_step'")
                            ).scalar_one() == 0
    engine.dispose()
