"""Migration 0260: city-wide reference gestures (district NULL), one city gesture of a code; a district's gestures
stay as they were; a downgrade refuses while city gestures exist, and restores NOT NULL after. Run on SQLite (batch
mode), and on PostgreSQL too when the suite runs there (a database of its own beside the test database)."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from backend.migrate import alembic_config
from tests.scratch_database import sqlite_and_postgresql

AT = "'2026-11-02 02:00:00'"
TRAINER = ("insert into officer (id, badge_no, name, role, active, created_at, updated_at) values"
           f" (1, 'SH-0001', '市局培训', 'city_trainer', true, {AT}, {AT})")
JOINTS = '{"right_elbow": {"angle": 90, "tolerance": 20}}'


def gesture(district: str, code: str, name: str) -> str:
    return ("insert into training_gesture (district_id, code, name, joints, captured_from_photo, created_by_id,"
            f" created_at) values ({district}, '{code}', '{name}', '{JOINTS}', false, 1, {AT})")


url = sqlite_and_postgresql("m0260")


def test_city_gestures_hold_after_0260_and_a_downgrade_refuses_them(url):
    config = alembic_config(url)
    command.upgrade(config, "0250")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(TRAINER))
        conn.execute(text("insert into district (id, code, name) values (7, 'jingan', '静安区')"))
        conn.execute(text(gesture("7", "left_turn", "本区左转弯")))
    command.upgrade(config, "0260")
    with engine.begin() as conn:
        assert conn.execute(text("select district_id, name from training_gesture")).all() == [(7, "本区左转弯")]
        conn.execute(text(gesture("null", "left_turn", "全市左转弯")))  # the city may take a district's code
    with engine.begin() as conn, pytest.raises(IntegrityError):  # one city gesture of a code
        conn.execute(text(gesture("null", "left_turn", "又一个")))

    with pytest.raises(RuntimeError, match="training_gesture holds city-wide rows"):
        command.downgrade(config, "0250")
    with engine.begin() as conn:
        conn.execute(text("delete from training_gesture where district_id is null"))
    command.downgrade(config, "0250")
    with engine.begin() as conn, pytest.raises(IntegrityError):  # NOT NULL again
        conn.execute(text(gesture("null", "stop_left", "全市")))
    with engine.begin() as conn:
        assert conn.execute(text("select district_id, code from training_gesture")).all() == [(7, "left_turn")]
    engine.dispose()
