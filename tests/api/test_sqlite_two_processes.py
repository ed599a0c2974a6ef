"""The embedded SQLite default under two server processes: concurrent writes wait, never fail."""
import hashlib
import multiprocessing
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from backend import create_app
from backend.db import utcnow
from backend.migrate import upgrade
from backend.org.models import AuthToken, District, Officer, Role, Squad

WRITES_PER_PROCESS = 60


def _write_officers(url: str, token: str, prefix: str, results) -> None:
    app = create_app({"DATABASE_URL": url, "SCHEDULER_MODE": "off", "TESTING": True})
    client = app.test_client()
    statuses = []
    for n in range(WRITES_PER_PROCESS):
        response = client.post("/api/org/officers", headers={"Authorization": f"Bearer {token}"},
                               json={"badge_no": f"{prefix}{n:04d}", "name": "并发写入", "role": "supervisor"})
        statuses.append(response.status_code)
        client.get("/api/org/officers?page_size=5", headers={"Authorization": f"Bearer {token}"})
    results.put(statuses)


def test_two_processes_write_the_same_sqlite_file_without_locking_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    engine = create_engine(url)
    with Session(engine) as db:
        district = District(code="P", name="并发区")
        admin = Officer(badge_no="ADMIN", name="管理员", role=Role.district_admin, district=district)
        db.add_all([district, Squad(district=district, name="中队"), admin])
        token = "two-processes-token"
        db.add(AuthToken(token_hash=hashlib.sha256(token.encode()).hexdigest(), officer=admin, channel="password",
                         expires_at=utcnow() + timedelta(hours=1)))
        db.commit()

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_write_officers, args=(url, token, prefix, results)) for prefix in "AB"]
    for worker in workers:
        worker.start()
    statuses = [status for _ in workers for status in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)

    assert statuses == [201] * (2 * WRITES_PER_PROCESS)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Officer).where(Officer.name == "并发写入")).scalar() == 120
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
    engine.dispose()
