"""The points engine's daily facts: live-class minutes and exam results per officer, in one query."""
from datetime import UTC, date, datetime, timedelta

import time_machine

from backend.org.models import Role
from backend.training.queries import daily_training_facts
from tests.training.scenarios import attend, one_question_paper, sit_exam

START = datetime(2026, 4, 8, 1, 0, tzinfo=UTC)  # 09:00 on 8 April in Shanghai
DAY = date(2026, 4, 8)


def test_minutes_and_exam_results_per_officer_for_one_day(client, make, statements):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    present, absent, examinee = (make.officer(squad=squad) for _ in range(3))
    with time_machine.travel(START, tick=False) as traveller:
        live_class = make.live_class(trainer, START, START + timedelta(minutes=60))
        paper_id = one_question_paper(client, make, trainer, "1.5")
        attend(client, make, live_class, present, traveller, minutes=45)
        sit_exam(client, make, paper_id, examinee, correct=False)
        sit_exam(client, make, paper_id, examinee, correct=True)
        sit_exam(client, make, paper_id, present, correct=False)
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
        headers = attend(client, make, live_class, trainee, traveller, minutes=10)
        progress = client.get("/api/training/credits?year=2026", headers=headers).json
    classroom = next(c for c in progress["categories"] if c["category"] == "classroom")
    assert classroom["earned"] == "2.0"
