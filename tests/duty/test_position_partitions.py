"""A year of patrol positions: monthly partitions on PostgreSQL, created ahead, archived and dropped past the
retention; SQLite keeps one plain table. The clock is moved across a month's end (tests/clock.py)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from alembic import command
from psycopg import sql
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.dialects import postgresql

from backend import create_app
from backend.config import settings
from backend.db import LOCAL_TZ, session
from backend.domains import DOMAINS
from backend.duty import partitions
from backend.duty.models import Position, PositionArchive
from backend.duty.positions import add_positions
from backend.duty.queries import shift_track, track_summary
from backend.errors import Conflict
from backend.migrate import alembic_config
from backend.scheduler import SUCCEEDED, Runner
from tests.clock import Clock
from tests.scratch_database import scratch_postgresql


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def pings(start: datetime, count: int, *, every=timedelta(minutes=5)) -> list[dict]:
    """`count` pings walking north 10 m a step from `start`."""
    return [{"client_id": uuid.uuid4().hex, "recorded_at": start + every * n, "lat": 31.2304 + n * 10 / 111195.0,
             "lng": 121.4737, "coord_system": "gcj02", "accuracy_m": 10} for n in range(count)]


def partition_job():
    return next(job for domain in DOMAINS for job in domain.jobs if job.id == "duty.position_partitions")


def partition_of_each(shift) -> dict[str, int]:
    """How many of the shift's pings each partition holds (the physical table a row lives in)."""
    rows = session.execute(text("select tableoid::regclass::text, count(*) from duty_position where shift_id = :s "
                                "group by 1"), {"s": shift.id})
    return dict(rows.all())


def tables_read(stmt) -> set[str]:
    """The position tables PostgreSQL's plan for `stmt` reads."""
    compiled = stmt.compile(dialect=postgresql.dialect())
    with session.connection().connection.driver_connection.cursor() as cursor:
        cursor.execute(f"explain {compiled.string}", compiled.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(re.findall(r" on (duty_position_\w+)", plan))


def tables_scanned_by_the_generic_plan(shift) -> set[str]:
    """The position tables the track summary's generic plan (what a prepared statement runs after a few
    executions) reads for `shift`: those the run-time pruning leaves."""
    compiled = track_summary(shift).compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
    values = [compiled.params[name] for name in compiled.positiontup]
    with session.connection().connection.driver_connection.cursor() as cursor:
        cursor.execute("set local plan_cache_mode = force_generic_plan")
        cursor.execute(f"prepare track_summary as {compiled.string}")
        try:
            cursor.execute(sql.SQL("explain (analyze, costs off, timing off, summary off) execute track_summary({})")
                           .format(sql.SQL(", ").join(map(sql.Literal, values))))
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("deallocate track_summary")
    assert "Subplans Removed" in plan, plan
    return set(re.findall(r" on (duty_position_\w+)", plan))


@pytest.fixture
def on_postgresql(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("monthly partitions are PostgreSQL's; SQLite keeps one plain table")


def test_the_clock_crosses_a_month_end_the_next_partition_is_there_and_the_oldest_archived_then_dropped(
        app, make, own_storage, monkeypatch, on_postgresql):
    monkeypatch.setitem(app.config, "DUTY_POSITION_RETENTION_MONTHS", 2)  # this month and the one before
    monkeypatch.setitem(app.config, "DUTY_POSITION_MONTHS_AHEAD", 2)
    officer = make.officer()
    december = make.shift(officer, local(2029, 12, 10, 8), local(2029, 12, 10, 16))
    night = make.shift(officer, local(2030, 1, 31, 22), local(2030, 2, 1, 6))
    clock = Clock(2030, 1, 31, 23, 0)
    runner = Runner(app, [partition_job()], holder="only", clock=clock)

    assert runner.catch_up() == {"duty.position_partitions": [("2030-01", SUCCEEDED)]}
    assert {date(2030, 1, 1), date(2030, 2, 1), date(2030, 3, 1)} <= set(partitions.existing_months())
    assert date(2030, 4, 1) not in partitions.existing_months()
    partitions.create_partition(date(2029, 12, 1))  # a month of the past, kept by the retention until February
    assert add_positions(officer, pings(local(2029, 12, 10, 9), 30), now=local(2029, 12, 10, 12)) == (30, 0)

    # A batch spanning midnight of 31 January lands in both months; the track is one walk all the same.
    night_batch = pings(local(2030, 1, 31, 23, 40), 10)
    assert add_positions(officer, night_batch, now=local(2030, 2, 1, 0, 35)) == (10, 0)
    assert partition_of_each(night) == {"duty_position_p2030_01": 4, "duty_position_p2030_02": 6}
    assert shift_track(night)["positions"] == 10 and shift_track(night)["track_metres"] == 90

    # A shift's track summary reads its month's partition only.
    assert tables_read(track_summary(december)) == {"duty_position_p2029_12"}
    assert tables_read(track_summary(night)) == {"duty_position_p2030_01", "duty_position_p2030_02"}
    # So does the prepared statement's generic plan, which knows no values when planned: it prunes as it starts.
    assert tables_scanned_by_the_generic_plan(december) == {"duty_position_p2029_12"}

    session.commit()  # what the phones sent is committed before the job runs
    clock.advance(hours=1, minutes=30)  # 1 February 00:30, past the job's 00:05
    assert runner.catch_up() == {"duty.position_partitions": [("2030-02", SUCCEEDED)]}
    months = partitions.existing_months()
    assert date(2030, 4, 1) in months  # two months ahead of February
    assert date(2029, 12, 1) not in months and date(2030, 1, 1) in months  # retention: February and January

    archive = session.scalars(select(PositionArchive).where(PositionArchive.month == date(2029, 12, 1))).one()
    stored = own_storage.get(archive.storage_key)
    assert archive.storage_key == "duty/position-archives/2029-12/part-0001.csv.gz"
    assert hashlib.sha256(stored).hexdigest() == archive.sha256 and archive.bytes == len(stored)
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(stored).decode())))
    assert len(rows) == archive.rows == 30
    assert {row["shift_id"] for row in rows} == {str(december.id)}
    assert sorted(datetime.fromisoformat(row["recorded_at"]) for row in rows)[0] == local(2029, 12, 10, 9)
    assert session.scalar(select(func.count()).select_from(Position).where(Position.shift_id == december.id)) == 0
    assert shift_track(night)["positions"] == 10  # the months kept are untouched

    assert runner.catch_up() == {"duty.position_partitions": []}  # February is done


def test_a_position_no_month_partition_covers_lands_in_the_default_and_moves_when_its_month_is_made(
        app, make, on_postgresql):
    officer = make.officer()
    far = make.shift(officer, local(2031, 6, 1, 8), local(2031, 6, 1, 16))
    for month in [m for m in partitions.existing_months() if m >= date(2031, 6, 1)]:
        session.execute(text(f"drop table {partitions.partition_name(month)}"))
    assert add_positions(officer, pings(local(2031, 6, 1, 9), 3), now=local(2031, 6, 1, 10)) == (3, 0)
    assert partition_of_each(far) == {"duty_position_pdefault": 3}

    assert partitions.create_partition(date(2031, 6, 1)) is True
    assert partition_of_each(far) == {"duty_position_p2031_06": 3}
    assert shift_track(far)["positions"] == 3


def test_strays_in_the_default_partition_are_archived_past_the_retention_and_moved_in_when_kept(
        app, make, own_storage, monkeypatch, on_postgresql):
    monkeypatch.setitem(app.config, "DUTY_POSITION_RETENTION_MONTHS", 2)  # January 2030 and December 2029
    monkeypatch.setitem(app.config, "DUTY_POSITION_MONTHS_AHEAD", 1)
    officer = make.officer()
    october = make.shift(officer, local(2029, 10, 10, 8), local(2029, 10, 10, 16))
    december = make.shift(officer, local(2029, 12, 10, 8), local(2029, 12, 10, 16))
    for month in [m for m in partitions.existing_months() if date(2029, 10, 1) <= m <= date(2030, 2, 1)]:
        session.execute(text(f"drop table {partitions.partition_name(month)}"))
    # Pings of months no partition was made for (synced late, say): the default partition takes them.
    assert add_positions(officer, pings(local(2029, 10, 10, 9), 5), now=local(2029, 10, 10, 12)) == (5, 0)
    assert add_positions(officer, pings(local(2029, 12, 10, 9), 4), now=local(2029, 12, 10, 12)) == (4, 0)
    assert partition_of_each(october) == {"duty_position_pdefault": 5}
    assert partition_of_each(december) == {"duty_position_pdefault": 4}
    session.commit()

    clock = Clock(2030, 1, 1, 0, 30)
    runner = Runner(app, [partition_job()], holder="only", clock=clock)
    assert runner.catch_up() == {"duty.position_partitions": [("2030-01", SUCCEEDED)]}

    # October is past the retention: archived by month like a partition, then gone from the default partition.
    archive = session.scalars(select(PositionArchive).where(PositionArchive.month == date(2029, 10, 1))).one()
    assert archive.storage_key == "duty/position-archives/2029-10/part-0001.csv.gz" and archive.rows == 5
    stored = own_storage.get(archive.storage_key)
    assert hashlib.sha256(stored).hexdigest() == archive.sha256 and archive.bytes == len(stored)
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(stored).decode())))
    assert len(rows) == 5 and {row["shift_id"] for row in rows} == {str(october.id)}
    assert partition_of_each(october) == {}
    # December is kept: its partition is made and its pings moved in, to be archived with it in February.
    assert date(2029, 12, 1) in partitions.existing_months()
    assert partition_of_each(december) == {"duty_position_p2029_12": 4}
    assert session.scalar(text(f"select count(*) from {partitions.DEFAULT_PARTITION}")) == 0

    clock.advance(days=31)  # 1 February
    assert runner.catch_up() == {"duty.position_partitions": [("2030-02", SUCCEEDED)]}
    archive = session.scalars(select(PositionArchive).where(PositionArchive.month == date(2029, 12, 1))).one()
    assert archive.rows == 4 and partition_of_each(december) == {}


def test_an_archive_is_written_to_storage_from_a_file_not_held_in_memory(app, make, own_storage, monkeypatch,
                                                                         on_postgresql):
    """A month's export streams: its parts go through gzip into temporary files that storage reads in chunks."""
    monkeypatch.setattr(partitions, "ARCHIVE_PART_ROWS", 4)
    officer = make.officer()
    shift = make.shift(officer, local(2029, 11, 10, 8), local(2029, 11, 10, 16))
    partitions.create_partition(date(2029, 11, 1))
    assert add_positions(officer, pings(local(2029, 11, 10, 9), 10), now=local(2029, 11, 10, 12)) == (10, 0)
    put_bytes = []
    monkeypatch.setattr(own_storage, "put", lambda *args: put_bytes.append(args))
    assert partitions.archive_and_drop(date(2029, 11, 1)) == 10
    assert put_bytes == []  # nothing went to storage as bytes in memory
    archives = session.scalars(select(PositionArchive).where(PositionArchive.month == date(2029, 11, 1))
                               .order_by(PositionArchive.part)).all()
    assert [(a.part, a.rows) for a in archives] == [(1, 4), (2, 4), (3, 2)]
    ids = []
    for archive in archives:
        stored = own_storage.get(archive.storage_key)
        assert hashlib.sha256(stored).hexdigest() == archive.sha256 and archive.bytes == len(stored)
        ids += [int(row["id"]) for row in csv.DictReader(io.StringIO(gzip.decompress(stored).decode()))]
    assert ids == sorted(ids) and len(set(ids)) == 10
    assert session.scalar(select(func.count()).select_from(Position).where(Position.shift_id == shift.id)) == 0


def test_sqlite_keeps_one_table_and_a_batch_over_a_month_end_is_one_track(app, make):
    officer = make.officer()
    night = make.shift(officer, local(2030, 1, 31, 22), local(2030, 2, 1, 6))
    assert add_positions(officer, pings(local(2030, 1, 31, 23, 40), 10), now=local(2030, 2, 1, 0, 35)) == (10, 0)
    assert shift_track(night)["positions"] == 10 and shift_track(night)["track_metres"] == 90
    if not partitions.partitioned():
        assert partitions.maintain(date(2030, 2, 1)) == {"partitioned": False}


@pytest.mark.parametrize("name, value", [("DUTY_POSITION_RETENTION_MONTHS", 0),
                                         ("DUTY_POSITION_RETENTION_MONTHS", -3),
                                         ("DUTY_POSITION_MONTHS_AHEAD", 0)])
def test_a_retention_that_would_drop_the_current_month_is_refused_at_start(app, monkeypatch, tmp_path, name, value):
    with pytest.raises(ValueError, match=name) as refused:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k" * 64, name: value})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))
    monkeypatch.setitem(app.config, name, value)
    with pytest.raises(ValueError, match=name):
        settings()
    monkeypatch.setitem(app.config, name, 1)
    assert getattr(settings(), name) == 1


POSITION = ("insert into duty_position (client_id, officer_id, shift_id, source, recorded_at, received_at, late_sync,"
            " lat, lng, coord_system, accuracy_m, step_m, step_seconds, step_inside_seconds) values (:c, 1, 1,"
            " 'app', :at, :at, false, 31.23, 121.47, 'gcj02', 10, 5, 30, 0)")


def test_the_migration_keeps_every_position_of_the_plain_table_in_its_month(database_url, on_postgresql):
    with scratch_postgresql(database_url, "_convert") as url:
        command.upgrade(alembic_config(url), "0073")
        engine = create_engine(url)
        times = [local(2026, 10, 31, 23, 59), local(2026, 11, 1, 0, 1), local(2026, 11, 15, 12)]
        with engine.begin() as conn:
            conn.execute(text("insert into district (id, code, name) values (1, 'JA', '静安区')"))
            conn.execute(text("insert into squad (id, district_id, name, active) values (1, 1, '一中队', true)"))
            conn.execute(text("insert into officer (id, badge_no, name, role, district_id, squad_id, active,"
                              " created_at, updated_at) values (1, 'A1', '孙丽', 'officer', 1, 1, true, now(), now())"))
            conn.execute(text("insert into duty_shift (id, officer_id, squad_id, day, starts_at, ends_at,"
                              " scheduled_minutes, duty_type, attended_minutes, absent, missing_check_out, created_at)"
                              " values (1, 1, 1, '2026-10-31', :a, :b, 60, 'patrol', 0, false, false, now())"),
                         {"a": times[0], "b": times[-1]})
            conn.execute(text(POSITION), [{"c": f"p{n}", "at": at} for n, at in enumerate(times)])

        command.upgrade(alembic_config(url), "head")
        with engine.begin() as conn:
            kept = conn.execute(text("select tableoid::regclass::text, client_id from duty_position order by id")).all()
            assert kept == [("duty_position_p2026_10", "p0"), ("duty_position_p2026_11", "p1"),
                            ("duty_position_p2026_11", "p2")]
            conn.execute(text(POSITION), {"c": "p3", "at": local(2026, 11, 15, 12, 1)})  # the id sequence goes on
            assert conn.scalar(text("select max(id) from duty_position")) == 4

        command.downgrade(alembic_config(url), "0073")
        with engine.connect() as conn:
            assert conn.execute(text("select id, client_id from duty_position order by id")).all() == [
                (1, "p0"), (2, "p1"), (3, "p2"), (4, "p3")]
        engine.dispose()


def test_a_batch_arriving_around_stored_pings_makes_the_same_track_as_in_order(app, make):
    officer, other = make.officer(), make.officer()
    shift = make.shift(officer, local(2030, 1, 31, 22), local(2030, 2, 1, 6))
    make.shift(other, local(2030, 1, 31, 22), local(2030, 2, 1, 6))
    walk = pings(local(2030, 1, 31, 23, 40), 10)
    now = local(2030, 2, 1, 0, 35)
    assert add_positions(officer, walk[3:6], now=now) == (3, 0)  # the middle first, then around and repeated
    assert add_positions(officer, [walk[9], walk[0], walk[4], walk[7], walk[0]], now=now) == (3, 2)
    assert add_positions(officer, walk, now=now) == (4, 6)
    track = shift_track(shift)
    assert track["positions"] == 10 and track["track_metres"] == 90
    steps = session.execute(select(Position.step_m, Position.step_seconds).where(Position.shift_id == shift.id)
                            .order_by(Position.recorded_at)).all()
    assert [round(m) for m, _ in steps] == [0] + [10] * 9 and [s for _, s in steps] == [0] + [300] * 9

    with pytest.raises(Conflict) as taken:  # another officer's client id: refused, nothing of the batch stored
        add_positions(other, [walk[1] | {"client_id": uuid.uuid4().hex}, walk[2]], now=now)
    assert taken.value.code == "client_id_reused" and walk[2]["client_id"] in taken.value.message
    assert session.scalar(select(func.count()).select_from(Position).where(Position.officer_id == other.id)) == 0
