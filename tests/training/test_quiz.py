"""In-class quizzes: pushed to a live class, one answer each inside the window, the live distribution."""
from datetime import UTC, datetime, timedelta

import time_machine

from backend.db import local_day
from backend.org.models import Role

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _class_with_trainees(client, make, count):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    live_class = make.live_class(trainer, START, START + timedelta(hours=1))
    from backend.training.live.classes import join_signature

    headers = []
    for _ in range(count):
        h = make.headers(make.officer(squad=squad), timedelta(hours=3))
        assert client.post(f"/api/training/live-classes/{live_class.id}/join", headers=h,
                           json={"sig": join_signature(live_class.id)}).status_code == 200
        headers.append(h)
    return trainer, live_class, headers


def test_trainees_answer_once_and_the_distribution_counts_every_option(client, make):
    with time_machine.travel(START + timedelta(minutes=10), tick=False) as traveller:
        trainer, live_class, trainees = _class_with_trainees(client, make, 4)
        bank = make.question_bank(trainer)
        question = make.question(bank, kind="multiple", options=["亮证", "告知", "劝离", "罚款"], answer=[0, 1, 2])
        trainer_headers = make.headers(trainer, timedelta(hours=3))
        assert client.get(f"/api/training/live-classes/{live_class.id}/quiz", headers=trainees[0]).status_code == 204
        pushed = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=trainer_headers,
                             json={"question_id": question.id, "seconds": 30})
        assert pushed.status_code == 201
        quiz_id = pushed.json["id"]
        current = client.get(f"/api/training/live-classes/{live_class.id}/quiz", headers=trainees[0]).json
        assert current["id"] == quiz_id and current["options"] == ["亮证", "告知", "劝离", "罚款"]
        assert "answer" not in current
        for headers, answer in zip(trainees[:3], ([0, 1, 2], [0, 3], [1]), strict=True):
            response = client.post(f"/api/training/quizzes/{quiz_id}/answers", headers=headers, json={"answer": answer})
            assert response.status_code == 201
        again = client.post(f"/api/training/quizzes/{quiz_id}/answers", headers=trainees[0], json={"answer": [3]})
        assert again.status_code == 409 and again.json["error"] == "already_answered"
        live = client.get(f"/api/training/quizzes/{quiz_id}/distribution", headers=trainer_headers).json
        assert [(o["label"], o["count"]) for o in live["options"]] == [("A", 2), ("B", 2), ("C", 1), ("D", 1)]
        assert (live["answered"], live["correct"], live["present"], live["closed"]) == (3, 1, 4, False)
        assert live["correct_answer"] is None
        traveller.shift(timedelta(seconds=31))
        late = client.post(f"/api/training/quizzes/{quiz_id}/answers", headers=trainees[3], json={"answer": [0]})
        assert late.status_code == 409 and late.json["error"] == "quiz_closed"
        final = client.get(f"/api/training/quizzes/{quiz_id}/distribution", headers=trainer_headers).json
    assert final["closed"] is True and final["correct_answer"] == [0, 1, 2] and final["answered"] == 3


def test_only_trainees_in_the_class_may_answer(client, make):
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        trainer, live_class, trainees = _class_with_trainees(client, make, 1)
        bank = make.question_bank(trainer)
        question = make.question(bank, kind="true_false", answer=[0])
        quiz = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=make.headers(trainer),
                           json={"question_id": question.id}).json
        outsider = make.officer(squad=make.squad(trainer.district))
        response = client.post(f"/api/training/quizzes/{quiz['id']}/answers", headers=make.headers(outsider),
                               json={"answer": [0]})
        assert response.status_code == 409 and response.json["error"] == "not_joined"
        bad = client.post(f"/api/training/quizzes/{quiz['id']}/answers", headers=trainees[0], json={"answer": [5]})
        assert bad.status_code == 422 and bad.json["error"] == "bad_answer"


def test_pushing_a_new_question_closes_the_previous_one(client, make):
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        trainer, live_class, trainees = _class_with_trainees(client, make, 1)
        bank = make.question_bank(trainer)
        headers = make.headers(trainer)
        first = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                            json={"question_id": make.question(bank).id}).json
        second = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                             json={"question_id": make.question(bank).id}).json
        assert (
            client.get(f"/api/training/live-classes/{live_class.id}/quiz", headers=trainees[0]).json["id"]
            == second["id"]
        )
        late = client.post(f"/api/training/quizzes/{first['id']}/answers", headers=trainees[0], json={"answer": [0]})
        assert late.status_code == 409
    assert local_day(START) == live_class.held_on


def test_an_answer_must_fit_the_question_and_fill_answers_are_graded_by_their_normalised_text(client, make):
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        trainer, live_class, trainees = _class_with_trainees(client, make, 4)
        bank = make.question_bank(trainer)
        headers = make.headers(trainer)
        single = make.question(bank, options=["亮证", "告知", "劝离"], answer=[0])
        quiz = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                           json={"question_id": single.id}).json
        answers = f"/api/training/quizzes/{quiz['id']}/answers"
        for bad in ([0, 1], ["亮证"], [3], [-1], [True]):
            refused = client.post(answers, headers=trainees[0], json={"answer": bad})
            assert refused.status_code == 422 and refused.json["error"] == "bad_answer", bad
        fill = make.question(bank, kind="fill", options=[], answer=["城管执法局", "城市管理行政执法局"])
        quiz = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=headers,
                           json={"question_id": fill.id}).json
        answers = f"/api/training/quizzes/{quiz['id']}/answers"
        assert client.post(answers, headers=trainees[0], json={"answer": [1]}).json["error"] == "bad_answer"
        for trainee, text in zip(
            trainees, ["城管执法局", " 城管执法局 ", "ＣＧ执法局", "城市管理行政执法局"], strict=False
        ):
            accepted = client.post(answers, headers=trainee, json={"answer": [text]})
            assert accepted.status_code == 201, accepted.json
        live = client.get(f"/api/training/quizzes/{quiz['id']}/distribution", headers=headers).json
    assert (live["answered"], live["correct"]) == (4, 3)
    assert {o["text"]: o["count"] for o in live["options"]} == {"城管执法局": 2, "cg执法局": 1, "城市管理行政执法局": 1}


def test_every_answer_leaves_one_audit_row_and_a_token_ends_at_once(client, make):
    """An accepted answer writes its audit row in the statement that stores it (PostgreSQL): still one row a
    request, with the trainee and the outcome; a refused one gets its own (the answer's is rolled back). A token
    revoked, expired or of a deactivated trainee is refused at the next answer, with its reason."""
    from sqlalchemy import func, select

    from backend.audit import AuditEntry
    from backend.db import session
    from backend.training.live.classes import join_signature

    with time_machine.travel(START + timedelta(minutes=10), tick=False) as traveller:
        trainer, live_class, trainees = _class_with_trainees(client, make, 4)
        leaving = make.officer(squad=make.squad(trainer.district))
        leaving_headers = make.headers(leaving, timedelta(hours=3))
        assert client.post(f"/api/training/live-classes/{live_class.id}/join", headers=leaving_headers,
                           json={"sig": join_signature(live_class.id)}).status_code == 200
        question = make.question(make.question_bank(trainer), kind="single", options=["甲", "乙"], answer=[0])
        quiz = client.post(f"/api/training/live-classes/{live_class.id}/quizzes", headers=make.headers(trainer),
                           json={"question_id": question.id, "seconds": 60}).json
        path = f"/api/training/quizzes/{quiz['id']}/answers"

        def answer(headers, body=None):
            response = client.post(path, headers=headers, json=body if body is not None else {"answer": [1]})
            rows = session.execute(select(AuditEntry.action, AuditEntry.outcome, AuditEntry.object_type,
                                          AuditEntry.address, AuditEntry.actor_id, AuditEntry.at).where(
                AuditEntry.request_id == response.headers["X-Request-Id"])).all()
            session.rollback()
            return response, rows

        accepted, rows = answer(trainees[0])
        assert accepted.status_code == 201
        (row,) = rows
        assert (row.action, row.outcome, row.object_type, row.address) == (
            "POST live_classes.quiz_answers", 201, None, "127.0.0.1")
        assert row.actor_id is not None and row.at == START + timedelta(minutes=10)
        repeat, rows = answer(trainees[0], {"answer": [0]})
        assert repeat.json["error"] == "already_answered" and [r.outcome for r in rows] == [409]
        assert client.post("/api/auth/logout", headers=trainees[1]).status_code == 204
        revoked, rows = answer(trainees[1])
        assert revoked.status_code == 401 and revoked.json["error"] == "token_invalid"
        assert [(r.outcome, r.actor_id) for r in rows] == [(401, None)]
        malformed, _ = answer(trainees[1], {"answer": "乙"})
        assert malformed.status_code == 401  # who is asking comes first, then what they sent
        forbidden, rows = answer(make.headers(trainer), {"answer": [0]})
        assert forbidden.status_code == 403 and forbidden.json["error"] == "role_forbidden"
        assert [(r.outcome, r.actor_id) for r in rows] == [(403, trainer.id)]
        session.get(type(leaving), leaving.id).active = False
        session.commit()
        assert answer(leaving_headers)[0].json["error"] == "officer_inactive"
        traveller.shift(timedelta(seconds=30))
        assert answer(trainees[3])[0].status_code == 201
        traveller.shift(timedelta(hours=3))
        assert answer(trainees[2])[0].json["error"] == "token_expired"
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "POST live_classes.quiz_answers")) == 8
