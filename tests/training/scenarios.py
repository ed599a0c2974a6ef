"""What the training tests and the points tests build alike: a one-question exam paper, an officer sitting it,
an officer attending a live class by its heartbeats."""
from datetime import timedelta

from backend.training.live.classes import join_signature


def one_question_paper(client, make, trainer, credit_hours: str) -> int:
    """A fixed paper of one question (对的 right, 错的 wrong; 10 points), three attempts, worth `credit_hours`."""
    question = make.question(make.question_bank(trainer), options=["对的", "错的"], answer=[0])
    paper = client.post("/api/training/papers", headers=make.headers(trainer, timedelta(hours=5)), json={
        "title": "日测", "mode": "fixed", "time_limit_minutes": 30, "max_attempts": 3, "category": "online",
        "credit_hours": credit_hours, "questions": [{"question_id": question.id, "points": "10"}]})
    assert paper.status_code == 201, paper.json
    return paper.json["id"]


def sit_exam(client, make, paper_id, officer, correct: bool):
    headers = make.headers(officer, timedelta(hours=5))
    attempt = client.post(f"/api/training/papers/{paper_id}/attempts", headers=headers).json
    item = attempt["items"][0]
    answer = [item["options"].index("对的" if correct else "错的")]
    response = client.post(f"/api/training/attempts/{attempt['id']}/submit", headers=headers,
                           json={"answers": [{"item_id": item["item_id"], "answer": answer}]})
    assert response.status_code == 200


def attend(client, make, live_class, officer, traveller, minutes: int) -> dict:
    """`officer` joins `live_class` and stays `minutes` (a heartbeat every 30 s, the clock moved by `traveller`);
    their headers."""
    headers = make.headers(officer, timedelta(hours=5))
    client.post(f"/api/training/live-classes/{live_class.id}/join", headers=headers,
                json={"sig": join_signature(live_class.id)})
    for _ in range(2 * minutes):
        traveller.shift(timedelta(seconds=30))
        client.post(f"/api/training/live-classes/{live_class.id}/heartbeat", headers=headers)
    return headers
