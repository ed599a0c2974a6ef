"""The points engine's daily facts: live-class minutes and exam results per officer, in one query."""
from datetime import UTC, date, datetime, timedelta

import time_machine

from backend.org.models import Role
from backend.training.live.classes import join_signature
from backend.training.queries import daily_training_facts

START = datetime(2026, 4, 8, 1, 0, tzinfo=UTC)  # 09:00 on 8 April in Shanghai
DAY = date(2026, 4, 8)


def _sit_exam(client, make, paper_id, officer, correct: bool):
    headers = make.headers(officer, timedelta(hours=5))
    attempt = client.post(f"/api/training/papers/{paper_id}/attempts", headers=headers).json
    item = attempt["items"][0]
    answer = [item["options"].index("对的" if correct else "错的")]
    response = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers,
                           json={"answers": [{"item_id": item["item_id"], "answer": answer}]})
    assert response.status_code == 200


def test_minutes_and_exam_results_per_officer_for_one_day(client, make, statements):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    present, absent, examinee = (make.officer(squad=squad) for _ in range(3))
    bank = make.question_bank(trainer)
    question = make.question(bank, options=["对的", "错的"], answer=[0])
    with time_machine.travel(START, tick=False) as traveller:
        live_class = make.live_class(trainer, START, START + timedelta(minutes=60))
        paper = client.post("/api/training/papers", headers=make.headers(trainer, timedelta(hours=5)), json={
            "title": "日测", "mode": "fixed", "time_limit_minutes": 30, "max_attempts": 3, "category": "online",
            "credit_hours": "1.5", "questions": [{"question_id": question.id, "points": "10"}]}).json
        headers = make.headers(present, timedelta(hours=5))
        client.post(f"/api/training/live-classes/{live_class.id}/join", headers=headers,
                    json={"sig": join_signature(live_class.id)})
        for _ in range(90):  # 45 minutes of heartbeats
            traveller.shift(timedelta(seconds=30))
            client.post(f"/api/training/live-classes/{live_class.id}/heartbeat", headers=headers)
        _sit_exam(client, make, paper["id"], examinee, correct=False)
        _sit_exam(client, make, paper["id"], examinee, correct=True)
        _sit_exam(client, make, paper["id"], present, correct=False)
        progress = client.get("/api/training/credits?year=2026", headers=make.headers(examinee)).json

    statements.clear()
    rows = daily_training_facts(DAY)
    assert len([s for s in statements if s.startswith("SELECT")]) == 1  # set-based: one query for all officers
    facts = {row.officer_id: (row.training_minutes, row.exams_passed, row.exams_failed) for row in rows}
    assert facts == {present.id: (45, 0, 1), examinee.id: (0, 1, 1)}
    assert absent.id not in facts
    assert daily_training_facts(DAY + timedelta(days=1)) == []
    online = next(c for c in progress["categories"] if c["category"] == "online")
    assert online["earned"] == "1.5"  # the passed exam's hours, once


def test_credited_live_class_counts_towards_credit_hours(client, make):
    trainer = make.officer(Role.trainer)
    trainee = make.officer(squad=make.squad(trainer.district))
    with time_machine.travel(START, tick=False) as traveller:
        live_class = make.live_class(trainer, START, START + timedelta(minutes=10))
        headers = make.headers(trainee, timedelta(hours=2))
        client.post(f"/api/training/live-classes/{live_class.id}/join", headers=headers,
                    json={"sig": join_signature(live_class.id)})
        for _ in range(20):
            traveller.shift(timedelta(seconds=30))
            client.post(f"/api/training/live-classes/{live_class.id}/heartbeat", headers=headers)
        progress = client.get("/api/training/credits?year=2026", headers=headers).json
    classroom = next(c for c in progress["categories"] if c["category"] == "classroom")
    assert classroom["earned"] == "2.0"
