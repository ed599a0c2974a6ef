"""Migration 0230: city-wide papers, plans, credit requirements, drills and teachers (district NULL); one city-wide
requirement per year and category; a downgrade refuses while city-wide rows exist, and restores NOT NULL after.
Run on SQLite (batch mode), and on PostgreSQL too when the suite runs there (a database of its own beside the
test database)."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from backend.migrate import alembic_config
from tests.scratch_database import sqlite_and_postgresql

AT = "'2026-11-02 02:00:00'"
CITY_ROWS = {  # one city-wide row of each table the migration opens to the city
    "training_teacher": f"insert into training_teacher (name, created_at) values ('李教授', {AT})",
    "training_plan": f"insert into training_plan (year, title, created_at) values (2026, '全市必修', {AT})",
    "training_credit_requirement": "insert into training_credit_requirement (year, category, name, hours)"
                                   " values (2026, 'online', '在线网训', 60)",
    "training_paper": "insert into training_paper (title, mode, time_limit_minutes, max_attempts, pass_percent,"
                      f" shuffle, category, credit_hours, created_by_id, created_at) values ('全市考试', 'fixed', 30,"
                      f" 1, 60, true, 'online', 1, 1, {AT})",
    "training_drill": "insert into training_drill (title, kind, gesture_code, category, credit_hours, pass_score,"
                      f" created_by_id, created_at) values ('敬礼', 'gesture', 'salute', 'classroom', 1, 60, 1, {AT})",
}
CITY_TRAINER = ("insert into officer (id, badge_no, name, role, active, created_at, updated_at) values"
                f" (1, 'SH-0001', '市局培训', 'city_trainer', true, {AT}, {AT})")


url = sqlite_and_postgresql("m0230")


def test_city_wide_rows_hold_after_0230_and_a_downgrade_refuses_them(url):
    config = alembic_config(url)
    command.upgrade(config, "0230")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(CITY_TRAINER))
        for statement in CITY_ROWS.values():
            conn.execute(text(statement))
    with engine.begin() as conn, pytest.raises(IntegrityError):  # one city-wide requirement per year and category
        conn.execute(text(CITY_ROWS["training_credit_requirement"]))

    with pytest.raises(RuntimeError, match="training_teacher holds city-wide rows"):
        command.downgrade(config, "0190")
    with engine.begin() as conn:
        for table in CITY_ROWS:
            conn.execute(text(f"delete from {table}"))
    command.downgrade(config, "0190")
    for statement in CITY_ROWS.values():
        with engine.begin() as conn, pytest.raises(IntegrityError):  # NOT NULL again
            conn.execute(text(statement))
    engine.dispose()
