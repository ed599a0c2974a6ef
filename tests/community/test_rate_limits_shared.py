"""Residents' rate limits hold across server processes: the counters live in the database they share."""
from __future__ import annotations

import multiprocessing
import uuid

from sqlalchemy import func, select

from backend import create_app
from backend.community.models import Complaint
from backend.db import session
from tests.community.conftest import signed

PER_PROCESS = 25
ADDRESS = "10.77.0.1"


def _burst(url: str, files_dir: str, office: dict, barrier, results) -> None:
    """One server process: its own app on the shared database, submitting as fast as it can."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "FILES_DIR": files_dir,
                      "SCHEDULER_MODE": "off", "TESTING": True, "COMMUNITY_LIMIT_PER_ADDRESS": "20/day"})
    client = app.test_client()
    barrier.wait(timeout=120)
    statuses = []
    for _ in range(PER_PROCESS):
        response = client.post("/api/community/public/complaints", content_type="multipart/form-data",
                               data={**office, "category": "noise", "consent": "true",
                                     "description": f"夜间噪声 {uuid.uuid4().hex}"},
                               environ_base={"REMOTE_ADDR": ADDRESS})
        statuses.append((response.status_code, (response.json or {}).get("error")))
    results.put(statuses)


def test_a_burst_from_one_address_through_two_processes_is_held_to_the_limit(committed_app, make, tmp_path):
    squad = make.squad()
    office = signed(make.office(squad, name="两进程工作室"))
    session.commit()
    url = committed_app.config["DATABASE_URL"]

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_burst, args=(url, str(tmp_path), office, barrier, results)) for _ in "AB"]
    for worker in workers:
        worker.start()
    statuses = [status for _ in workers for status in results.get(timeout=180)]
    for worker in workers:
        worker.join(timeout=30)

    assert statuses.count((201, None)) == 20
    assert statuses.count((429, "rate_limited_address")) == 2 * PER_PROCESS - 20
    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Complaint)) == 20
