"""Exams: shuffling per attempt, the server's deadline, grading with partial credit, review, attempts."""
from datetime import timedelta

import time_machine

from backend.db import session, utcnow
from backend.org.models import Role
from backend.training.jobs import close_expired_attempts


def _paper(client, trainer, questions, **kw):
    body = {"title": "法律知识考试", "mode": "fixed", "time_limit_minutes": 30, "max_attempts": 2,
            "pass_percent": 60, "category": "online", "credit_hours": "1.0",
            "questions": [{"question_id": q.id, "points": str(points)} for q, points in questions], **kw}
    response = client.post("/api/training/papers", headers=trainer["headers"], json=body)
    assert response.status_code == 201, response.json
    return response.json


def _people(make):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    return {"officer": trainer, "headers": make.headers(trainer), "squad": squad}


def _trainee(make, people):
    officer = make.officer(squad=people["squad"])
    return officer, make.headers(officer)


def _shown(item, texts):
    """Shown option indices of the option texts (the attempt shuffles options)."""
    return [item["options"].index(text) for text in texts]


def _start(client, paper_id, headers):
    response = client.post(f"/api/training/papers/{paper_id}/attempts", headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_grading_with_partial_credit_for_multiple_choice_and_review_after_submission(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    single = make.question(bank, options=["甲", "乙", "丙"], answer=[1])
    multi = make.question(bank, kind="multiple", options=["A1", "B1", "C1", "D1"], answer=[0, 1, 2])
    multi_wrong = make.question(bank, kind="multiple", options=["A2", "B2", "C2", "D2"], answer=[0, 1])
    judge = make.question(bank, kind="true_false", answer=[0])
    fill = make.question(bank, kind="fill", options=[], answer=["亮证", "出示证件"])
    paper = _paper(client, people, [(single, 2), (multi, 3), (multi_wrong, 2), (judge, 1), (fill, 2)])
    _, headers = _trainee(make, people)

    attempt = _start(client, paper["id"], headers)
    assert attempt["status"] == "open" and attempt["max_score"] == "10.00"
    assert all("correct_answer" not in item for item in attempt["items"])
    items = {item["stem"]: item for item in attempt["items"]}
    answers = [
        {"item_id": items[single.stem]["item_id"], "answer": _shown(items[single.stem], ["乙"])},
        {"item_id": items[multi.stem]["item_id"], "answer": _shown(items[multi.stem], ["A1", "C1"])},
        {"item_id": items[multi_wrong.stem]["item_id"], "answer": _shown(items[multi_wrong.stem], ["A2", "D2"])},
        {"item_id": items[judge.stem]["item_id"], "answer": [0]},
        {"item_id": items[fill.stem]["item_id"], "answer": ["出示证件 "]},
    ]
    submitted = client.post(
        f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={"answers": answers}
    )
    assert submitted.status_code == 200, submitted.json
    result = submitted.json
    earned = {item["stem"]: item["earned"] for item in result["items"]}
    # single 2 + multiple 2 of 3 correct → 3 × 2/3 = 2 + one wrong option → 0 + judge 1 + fill 2
    assert earned == {single.stem: "2.00", multi.stem: "2.00", multi_wrong.stem: "0.00", judge.stem: "1.00",
                      fill.stem: "2.00"}
    assert (result["status"], result["score"], result["passed"]) == ("submitted", "7.00", True)
    reviewed = client.get(f"/api/training/attempts/{attempt['id']}", headers=headers).json
    review = {item["stem"]: item for item in reviewed["items"]}
    assert [review[multi.stem]["options"][i] for i in review[multi.stem]["correct_answer"]] == sorted(
        ["A1", "B1", "C1"], key=review[multi.stem]["options"].index)
    assert [review[multi.stem]["options"][i] for i in review[multi.stem]["answer"]] == sorted(
        ["A1", "C1"], key=review[multi.stem]["options"].index)


def test_questions_and_options_are_shuffled_per_attempt(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    questions = [make.question(bank, options=["甲", "乙", "丙", "丁", "戊"], answer=[0]) for _ in range(8)]
    paper = _paper(client, people, [(q, 1) for q in questions])
    orders = []
    for _ in range(2):
        _, headers = _trainee(make, people)
        attempt = _start(client, paper["id"], headers)
        orders.append(([i["stem"] for i in attempt["items"]], [tuple(i["options"]) for i in attempt["items"]]))
    assert sorted(orders[0][0]) == sorted(q.stem for q in questions)
    assert orders[0] != orders[1]  # 8! × 120^8 orders: equal ones would mean no shuffling
    assert {frozenset(o) for o in orders[0][1]} == {frozenset(["甲", "乙", "丙", "丁", "戊"])}


def test_answers_after_the_deadline_are_refused_and_the_attempt_closes_itself(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    first, second = make.question(bank, answer=[0]), make.question(bank, answer=[0])
    paper = _paper(client, people, [(first, 5), (second, 5)], time_limit_minutes=10, pass_percent=50)
    trainee, _ = _trainee(make, people)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        headers = make.headers(trainee)
        attempt = _start(client, paper["id"], headers)
        item = next(i for i in attempt["items"] if i["stem"] == first.stem)
        saved = client.put(f"/api/training/attempts/{attempt['id']}/answers", headers=headers, json={
            "answers": [{"item_id": item["item_id"], "answer": _shown(item, ["甲"])}]})
        assert saved.status_code == 200
        traveller.shift(timedelta(minutes=10, seconds=1))
        late = client.put(f"/api/training/attempts/{attempt['id']}/answers", headers=headers, json={
            "answers": [{"item_id": attempt["items"][1]["item_id"], "answer": [0]}]})
        assert late.status_code == 409
        assert late.json["error"] == "time_is_up"
        late_submit = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={})
        assert late_submit.status_code == 409
        closed = client.get(f"/api/training/attempts/{attempt['id']}", headers=headers).json
    assert closed["status"] == "expired"
    assert (closed["score"], closed["passed"]) == ("5.00", True)  # graded on what was saved in time
    assert closed["closed_at"] == attempt["deadline_at"]


def test_the_job_closes_attempts_nobody_looks_at(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    paper = _paper(client, people, [(make.question(bank), 1)], time_limit_minutes=5)
    trainee, _ = _trainee(make, people)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        attempt = _start(client, paper["id"], make.headers(trainee))
        traveller.shift(timedelta(minutes=6))
        assert close_expired_attempts() == 1
        assert close_expired_attempts() == 0
    from backend.training.exams.models import Attempt

    row = session.get(Attempt, attempt["id"])
    assert (row.status.value, row.passed) == ("expired", False)


def test_second_submission_and_foreign_items_are_refused(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    paper = _paper(client, people, [(make.question(bank), 1)])
    other_paper = _paper(client, people, [(make.question(bank), 1)])
    _, headers = _trainee(make, people)
    attempt = _start(client, paper["id"], headers)
    foreign = _start(client, other_paper["id"], headers)["items"][0]["item_id"]
    response = client.put(f"/api/training/attempts/{attempt['id']}/answers", headers=headers, json={
        "answers": [{"item_id": foreign, "answer": [0]}]})
    assert response.status_code == 422
    assert response.json["error"] == "item_not_in_attempt"
    assert client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={}).status_code == 200
    again = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={})
    assert again.status_code == 409
    assert again.json["error"] == "already_submitted"


def test_attempts_are_limited_and_private(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    paper = _paper(client, people, [(make.question(bank), 1)], max_attempts=1)
    _, headers = _trainee(make, people)
    attempt = _start(client, paper["id"], headers)
    assert _start(client, paper["id"], headers)["id"] == attempt["id"]  # the open attempt resumes
    client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={})
    response = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=headers)
    assert response.status_code == 409
    assert response.json["error"] == "no_attempts_left"
    _, stranger = _trainee(make, people)
    assert client.get(f"/api/training/attempts/{attempt['id']}", headers=stranger).status_code == 404
    assert client.get("/api/training/attempts", headers=stranger).json == []


def test_random_paper_prefers_questions_the_trainee_has_not_seen(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    pool = {make.question(bank, tags=["取证"], difficulty=2).stem for _ in range(4)}
    make.question(bank, tags=["取证"], difficulty=4)
    make.question(bank, tags=["告知"], difficulty=2)
    paper = _paper(client, people, [], mode="random", max_attempts=2,
                   rules=[{"bank_id": bank.id, "tag": "取证", "difficulty": 2, "count": 2, "points": "5"}])
    _, headers = _trainee(make, people)
    first = _start(client, paper["id"], headers)
    client.post(f"/api/training/attempts/{first['id']}/submit", headers=headers, json={})
    second = _start(client, paper["id"], headers)
    seen_first = {i["stem"] for i in first["items"]}
    seen_second = {i["stem"] for i in second["items"]}
    assert len(seen_first) == len(seen_second) == 2
    assert seen_first | seen_second == pool


def test_random_paper_needs_enough_questions(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    make.question(bank, tags=["取证"])
    response = client.post("/api/training/papers", headers=people["headers"], json={
        "title": "随机卷", "mode": "random", "time_limit_minutes": 30, "category": "online", "credit_hours": "1",
        "rules": [{"bank_id": bank.id, "tag": "取证", "count": 3, "points": "2"}]})
    assert response.status_code == 422
    assert response.json["error"] == "not_enough_questions"


def test_exam_window_and_pass_mark(client, make):
    people = _people(make)
    bank = make.question_bank(people["officer"])
    first, second = (make.question(bank, options=["对的", "错的"], answer=[0]) for _ in range(2))
    now = utcnow()
    later = _paper(client, people, [(first, 1)], opens_at=(now + timedelta(days=1)).isoformat())
    over = _paper(client, people, [(first, 1)], opens_at=(now - timedelta(days=2)).isoformat(),
                  closes_at=(now - timedelta(days=1)).isoformat())
    trainee, headers = _trainee(make, people)
    assert client.post(f"/api/training/papers/{later['id']}/attempts", headers=headers).json["error"] == "exam_not_open"
    assert client.post(f"/api/training/papers/{over['id']}/attempts", headers=headers).json["error"] == "exam_closed"

    paper = _paper(client, people, [(first, 1), (second, 1)], pass_percent=60)
    attempt = _start(client, paper["id"], headers)
    item = attempt["items"][0]
    result = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers, json={
        "answers": [{"item_id": item["item_id"], "answer": _shown(item, ["对的"])}]}).json
    assert (result["score"], result["passed"]) == ("1.00", False)  # 50 % < 60 %
    progress = client.get("/api/training/credits", headers=headers).json
    assert next(c for c in progress["categories"] if c["category"] == "online")["earned"] == "0.0"
    leader = make.officer(Role.squad_leader, squad=people["squad"])
    listed = client.get(f"/api/training/attempts?officer_id={trainee.id}", headers=make.headers(leader)).json
    assert [a["id"] for a in listed] == [attempt["id"]]
    answer = client.put(f"/api/training/attempts/{attempt['id']}/answers", headers=make.headers(leader),
                        json={"answers": []})
    assert answer.status_code == 404
