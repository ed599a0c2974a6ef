"""Files left by a failed commit (write-once storage: files first, then the commit) are swept after a grace period."""
import hashlib
import os
import threading
import time
import uuid

from sqlalchemy import func, select, text

from backend.db import session, utcnow
from backend.evidence.chain import verify_chain
from backend.evidence.models import Evidence
from backend.evidence.operations import submit_evidence
from backend.org.models import Officer
from backend.scheduler import run_job
from backend.storage import get_storage
from tests.evidence.helpers import SWEEP, age_files, commits_fail, stored_files, sweep_orphans, unique_jpeg, upload


def test_files_of_a_failed_commit_are_swept_after_a_day_and_shared_ones_kept(app, client, make, own_storage):
    first, second = make.officer(), make.officer()
    shared = unique_jpeg()
    kept = upload(client, make.headers(first), shared)
    assert kept.status_code == 201
    files_of_kept = stored_files(app)
    with commits_fail():
        failed = [upload(client, make.headers(second), data) for data in (unique_jpeg(), shared)]
    assert [response.status_code for response in failed] == [500, 500]
    assert session.scalar(select(func.count()).select_from(Evidence).where(Evidence.officer_id == second.id)) == 0
    orphans = stored_files(app) - files_of_kept
    # The new photo's original, thumbnail and watermarked copy; the shared photo's own watermarked copy
    # (another badge number). The shared original and thumbnail belong to the first record too.
    assert len(orphans) == 4

    sweep_orphans(app)
    assert stored_files(app) == files_of_kept | orphans  # within the grace period nothing goes
    age_files(own_storage, 2)
    sweep_orphans(app)
    assert stored_files(app) == files_of_kept
    assert verify_chain(first).intact
    assert client.get(f"/api/evidence/{kept.json['id']}/original", headers=make.headers(first)).data == shared


def test_the_sweep_never_deletes_a_file_that_a_request_about_to_commit_refers_to(committed_app, make):
    """A day-old orphan is taken in again by a request; the sweep runs before that request commits."""
    officer = make.officer()
    session.commit()
    data = unique_jpeg()
    key = f"evidence/originals/{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}.jpg"
    storage = get_storage()
    storage.put(key, data, "image/jpeg")  # left by a commit that failed two days ago
    os.utime(storage.path(key), (time.time() - 2 * 86400,) * 2)
    submit_evidence(officer, client_id=str(uuid.uuid4()), data=data, content_type="image/jpeg",
                    captured_at=utcnow(), lat=31.2304, lng=121.4737, place="黄浦区人民大道 200 号")
    sweep = threading.Thread(target=run_job, args=(committed_app, SWEEP, None))
    sweep.start()
    _wait_until_the_sweep_waits(committed_app, sweep)
    session.commit()
    sweep.join(timeout=60)
    assert storage.exists(key)
    assert verify_chain(session.get(Officer, officer.id)).intact


def _wait_until_the_sweep_waits(app, sweep: threading.Thread) -> None:
    """PostgreSQL: until the sweep waits for the key's lock. SQLite: the sweep cannot even begin while
    the request holds the write lock, so a moment's head start is all it needs."""
    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        sweep.join(timeout=0.5)
        return
    while sweep.is_alive():
        with engine.connect() as connection:
            if connection.scalar(text("select count(*) from pg_locks where locktype = 'advisory' and not granted")):
                return
        sweep.join(timeout=0.1)
    raise AssertionError("the sweep finished without waiting for the request holding the key")
