"""Offline sync: item-by-item answers, any order, and exactly-once under concurrent repeats."""
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import geo
from backend.db import session, utcnow
from backend.duty.models import DutyCheck, Position
from backend.org.models import Role
from tests.duty.helpers import north_of, refused_in_chinese


def _item(kind: str, at, lat=31.2304, lng=121.4737, **extra) -> dict:
    return {"kind": kind, "client_id": str(uuid.uuid4()), "client_at": at.isoformat(), "lat": lat, "lng": lng,
            "accuracy_m": 15, **extra}


def _officer_queue(shift, post) -> list[dict]:
    """A phone's offline queue: check-in, 98 positions walking north and back, check-out."""
    start = shift.starts_at
    queue = [_item("check_in", start + timedelta(minutes=2), shift_id=shift.id)]
    for i in range(98):
        metres = 5 * (i if i < 49 else 97 - i)
        queue.append(_item("position", start + timedelta(minutes=3 + i), lat=north_of(post.center_lat, metres)))
    queue.append(_item("check_out", shift.ends_at, shift_id=shift.id))
    return queue


def test_a_batch_is_answered_item_by_item_in_client_time_order(client, make):
    officer = make.officer()
    post = make.post(officer.squad)
    now = utcnow().replace(microsecond=0)
    shift = make.shift(officer, now - timedelta(hours=2), now - timedelta(minutes=5), post=post)
    check_in = _item("check_in", shift.starts_at + timedelta(minutes=1), shift_id=shift.id)
    check_out = _item("check_out", shift.ends_at, shift_id=shift.id)
    items = [
        check_out,  # listed before its check-in, recorded after it
        _item("position", shift.starts_at + timedelta(minutes=30)),
        _item("position", now + timedelta(hours=2)),  # the future
        _item("position", shift.starts_at + timedelta(minutes=40), lat=float("nan")),
        _item("position", now - timedelta(days=5)),  # older than the sync window
        _item("check_in", shift.starts_at, shift_id=9_999_999),
        {"kind": "teleport", "client_id": "x" * 10},
        check_in,
    ]
    response = client.post("/api/duty/sync", headers=make.headers(officer), json={"items": items})
    assert response.status_code == 200, response.json
    statuses = [(r["status"], r.get("code")) for r in response.json["results"]]
    assert statuses == [
        ("accepted", None), ("accepted", None), ("refused", "client_time_in_future"),
        ("refused", "validation_error"), ("refused", "client_time_too_old"), ("refused", "not_found"),
        ("refused", "validation_error"), ("accepted", None),
    ]
    assert all(r["message"] for r in response.json["results"] if r["status"] == "refused")
    again = client.post("/api/duty/sync", headers=make.headers(officer), json={"items": [check_in, check_out]})
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    assert client.get(f"/api/duty/shifts/{shift.id}", headers=make.headers(officer)).json["attended_minutes"] == 114
    flags = dict(
        session.execute(select(DutyCheck.kind, DutyCheck.late_sync).where(DutyCheck.shift_id == shift.id)).all()
    )
    assert {kind.value: late for kind, late in flags.items()} == {"check_in": True, "check_out": False}


def test_a_batch_over_the_limit_is_refused_whole(client, make):
    officer = make.officer()
    items = [_item("position", utcnow()) for _ in range(101)]
    response = client.post("/api/duty/sync", headers=make.headers(officer), json={"items": items})
    assert refused_in_chinese(response, 422, "batch_too_large") and "100" in response.json["message"]
    positions = [{key: value for key, value in item.items() if key != "kind"} for item in items]
    response = client.post("/api/duty/positions", headers=make.headers(officer), json={"positions": positions})
    assert refused_in_chinese(response, 422, "batch_too_large")
    assert session.scalar(select(func.count()).select_from(Position)) == 0


def _committed_count(app, model) -> int:
    with app.extensions["db_engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_a_thousand_items_sent_three_times_shuffled_from_concurrent_clients_are_recorded_once(committed_app, make):
    now = utcnow().replace(microsecond=0)
    leader = make.officer(Role.squad_leader)
    post = make.post(leader.squad, radius_m=300)
    phones = []
    for _ in range(10):
        officer = make.officer(squad=leader.squad)
        shift = make.shift(officer, now - timedelta(hours=3), now - timedelta(minutes=10), post=post,
                           duty_type="fixed_post")
        phones.append((make.headers(officer), shift, _officer_queue(shift, post)))
    session.commit()
    assert sum(len(queue) for _, _, queue in phones) == 1000

    rng = random.Random(20261123)
    sends = []
    for headers, _, queue in phones:
        for _ in range(3):
            sends.append((headers, rng.sample(queue, len(queue))))
    rng.shuffle(sends)

    def send(job):
        headers, items = job
        return committed_app.test_client().post("/api/duty/sync", headers=headers, json={"items": items})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, sends))
    assert [r.status_code for r in responses] == [200] * 30
    statuses = [item["status"] for r in responses for item in r.json["results"]]
    assert statuses.count("accepted") == 1000 and statuses.count("duplicate") == 2000, set(statuses)
    assert _committed_count(committed_app, DutyCheck) == 20
    assert _committed_count(committed_app, Position) == 980

    # Whatever order they arrived in, each track is the walk as it happened: 2 × 48 × 5 m, all inside.
    headers, shift, queue = phones[0]
    track = committed_app.test_client().get(f"/api/duty/shifts/{shift.id}/track", headers=headers).json
    assert track["positions"] == 98
    assert track["track_metres"] == pytest.approx(2 * 48 * 5, abs=1)
    assert track["inside_seconds"] == 97 * 60
    assert track["presence_ratio"] == round(97 * 60 / (170 * 60), 3)
    assert geo.GCJ02 == session.scalar(select(Position.coord_system).limit(1))


def test_racing_check_ins_of_one_shift_record_one_and_tell_the_others_it_is_done(committed_app, make):
    officer = make.officer()
    post = make.post(officer.squad)
    now = utcnow().replace(microsecond=0)
    shift = make.shift(officer, now - timedelta(minutes=5), now + timedelta(hours=2), post=post)
    headers = make.headers(officer)
    session.commit()

    def check_in(_):
        body = {"client_id": str(uuid.uuid4()), "shift_id": shift.id, "client_at": utcnow().isoformat(),
                "lat": post.center_lat, "lng": post.center_lng, "accuracy_m": 10}
        return committed_app.test_client().post("/api/duty/check-ins", headers=headers, json=body)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(check_in, range(12)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 11
    assert all(refused_in_chinese(r, 409, "already_checked_in") for r in responses if r.status_code == 409)
    assert _committed_count(committed_app, DutyCheck) == 1
