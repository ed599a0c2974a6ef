"""The positions intake: a fixed number of statements a batch (the shift lock, the read of the track around the
batch, the INSERT), and on PostgreSQL a copy of a batch committed while it waited for the lock is still seen
(answered as repeats, not a conflict)."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backend.db import session, utcnow
from backend.duty.models import Position
from backend.duty.positions import add_positions
from backend.org.models import Officer
from tests.races import postgresql_only, second_waits_for_first


def pings(start, count: int) -> list[dict]:
    return [{"client_id": uuid.uuid4().hex, "recorded_at": start + timedelta(seconds=30 * n),
             "lat": 31.2304 + n * 10 / 111195.0, "lng": 121.4737, "coord_system": "gcj02", "accuracy_m": 10}
            for n in range(count)]


def test_a_batch_is_the_lock_then_the_track_read_then_the_insert(make, statements):
    officer = make.officer()
    now = utcnow().replace(microsecond=0)
    shift = make.shift(officer, now - timedelta(hours=2), now + timedelta(hours=6))
    walk = pings(now - timedelta(minutes=30), 30)
    assert add_positions(officer, walk[:10] + walk[20:], now=now) == (20, 0)
    statements.clear()
    assert add_positions(officer, walk[10:20], now=now) == (10, 0)  # between stored pings: a step updated
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "WITH", "UPDATE"))]
    reads = [s for s in statements if s not in writes and not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
    # the locked shifts with their posts, then the stored track around the batch (read once the lock is held);
    # then one INSERT and the UPDATE of the stored ping after the batch
    assert len(reads) == 2, reads
    assert len(writes) == 2, writes
    steps = session.scalars(select(Position.step_m).where(Position.shift_id == shift.id)
                            .order_by(Position.recorded_at)).all()
    assert [round(m) for m in steps] == [0] + [10] * 29


def test_a_copy_committed_while_the_batch_waited_for_the_lock_is_seen(committed_app, make):
    postgresql_only(committed_app)
    officer = make.officer()
    now = utcnow().replace(microsecond=0)
    make.shift(officer, now - timedelta(hours=2), now + timedelta(hours=6))
    session.commit()
    batch = pings(now - timedelta(minutes=10), 10)

    def send(name):
        return add_positions(session.get(Officer, officer.id), batch, now=now)

    # the second copy waits for the shift lock, then finds the first's pings: repeats, not a conflict
    assert second_waits_for_first(committed_app, send) == {"first": (10, 0), "second": (0, 10)}
    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Position)) == 10
