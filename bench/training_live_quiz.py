"""8,000 trainees in one city-wide live class answer a pushed question within 10 seconds, against gunicorn on
PostgreSQL; then exam submissions of a 100-question paper against a bare endpoint in the same run.

The class is city-wide (no district, the city trainer's), its trainees spread over the sixteen districts.
Targets (issue 8 for a district's 2,000, issue 22 for the city's 8,000): no answer lost (and every district's
answers stored), p99 ≤ 300 ms (from the moment each answer is due, see `_scheduled`), the distribution correct
within 2 s after the last answer. The server's CPU per answer (gunicorn workers and the database's backends,
read from /proc) is set beside its CPU per request of the bare endpoint on the same schedule; and, apart from the
machine's load, one answer's CPU and round trips to the database counted in this process beside one bare request's
(`_request_costs`). The exam figure is
reported as a ratio: seconds per submission ÷ seconds per request of the bare endpoint (GET /api/health: auth-free, one
`SELECT 1`) at the same concurrency.

Run on its own: `python -m bench.training_live_quiz` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_training; the database is emptied and migrated).
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import random
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import create_engine, insert, select, text

from bench._support import (
    ROOT,
    KeepAlive,
    cpu_ms_per_request,
    fresh_postgres,
    production_server,
    request_costs,
    server_cpu_ticks,
)

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_training")
TRAINEES = int(os.environ.get("BENCH_QUIZ_TRAINEES", "8000"))  # a district's class: 2,000
DISTRICTS = 16  # the city's districts: one city-wide class of all of them (issue 22)
QUIZ_SECONDS = 600  # the quiz stays open well past the run: a late answer on a loaded machine is slow, not lost
WINDOW_SECONDS = 10.0
CLIENT_THREADS = 100
CLIENT_PROCESSES = 4
PAPER_QUESTIONS = 100
SUBMISSIONS = 200
SUBMIT_CONCURRENCY = 8
TARGET = {"lost": 0, "p99_ms": 300, "distribution_lag_s": 2.0}


def _seed(app) -> dict:
    """DISTRICTS districts with a squad each and TRAINEES trainees with tokens spread over them, the city trainer,
    a city-wide live class (no district) with a question of the city's bank, and district 0's trainer with a
    100-question paper of their district for the exam round."""
    from backend.db import session, utcnow
    from backend.org.auth import issue_token
    from backend.org.models import AuthToken, District, Officer, Role, Squad
    from backend.training.exams.bank import checked_question, fingerprint
    from backend.training.exams.models import (
        Paper,
        PaperMode,
        PaperQuestion,
        Question,
        QuestionBank,
        QuestionKind,
    )
    from backend.training.models import LiveClass

    with app.app_context():
        districts = [District(code=f"BENCH{d:02d}", name=f"压测区{d}") for d in range(DISTRICTS)]
        squads = [Squad(district=district, name="压测中队") for district in districts]
        city_trainer = Officer(badge_no="BC0000", name="市局教员", role=Role.city_trainer)
        session.add_all([*districts, *squads, city_trainer])
        session.flush()
        spread = [squads[i * DISTRICTS // TRAINEES] for i in range(TRAINEES)]  # 500 a district for 8,000
        session.execute(insert(Officer), [
            {"badge_no": f"B{i:05d}", "name": f"学员{i}", "role": Role.officer, "district_id": squad.district_id,
             "squad_id": squad.id, "active": True} for i, squad in enumerate(spread)])
        rows = session.execute(select(Officer.id, Officer.district_id).where(Officer.role == Role.officer)
                               .order_by(Officer.id)).all()
        tokens = [secrets.token_urlsafe(32) for _ in rows]
        expires = utcnow() + timedelta(hours=2)
        session.execute(insert(AuthToken), [
            {"token_hash": hashlib.sha256(t.encode()).hexdigest(), "officer_id": officer_id, "channel": "password",
             "expires_at": expires} for t, (officer_id, _) in zip(tokens, rows, strict=True)])
        city_token, _ = issue_token(city_trainer, channel="password", ttl=timedelta(hours=2))
        now = utcnow()
        live_class = LiveClass(district_id=None, title="全市压测直播课", classroom="市局智慧教室", starts_at=now,
                               ends_at=now + timedelta(hours=1), held_on=now.date(), category="classroom",
                               credit_hours=1, min_presence_percent=80, created_by_id=city_trainer.id)
        city_bank = QuestionBank(district_id=None, name="市局压测题库")
        bank = QuestionBank(district_id=districts[0].id, name="压测题库")
        session.add_all([live_class, city_bank, bank])
        session.flush()

        def question(n: int, of: QuestionBank) -> Question:
            options, answer = checked_question(QuestionKind.single, f"题目{n}", ["甲", "乙", "丙", "丁"], [n % 4])
            return Question(district_id=of.district_id, bank_id=of.id, kind=QuestionKind.single, stem=f"题目{n}",
                            options=options, answer=answer, difficulty=3,
                            fingerprint=fingerprint(QuestionKind.single, f"题目{n}", options))

        quiz_question = question(0, city_bank)
        questions = [question(n, bank) for n in range(1, PAPER_QUESTIONS + 1)]
        session.add_all([quiz_question, *questions])
        session.flush()
        trainer = Officer(badge_no="BT0000", name="教员", role=Role.trainer, district=districts[0])
        session.add(trainer)
        session.flush()
        paper = Paper(district_id=districts[0].id, title="百题考试", mode=PaperMode.fixed, time_limit_minutes=60,
                      max_attempts=1, pass_percent=60, shuffle=True, category="online", credit_hours=1,
                      created_by_id=trainer.id)
        paper.questions = [PaperQuestion(question_id=q.id, position=i, points=1) for i, q in enumerate(questions)]
        session.add(paper)
        session.commit()
        return {"tokens": tokens, "districts": [district_id for _, district_id in rows], "trainer": city_token,
                "class_id": live_class.id, "quiz_question": quiz_question.id, "paper_id": paper.id,
                "exam_tokens": [t for t, (_, d) in zip(tokens, rows, strict=True) if d == districts[0].id]}


def _parallel(port: int, jobs: list, threads: int) -> list:
    """Run (method, path, token, body) jobs over `threads` keep-alive clients; returns (status, seconds, body)."""
    local = threading.local()

    def one(job):
        if not hasattr(local, "client"):
            local.client = KeepAlive(port)
        started = time.perf_counter()
        status, body = local.client.call_json(*job)
        return status, time.perf_counter() - started, body

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, jobs))


def _quiz_round(port: int, seed: dict) -> dict:
    class_path = f"/api/training/live-classes/{seed['class_id']}"
    trainer = KeepAlive(port)
    joins = []
    for first in range(0, len(seed["tokens"]), 500):
        _, live_class = trainer.call_json("GET", class_path, seed["trainer"])
        sig = live_class["join_url"].split("sig=")[1]  # the code on the classroom screen now (it rotates)
        joins += _parallel(port, [("POST", f"{class_path}/join", t, {"sig": sig})
                                  for t in seed["tokens"][first:first + 500]], 32)
    assert all(status == 200 for status, _, _ in joins), Counter(s for s, _, _ in joins)
    status, quiz = trainer.call_json("POST", f"{class_path}/quizzes", seed["trainer"],
                                     {"question_id": seed["quiz_question"], "seconds": QUIZ_SECONDS})
    assert status == 201, quiz
    rng = random.Random(8)
    choices = [rng.choice([0, 0, 1, 2, 3]) for _ in seed["tokens"]]
    answers = [("POST", f"/api/training/quizzes/{quiz['id']}/answers", token, {"answer": [choice]})
               for token, choice in zip(seed["tokens"], choices, strict=True)]
    before = server_cpu_ticks(DB_URL)
    results, start = _scheduled(port, answers)
    cpu = cpu_ms_per_request(before, server_cpu_ticks(DB_URL), len(answers))
    last_answer = max(done for _, _, done in results)
    expected = Counter(choices)
    lag = None
    while time.time() - last_answer < 10:
        status, dist = trainer.call_json("GET", f"/api/training/quizzes/{quiz['id']}/distribution", seed["trainer"])
        counts = {i: option["count"] for i, option in enumerate(dist["options"])}
        if dist["answered"] == TRAINEES and all(counts[i] == expected[i] for i in range(4)):
            lag = time.time() - last_answer
            break
        time.sleep(0.1)
    stored = _answers_by_district(quiz["id"])
    return {"accepted": sum(1 for s, _, _ in results if s == 201), "lost": sum(1 for s, _, _ in results if s != 201),
            **_latency(results), "span_s": round(last_answer - start, 2),
            "distribution_lag_s": None if lag is None else round(lag, 3),
            "districts": len(stored), "every_district_complete": stored == Counter(seed["districts"]),
            "cpu_ms_per_answer": cpu}


def _answers_by_district(quiz_id: int) -> Counter:
    """The stored answers per district of the one who answered: each district's officers all counted."""
    engine = create_engine(DB_URL)
    with engine.connect() as conn:
        rows = conn.execute(text("select o.district_id, count(*) from training_live_quiz_answer a "
                                 "join officer o on o.id = a.officer_id where a.quiz_id = :q group by o.district_id"),
                            {"q": quiz_id}).all()
    engine.dispose()
    return Counter(dict(rows))


def _scheduled(port: int, jobs: list) -> tuple[list, float]:
    """Send the jobs at random moments spread over WINDOW_SECONDS, from CLIENT_PROCESSES processes of
    keep-alive client threads (several processes, so the client's own GIL does not skew latencies).

    Uniform arrivals: trainees read the question and answer over the window, about 200 a second (not
    all at t=0). Latency counts from each answer's due moment, not from when a free client thread
    sent it, so a server that falls behind cannot hide its queue in the client's (coordinated omission).
    Returns (status, seconds, finished at) per job, times on the wall clock, and the start."""
    rng = random.Random(9)
    timed = list(zip(sorted(rng.uniform(0, WINDOW_SECONDS) for _ in jobs), jobs, strict=True))
    start = time.time() + 1.0  # the processes start first
    slices = [timed[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    with multiprocessing.get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        parts = pool.starmap(_client_process, [(port, part, start) for part in slices])
    return [result for part in parts for result in part], start


def _client_process(port: int, timed: list, start: float) -> list:
    work: queue.Queue = queue.Queue()
    for item in timed:
        work.put(item)
    results, lock = [], threading.Lock()

    def client_thread():
        client = KeepAlive(port)
        while True:
            try:
                offset, job = work.get_nowait()
            except queue.Empty:
                return
            due = start + offset
            time.sleep(max(0.0, due - time.time()))
            try:
                status, _ = client.call_json(*job)
            except OSError:
                status = 0
            done = time.time()
            with lock:  # latency from the moment the trainee answers: a late send (all threads busy) counts too
                results.append((status, done - due, done))

    threads = [threading.Thread(target=client_thread) for _ in range(CLIENT_THREADS // CLIENT_PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _latency(results: list) -> dict:
    latencies = sorted(seconds for _, seconds, _ in results)
    return {"p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)}


def _bare_round(port: int) -> dict:
    """The same schedule of as many requests against the bare endpoint: what this machine and client allow."""
    before = server_cpu_ticks(DB_URL)
    results, start = _scheduled(port, [("GET", "/api/health", None, None)] * TRAINEES)
    return {**_latency(results), "span_s": round(max(done for _, _, done in results) - start, 2),
            "cpu_ms_per_request": cpu_ms_per_request(before, server_cpu_ticks(DB_URL), TRAINEES)}


COST_ANSWERS = 300  # answered one after the other in this process, to count what one costs


def _request_costs(app, seed: dict) -> dict:
    """What one answer costs the server and what one bare request does, apart from the machine's load (CPU and
    round trips to the database, `request_costs`): COST_ANSWERS trainees answer a second quiz of the class in this
    process, then as many GET /api/health."""
    status = app.test_client().post(f"/api/training/live-classes/{seed['class_id']}/quizzes",
                                    headers={"Authorization": f"Bearer {seed['trainer']}"},
                                    json={"question_id": seed["quiz_question"], "seconds": QUIZ_SECONDS})
    assert status.status_code == 201, status.json
    path = f"/api/training/quizzes/{status.json['id']}/answers"
    answer = request_costs(app, DB_URL, [("POST", path, token, {"answer": [1]})
                                         for token in seed["tokens"][:COST_ANSWERS + 1]])
    bare = request_costs(app, DB_URL, [("GET", "/api/health", None, None)] * (COST_ANSWERS + 1))
    return {"answer": answer, "bare_health": bare,
            "cpu_ratio": round((answer["app_cpu_ms"] + answer["db_cpu_ms"]) / (bare["app_cpu_ms"] + bare["db_cpu_ms"]),
                               1)}


def _exam_round(port: int, seed: dict) -> dict:
    tokens = seed["exam_tokens"][:SUBMISSIONS]
    starts = _parallel(port, [("POST", f"/api/training/papers/{seed['paper_id']}/attempts", t, None) for t in tokens],
                       SUBMIT_CONCURRENCY)
    assert all(status == 201 for status, _, _ in starts)
    jobs = [("POST", f"/api/training/attempts/{body['id']}/submit", token,
             {"answers": [{"item_id": item["item_id"], "answer": [0]} for item in body["items"]]})
            for (_, _, body), token in zip(starts, tokens, strict=True)]
    began = time.perf_counter()
    submitted = _parallel(port, jobs, SUBMIT_CONCURRENCY)
    ours = (time.perf_counter() - began) / len(jobs)
    assert all(status == 200 for status, _, _ in submitted), Counter(s for s, _, _ in submitted)
    began = time.perf_counter()
    bare = _parallel(port, [("GET", "/api/health", None, None)] * len(jobs), SUBMIT_CONCURRENCY)
    baseline = (time.perf_counter() - began) / len(jobs)
    assert all(status == 200 for status, _, _ in bare)
    return {"seconds_per_submission": round(ours, 4), "seconds_per_bare_request": round(baseline, 4),
            "submissions_per_second": round(1 / ours, 1)}


def run() -> dict:
    sys.path.insert(0, str(ROOT))
    from backend import create_app
    from backend.migrate import upgrade

    secret = secrets.token_hex(16)
    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secret, "SCHEDULER_MODE": "off", "LOG_LEVEL": "WARNING"})
    seed = _seed(app)
    app.extensions["db_engine"].dispose()
    load_before = [round(x, 1) for x in os.getloadavg()]
    with production_server(DB_URL, secret) as port:
        quiz = _quiz_round(port, seed)
        bare = _bare_round(port)
        exam = _exam_round(port, seed)
    costs = _request_costs(app, seed)
    app.extensions["db_engine"].dispose()
    met = (quiz["lost"] <= TARGET["lost"] and quiz["p99_ms"] <= TARGET["p99_ms"] and quiz["every_district_complete"]
           and quiz["distribution_lag_s"] is not None and quiz["distribution_lag_s"] <= TARGET["distribution_lag_s"])
    answer_cpu, bare_cpu = (cpu["total"] for cpu in (quiz["cpu_ms_per_answer"], bare["cpu_ms_per_request"]))
    return {
        "work": f"{TRAINEES} answers of {DISTRICTS} districts to a city-wide in-class quiz within "
                f"{WINDOW_SECONDS:.0f} s; "
                f"{SUBMISSIONS} submissions of a {PAPER_QUESTIONS}-question paper",
        "ours": {"quiz": quiz, "exam_seconds_per_submission": exam["seconds_per_submission"],
                 # what the window asks of the server: its CPU for every answer within WINDOW_SECONDS, in cores
                 # (this machine has os.cpu_count(), shared with the load generator)
                 "cores_the_window_needs": round(answer_cpu * TRAINEES / (WINDOW_SECONDS * 1000), 1),
                 "cores_here": os.cpu_count(),
                 "quiz_cpu_ratio_answer_to_bare": round(answer_cpu / bare_cpu, 1) if bare_cpu else None,
                 "one_answer_in_process": costs["answer"]},
        "baseline": {"bare_endpoint_same_schedule": bare, "one_bare_request_in_process": costs["bare_health"],
                     "in_process_cpu_ratio_answer_to_bare": costs["cpu_ratio"],
                     "bare_endpoint_seconds_per_request": exam["seconds_per_bare_request"]},
        "ratio": round(exam["seconds_per_submission"] / exam["seconds_per_bare_request"], 1),
        "target": {**TARGET, "exam": "ratio reported (no target set in issue 8)"},
        "met": met,
        # a shared machine skews every figure: the load before the server started and after the run
        "load_average": {"before": load_before, "after": [round(x, 1) for x in os.getloadavg()]},
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
