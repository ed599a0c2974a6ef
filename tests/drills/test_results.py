"""Drill results: credit hours, the daily facts for the points engine, and the live class's leaderboard."""
import io
from datetime import UTC, date, datetime, timedelta

import time_machine

from backend.org.models import Role
from backend.training.drills.queries import daily_drill_facts
from backend.training.live.classes import join_signature
from tests.drills.scenarios import STANDARD_PATH, drill_body
from tests.photos import astronaut, encode

START = datetime(2026, 5, 12, 1, 0, tzinfo=UTC)  # 09:00 on 12 May in Shanghai
DAY = date(2026, 5, 12)
SKIPPED = ["badge", "inform", "persuade", "skip_record"]  # 80 points: no evidence taken


def _post_drill(client, make, trainer, **kw):
    response = client.post("/api/training/drills", headers=make.headers(trainer, timedelta(hours=5)),
                           json=drill_body(**kw))
    assert response.status_code == 201
    return response.json["id"]


def test_drills_count_in_daily_facts_and_credit_hours_once(client, make, statements):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    keen, idle = make.officer(squad=squad), make.officer(squad=squad)
    with time_machine.travel(START, tick=False):
        drill = _post_drill(client, make, trainer, credit_hours="1.5", pass_score=90)
        gesture = client.post("/api/training/drills", headers=make.headers(trainer), json={
            "title": "敬礼", "kind": "gesture", "gesture_code": "salute", "category": "classroom",
            "credit_hours": "1.0"}).json["id"]
        headers = make.headers(keen, timedelta(hours=5))
        for path in (SKIPPED, STANDARD_PATH, STANDARD_PATH):
            assert client.post(f"/api/training/drills/{drill}/attempts", headers=headers,
                               json={"path": path}).status_code == 201
        retake = client.post(f"/api/training/drills/{gesture}/photo-attempts", headers=headers,
                             data={"photos": [(io.BytesIO(encode(astronaut())), "a.jpg")]},
                             content_type="multipart/form-data")
        assert retake.json["status"] == "retake"
        statements.clear()
        rows = daily_drill_facts(DAY)
        assert len([s for s in statements if s.startswith("SELECT")]) == 1  # one query for every officer
        progress = client.get("/api/training/credits?year=2026", headers=headers).json
    assert [(r.officer_id, r.drills_completed, r.drill_score_sum) for r in rows] == [(keen.id, 3, 280)]
    assert idle.id not in {r.officer_id for r in rows}
    assert daily_drill_facts(DAY + timedelta(days=1)) == []
    classroom = next(c for c in progress["categories"] if c["category"] == "classroom")
    assert classroom["earned"] == "1.5"  # passed twice, counted once; the failed attempt and the retake earn nothing


def test_leaderboard_of_a_live_class_sums_each_trainees_best_scores(client, make):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    first, second, outsider = (make.officer(squad=squad, name=name) for name in ("张伟", "李娜", "王强"))
    with time_machine.travel(START, tick=False):
        live_class = make.live_class(trainer, START, START + timedelta(hours=2))
        drill = _post_drill(client, make, trainer)
        other = _post_drill(client, make, trainer, title="占道经营处置")
        for officer, attempts in ((first, [(drill, SKIPPED), (drill, STANDARD_PATH), (other, STANDARD_PATH)]),
                                  (second, [(drill, STANDARD_PATH), (other, SKIPPED)])):
            headers = make.headers(officer, timedelta(hours=5))
            client.post(f"/api/training/live-classes/{live_class.id}/join", headers=headers,
                        json={"sig": join_signature(live_class.id)})
            for drill_id, path in attempts:
                response = client.post(f"/api/training/drills/{drill_id}/attempts", headers=headers,
                                       json={"path": path, "live_class_id": live_class.id})
                assert response.status_code == 201
        absent = client.post(f"/api/training/drills/{drill}/attempts", headers=make.headers(outsider),
                             json={"path": STANDARD_PATH, "live_class_id": live_class.id})
        board = client.get(f"/api/training/live-classes/{live_class.id}/drill-leaderboard",
                           headers=make.headers(trainer)).json
    assert absent.status_code == 409 and absent.json["error"] == "not_joined"
    assert [(r["rank"], r["name"], r["score"], r["drills"]) for r in board] == [
        (1, "张伟", 200, 2),
        (2, "李娜", 180, 2),
    ]
