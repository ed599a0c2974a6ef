"""Editing and deactivating questions; a paper's questions for trainers. Attempts keep what they asked."""
from datetime import timedelta

from backend.db import utcnow
from backend.org.models import Role

QUESTION = {"kind": "single", "stem": "城管执法人员执法时应当出示什么？", "options": ["执法证件", "工作证", "身份证"],
            "answer": [0], "difficulty": 2, "tags": ["执法程序"]}


def _trainer(make):
    trainer = make.officer(Role.trainer)
    return trainer, make.headers(trainer), make.squad(trainer.district)


def _add(client, headers, bank, **changes):
    response = client.post(f"/api/training/banks/{bank.id}/questions", headers=headers, json={**QUESTION, **changes})
    assert response.status_code == 201, response.json
    return response.json


def _fixed_paper(client, headers, question_ids):
    body = {"title": "执法程序测验", "mode": "fixed", "time_limit_minutes": 30, "max_attempts": 3, "pass_percent": 60,
            "category": "online", "credit_hours": "1.0",
            "questions": [{"question_id": qid, "points": "5"} for qid in question_ids]}
    response = client.post("/api/training/papers", headers=headers, json=body)
    assert response.status_code == 201, response.json
    return response.json


def _trainee_headers(make, squad):
    return make.headers(make.officer(squad=squad))


def test_a_question_nobody_answered_is_edited_in_place(client, make):
    trainer, headers, _ = _trainer(make)
    bank = make.question_bank(trainer)
    question = _add(client, headers, bank)
    edited = client.put(
        f"/api/training/questions/{question['id']}",
        headers=headers,
        json={**QUESTION, "answer": [1], "tags": ["执法程序", "文明执法"], "explanation": "工作证不能代替"},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["id"] == question["id"] and edited.json["answer"] == [1] and edited.json["active"] is True
    listed = client.get(f"/api/training/banks/{bank.id}/questions", headers=headers).json
    assert [(q["id"], q["answer"], q["tags"]) for q in listed] == [(question["id"], [1], ["执法程序", "文明执法"])]


def test_editing_an_answered_question_keeps_the_attempt_as_asked_and_graded(client, make):
    trainer, headers, squad = _trainer(make)
    bank = make.question_bank(trainer)
    question = _add(client, headers, bank)
    paper = _fixed_paper(client, headers, [question["id"]])
    trainee = _trainee_headers(make, squad)
    attempt = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=trainee).json
    item = attempt["items"][0]
    chosen = item["options"].index("执法证件")
    submitted = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=trainee,
                            json={"answers": [{"item_id": item["item_id"], "answer": [chosen]}]}).json
    assert submitted["score"] == "5.00"

    fixed_key = {**QUESTION, "stem": "城管执法人员执法时应当出示哪种证件？", "answer": [1]}
    edited = client.put(f"/api/training/questions/{question['id']}", headers=headers, json=fixed_key)
    assert edited.status_code == 200, edited.json
    assert edited.json["id"] != question["id"] and edited.json["stem"] == fixed_key["stem"]

    review = client.get(f"/api/training/attempts/{attempt['id']}", headers=trainee).json
    assert review["items"][0]["stem"] == QUESTION["stem"] and review["score"] == "5.00"
    assert review["items"][0]["correct_answer"] == [chosen]
    questions = client.get(f"/api/training/banks/{bank.id}/questions", headers=headers).json
    listed = {q["id"]: q["active"] for q in questions}
    assert listed == {question["id"]: False, edited.json["id"]: True}
    contents = client.get(f"/api/training/papers/{paper['id']}/questions", headers=headers).json
    assert [entry["question"]["id"] for entry in contents["questions"]] == [edited.json["id"]]
    second = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=trainee).json
    assert [i["stem"] for i in second["items"]] == [fixed_key["stem"]]


def test_the_same_question_may_be_added_again_once_the_old_one_is_deactivated(client, make):
    trainer, headers, _ = _trainer(make)
    bank = make.question_bank(trainer)
    question = _add(client, headers, bank)
    again = client.post(f"/api/training/banks/{bank.id}/questions", headers=headers, json=QUESTION)
    assert again.status_code == 409 and again.json["error"] == "duplicate_question"
    deactivated = client.post(f"/api/training/questions/{question['id']}/deactivate", headers=headers)
    assert deactivated.status_code == 200 and deactivated.json["active"] is False
    assert client.post(f"/api/training/banks/{bank.id}/questions", headers=headers, json=QUESTION).status_code == 201
    refused = client.put(f"/api/training/questions/{question['id']}", headers=headers, json=QUESTION)
    assert refused.status_code == 409 and refused.json["error"] == "question_inactive"


def test_an_edit_into_a_duplicate_or_without_a_correct_option_is_refused(client, make):
    trainer, headers, _ = _trainer(make)
    bank = make.question_bank(trainer)
    first = _add(client, headers, bank)
    second = _add(client, headers, bank, stem="执法记录仪应当何时开启？", options=["执法开始时", "发生冲突时"])
    duplicate = client.put(f"/api/training/questions/{second['id']}", headers=headers, json=QUESTION)
    assert duplicate.status_code == 409 and duplicate.json["error"] == "duplicate_question"
    assert duplicate.json["errors"]["question_id"] == first["id"]
    no_answer = client.put(f"/api/training/questions/{second['id']}", headers=headers, json={**QUESTION, "answer": []})
    assert no_answer.status_code == 422 and no_answer.json["error"] == "no_correct_option"
    one_option = client.put(f"/api/training/questions/{second['id']}", headers=headers,
                            json={**QUESTION, "options": ["执法证件"]})
    assert one_option.status_code == 422 and one_option.json["error"] == "bad_options"
    listed = client.get(f"/api/training/banks/{bank.id}/questions", headers=headers).json
    assert [q["stem"] for q in listed] == [QUESTION["stem"], "执法记录仪应当何时开启？"]


def test_deactivated_questions_are_left_out_of_new_attempts_and_new_papers(client, make):
    trainer, headers, squad = _trainer(make)
    bank = make.question_bank(trainer)
    kept = _add(client, headers, bank)
    dropped = _add(client, headers, bank, stem="执法记录仪应当何时开启？", options=["执法开始时", "发生冲突时"])
    paper = _fixed_paper(client, headers, [kept["id"], dropped["id"]])
    trainee = _trainee_headers(make, squad)
    started = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=trainee).json
    assert client.post(f"/api/training/questions/{dropped['id']}/deactivate", headers=headers).status_code == 200

    assert len(client.get(f"/api/training/attempts/{started['id']}", headers=trainee).json["items"]) == 2
    fresh = client.post(f"/api/training/papers/{paper['id']}/attempts", headers=_trainee_headers(make, squad)).json
    assert [i["stem"] for i in fresh["items"]] == [QUESTION["stem"]] and fresh["max_score"] == "5.00"
    body = {"title": "新试卷", "mode": "fixed", "time_limit_minutes": 30, "category": "online", "credit_hours": "1.0",
            "questions": [{"question_id": dropped["id"], "points": "5"}]}
    refused = client.post("/api/training/papers", headers=headers, json=body)
    assert refused.status_code == 422 and refused.json["error"] == "question_inactive"
    live_class = make.live_class(trainer, utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=1))
    pushed = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                         json={"question_id": dropped["id"]})
    assert pushed.status_code == 422 and pushed.json["error"] == "question_inactive"
    contents = client.get(f"/api/training/papers/{paper['id']}/questions", headers=headers).json
    assert [(e["question"]["id"], e["question"]["active"]) for e in contents["questions"]] == [
        (kept["id"], True), (dropped["id"], False)]


def test_paper_questions_are_for_trainers_of_the_district_only(client, make):
    trainer, headers, squad = _trainer(make)
    bank = make.question_bank(trainer)
    question = _add(client, headers, bank)
    paper = _fixed_paper(client, headers, [question["id"]])
    contents = client.get(f"/api/training/papers/{paper['id']}/questions", headers=headers).json
    assert contents["mode"] == "fixed" and contents["questions"][0]["question"]["answer"] == [0]
    assert contents["questions"][0]["points"] == "5.00"
    trainee = _trainee_headers(make, squad)
    assert client.get(f"/api/training/papers/{paper['id']}/questions", headers=trainee).status_code == 403
    other = make.officer(Role.trainer)
    assert client.get(f"/api/training/papers/{paper['id']}/questions", headers=make.headers(other)).status_code == 404
    assert client.put(f"/api/training/questions/{question['id']}", headers=make.headers(other),
                      json=QUESTION).status_code == 404
