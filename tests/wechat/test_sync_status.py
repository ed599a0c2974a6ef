"""The contacts sync's status for the district admin: set up or not, and the nightly runs from the job ledger."""
from __future__ import annotations

from datetime import date

from backend.org.models import Role
from backend.scheduler import JOBS, SUCCEEDED, run_job

SYNC = next(job for job in JOBS if job.id == "wechat.contacts_sync")


def test_the_admin_sees_whether_the_sync_is_set_up_and_its_last_runs(app, client, make, monkeypatch):
    admin = make.officer(Role.district_admin)
    empty = client.get("/api/org/contacts-sync", headers=make.headers(admin))
    assert empty.status_code == 200 and empty.json["runs"] == []

    monkeypatch.setitem(app.config, "WECHAT_CONTACTS_SECRET", "")
    monkeypatch.setitem(app.config, "WECHAT_SECRET", "")  # not set up: the nightly run does nothing, and says so
    assert run_job(app, SYNC, date(2026, 12, 1)) == SUCCEEDED
    assert run_job(app, SYNC, date(2026, 12, 2)) == SUCCEEDED
    status = client.get("/api/org/contacts-sync", headers=make.headers(admin)).json
    assert status["configured"] is False
    assert [run["period_key"] for run in status["runs"]] == ["2026-12-02", "2026-12-01"]  # newest first
    assert status["runs"][0]["outcome"] == "succeeded" and status["runs"][0]["error"] is None

    for role in (Role.squad_leader, Role.supervisor):
        refused = client.get("/api/org/contacts-sync", headers=make.headers(make.officer(role)))
        assert refused.status_code == 403, role
