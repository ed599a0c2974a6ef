"""Appends under load (real threads, committed data); the whole intake and the orphan sweep on an S3 bucket (moto)."""
import threading
from datetime import timedelta

from sqlalchemy import select

from backend import files
from backend.db import session
from backend.evidence.chain import verify_chain
from backend.evidence.models import Evidence
from backend.org.models import Officer, Role
from backend.scheduler import SUCCEEDED, run_job
from tests.evidence.helpers import SWEEP, commits_fail, details, unique_jpeg, upload
from tests.media.test_storage import s3_endpoint, s3_storage  # noqa: F401  (the moto server fixture)


def _at_once(app, jobs) -> list:
    """Run each (headers, data, fields) upload in its own thread, all released together; their status codes."""
    barrier, codes = threading.Barrier(len(jobs)), []

    def work(headers, data, fields):
        client = app.test_client()
        barrier.wait()
        codes.append(upload(client, headers, data, **fields).status_code)

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def test_simultaneous_uploads_of_one_officer_form_one_unbroken_chain(committed_app, make):
    officer = make.officer()
    headers = make.headers(officer)
    session.commit()
    same = details()
    jobs = [(headers, unique_jpeg(), details()) for _ in range(4)]
    jobs += [(headers, data, same) for data in [unique_jpeg()] * 2]  # one retry racing its original
    codes = _at_once(committed_app, jobs)
    assert sorted(codes) == [200] + [201] * 5
    session.expire_all()
    seqs = session.scalars(select(Evidence.seq).where(Evidence.officer_id == officer.id).order_by(Evidence.seq)).all()
    assert seqs == [1, 2, 3, 4, 5]
    assert verify_chain(session.get(Officer, officer.id)).intact


def test_intake_verify_and_export_on_an_s3_bucket(app, client, make, s3_endpoint, monkeypatch):  # noqa: F811
    store = s3_storage(s3_endpoint, "evidence-intake")
    monkeypatch.setitem(app.extensions, "storage", store)
    officer = make.officer()
    headers = make.headers(officer)
    data = unique_jpeg()
    body = upload(client, headers, data).json
    assert store.get(f"evidence/originals/{body['sha256'][:2]}/{body['sha256']}.jpg") == data
    assert client.get(f"/api/evidence/{body['id']}/original", headers=headers).data == data
    assert client.post(f"/api/evidence/{body['id']}/exports", headers=headers, json={}).status_code == 200
    assert verify_chain(officer).intact
    admin = make.officer(Role.district_admin, district=officer.district)
    reports = client.get("/api/evidence/chains", headers=make.headers(admin)).json
    assert [(r["officer_id"], r["intact"]) for r in reports] == [(officer.id, True)]


def test_orphans_of_a_failed_commit_are_swept_from_an_s3_bucket(app, client, make, s3_endpoint,  # noqa: F811
                                                                 monkeypatch):
    store = s3_storage(s3_endpoint, "evidence-orphans")
    monkeypatch.setitem(app.extensions, "storage", store)
    officer = make.officer()
    kept = upload(client, make.headers(officer), unique_jpeg()).json
    with commits_fail():
        assert upload(client, make.headers(officer), unique_jpeg()).status_code == 500

    def stored() -> set[str]:
        return {item["Key"] for item in store.client.list_objects_v2(Bucket="evidence-orphans").get("Contents", ())}

    before = stored()
    assert len(before) == 6  # two originals, thumbnails, watermarked copies
    monkeypatch.setattr(files, "ORPHAN_GRACE", timedelta(minutes=-1))  # (a bucket's dates cannot be set back)
    assert run_job(app, SWEEP, None) == SUCCEEDED
    record = session.get(Evidence, kept["id"])
    assert stored() == {record.original_key, record.thumbnail_key, record.watermarked_key}
    assert verify_chain(officer).intact
