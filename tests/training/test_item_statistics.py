"""Item statistics: facility and upper–lower discrimination, answered, correct rate and the distractor chosen most,
against values computed by hand; the results; a fixed number of statements whatever the number of attempts."""

from backend.org.models import Role


def test_facility_and_discrimination_match_hand_computed_values(client, make, statements):
    trainer = make.officer(Role.trainer)
    headers = make.headers(trainer)
    squad = make.squad(trainer.district)
    bank = make.question_bank(trainer)
    q1 = make.question(bank, options=["甲", "乙"], answer=[0])
    q2 = make.question(bank, options=["甲", "乙"], answer=[0])
    q3 = make.question(bank, kind="multiple", options=["甲", "乙", "丙"], answer=[0, 1])
    paper = client.post("/api/training/papers", headers=headers, json={
        "title": "题目分析", "mode": "fixed", "time_limit_minutes": 10, "shuffle": False, "category": "online",
        "credit_hours": "0", "questions": [{"question_id": q1.id, "points": "1"}, {"question_id": q2.id, "points": "1"},
                                           {"question_id": q3.id, "points": "2"}]}).json
    # (q1, q2, q3) responses per trainee; scores 3, 2, 1, 2 of 4
    sheets = [([0], [0], [0]),        # T1: q3 half credit (1 of 2 correct options) → 3
              ([0], [0], [0, 2]),     # T2: q3 a wrong option → 0 → 2
              ([0], [1], None),       # T3: → 1
              ([1], [1], [0, 1])]     # T4: q3 full → 2
    for responses in sheets:
        trainee_headers = make.headers(make.officer(squad=squad))
        attempt = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=trainee_headers).json
        answers = [{"item_id": item["item_id"], "answer": response}
                   for item, response in zip(attempt["items"], responses, strict=False) if response is not None]
        done = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=trainee_headers,
                           json={"answers": answers})
        assert done.status_code == 200, done.json
    statements.clear()
    stats = client.get(f"/api/training/papers/{paper['id']}/item-statistics", headers=headers).json
    asked = len(statements)
    # N = 4 → groups of round(0.27 × 4) = 1: upper T1 (3 points), lower T3 (1 point)
    assert (stats["attempts"], stats["group_size"]) == (4, 1)
    by_question = {item["question_id"]: (item["facility"], item["discrimination"]) for item in stats["items"]}
    assert by_question == {
        q1.id: ("0.750", "0.000"),  # (1+1+1+0)/4; T1 1 − T3 1
        q2.id: ("0.500", "1.000"),  # (1+1+0+0)/4; 1 − 0
        q3.id: ("0.375", "0.500"),  # (0.5+0+0+1)/4; 0.5 − 0
    }
    answered = {item["question_id"]: (item["answered"], item["correct_rate"], item["top_distractor"])
                for item in stats["items"]}
    assert answered == {
        q1.id: (4, "0.750", {"option": "B", "text": "乙", "chosen": 1}),  # T4 chose 乙
        q2.id: (4, "0.500", {"option": "B", "text": "乙", "chosen": 2}),  # T3 and T4
        q3.id: (3, "0.250", {"option": "C", "text": "丙", "chosen": 1}),  # T3 left it; only T4 full; T2 chose 丙
    }
    assert [(r["score"], r["passed"]) for r in stats["results"]] == [
        ("3.00", True), ("2.00", False), ("2.00", False), ("1.00", False)]  # highest first, ties by attempt

    trainee_headers = make.headers(make.officer(squad=squad))  # a fifth trainee: no more statements for the page
    attempt = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=trainee_headers).json
    client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=trainee_headers, json={"answers": []})
    statements.clear()
    again = client.get(f"/api/training/papers/{paper['id']}/item-statistics", headers=headers).json
    assert again["attempts"] == 5 and len(statements) == asked


def test_statistics_are_for_trainers_only(client, make):
    trainer = make.officer(Role.trainer)
    officer = make.officer(squad=make.squad(trainer.district))
    bank = make.question_bank(trainer)
    paper = client.post("/api/training/papers", headers=make.headers(trainer), json={
        "title": "卷", "mode": "fixed", "time_limit_minutes": 10, "category": "online", "credit_hours": "0",
        "questions": [{"question_id": make.question(bank).id, "points": "1"}]}).json
    response = client.get(f"/api/training/papers/{paper['id']}/item-statistics", headers=make.headers(officer))
    assert response.status_code == 403
