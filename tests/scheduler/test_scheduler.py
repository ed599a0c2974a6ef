"""The scheduler: one lease holder across processes, each period once, catch-up, the job wrapper."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from backend import scheduler
from backend.db import session
from backend.errors import ServiceUnavailable
from backend.org.models import District
from backend.scheduler import FAILED, SKIPPED, SUCCEEDED, Job, JobRun, Runner, run_job
from tests.clock import Clock


def committed_count(app, model, *where) -> int:
    """Rows of `model` that are committed, seen from a fresh connection."""
    with app.extensions["db_engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def ledger(app, job_id: str) -> list[tuple[str, str, int]]:
    with app.extensions["db_engine"].connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(JobRun.period_key, JobRun.outcome, JobRun.attempts)
            .where(JobRun.job_id == job_id).order_by(JobRun.period_key))]


def add_district(name: str) -> None:
    session.add(District(code=uuid.uuid4().hex[:12], name=name))
    session.flush()


@pytest.fixture
def calls():
    return []


@pytest.fixture
def daily(calls):
    """A daily job at 03:00 that records the day it covers."""
    return Job("test.daily", {"hour": 3}, lambda day: calls.append(day))


def test_only_the_lease_holder_runs_jobs(committed_app, daily, calls):
    clock = Clock(2026, 11, 23, 10)
    first = Runner(committed_app, [daily], holder="first", clock=clock)
    second = Runner(committed_app, [daily], holder="second", clock=clock)

    assert first.renew_lease() is True
    assert second.renew_lease() is False
    assert second.run_due("test.daily") == []
    assert first.run_due("test.daily") == [("2026-11-23", SUCCEEDED)]
    assert second.catch_up() == {"test.daily": []}
    assert calls == [date(2026, 11, 23)]


def test_expired_lease_is_taken_over_and_a_released_one_at_once(committed_app, daily):
    clock = Clock(2026, 11, 23, 10)
    first = Runner(committed_app, [daily], holder="first", clock=clock)
    second = Runner(committed_app, [daily], holder="second", clock=clock)
    assert first.renew_lease()

    clock.advance(seconds=committed_app.config["SCHEDULER_LEASE_SECONDS"] - 1)
    assert not second.renew_lease()
    assert first.renew_lease()  # renewed: the lease runs for another full term from now
    clock.advance(seconds=committed_app.config["SCHEDULER_LEASE_SECONDS"] - 1)
    assert not second.renew_lease()
    clock.advance(seconds=2)
    assert second.renew_lease()
    assert not first.renew_lease()
    assert first.run_due("test.daily") == []

    second.release_lease()
    assert first.renew_lease()


def test_a_period_runs_once_however_often_it_is_started(committed_app, daily, calls):
    day = date(2026, 11, 20)
    assert run_job(committed_app, daily, day) == SUCCEEDED
    assert run_job(committed_app, daily, day) == SKIPPED
    assert calls == [day]
    assert ledger(committed_app, "test.daily") == [("2026-11-20", SUCCEEDED, 1)]


def test_the_same_period_started_twice_at_once_commits_once(committed_app):
    started = threading.Barrier(2)

    def slow_job():
        add_district("并发任务")
        time.sleep(0.3)

    job = Job("test.concurrent", {"hour": 3}, slow_job)
    outcomes = []

    def run(holder):
        started.wait()
        outcomes.append(run_job(committed_app, job, date(2026, 11, 20), holder=holder))

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [SKIPPED, SUCCEEDED]
    assert committed_count(committed_app, District, District.name == "并发任务") == 1
    assert ledger(committed_app, "test.concurrent") == [("2026-11-20", SUCCEEDED, 1)]


def test_catch_up_runs_each_missed_day_once_in_order(committed_app, daily, calls):
    clock = Clock(2026, 11, 20, 10)
    runner = Runner(committed_app, [daily], holder="only", clock=clock)
    assert runner.catch_up() == {"test.daily": [("2026-11-20", SUCCEEDED)]}

    clock.advance(days=3, hours=-8)  # 23 Nov 02:00: today's 03:00 run is not due yet
    assert runner.catch_up() == {"test.daily": [("2026-11-21", SUCCEEDED), ("2026-11-22", SUCCEEDED)]}
    clock.advance(hours=1, minutes=1)
    assert runner.catch_up() == {"test.daily": [("2026-11-23", SUCCEEDED)]}
    assert runner.catch_up() == {"test.daily": []}
    assert calls == [date(2026, 11, d) for d in (20, 21, 22, 23)]


def test_a_job_without_catch_up_runs_only_its_latest_period(committed_app, calls):
    sync = Job("test.sync", {"hour": 2, "minute": 30}, lambda: calls.append("sync"), catch_up=False)
    clock = Clock(2026, 11, 20, 10)
    runner = Runner(committed_app, [sync], holder="only", clock=clock)
    runner.catch_up()
    clock.advance(days=5)
    assert runner.catch_up() == {"test.sync": [("2026-11-25", SUCCEEDED)]}
    assert calls == ["sync", "sync"]


def test_monthly_job_for_the_previous_month_is_due_after_its_fire_time(committed_app, calls):
    monthly = Job("test.monthly", {"day": 1, "hour": 2}, lambda month: calls.append(month), period="month", lag=1)
    clock = Clock(2026, 12, 1, 1)
    runner = Runner(committed_app, [monthly], holder="only", clock=clock)
    assert runner.catch_up() == {"test.monthly": [("2026-10", SUCCEEDED)]}
    clock.advance(hours=2)
    assert runner.catch_up() == {"test.monthly": [("2026-11", SUCCEEDED)]}
    assert calls == [date(2026, 10, 1), date(2026, 11, 1)]


def test_wrapper_commits_a_succeeding_job(committed_app):
    job = Job("test.writes", {"hour": 3}, lambda: add_district("任务写入"))
    assert run_job(committed_app, job, date(2026, 11, 20)) == SUCCEEDED
    assert committed_count(committed_app, District, District.name == "任务写入") == 1


def test_wrapper_rolls_back_a_failing_job_and_retries_it_later(committed_app, calls):
    def flaky(day):
        add_district("半途而废")
        calls.append(day)
        if len(calls) == 1:
            raise RuntimeError("数据源暂不可用")

    job = Job("test.flaky", {"hour": 3}, flaky)
    clock = Clock(2026, 11, 20, 10)
    runner = Runner(committed_app, [job], holder="only", clock=clock)
    assert runner.catch_up() == {"test.flaky": [("2026-11-20", FAILED)]}
    assert committed_count(committed_app, District, District.name == "半途而废") == 0
    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(JobRun.error)) == "RuntimeError: 数据源暂不可用"

    assert runner.catch_up() == {"test.flaky": [("2026-11-20", SUCCEEDED)]}
    assert committed_count(committed_app, District, District.name == "半途而废") == 1
    assert ledger(committed_app, "test.flaky") == [("2026-11-20", SUCCEEDED, 2)]


def test_an_outside_service_down_is_logged_in_one_line_a_bug_with_its_traceback(committed_app, caplog):
    def wechat_down():
        raise ServiceUnavailable("政务微信尚未配置，请联系管理员", code="wechat_not_configured")

    def bug():
        raise KeyError("officer")

    runner = Runner(committed_app, [Job("test.outside", {"hour": 3}, wechat_down), Job("test.bug", {"hour": 3}, bug)],
                    holder="only", clock=Clock(2026, 11, 20, 10))
    with caplog.at_level("ERROR", logger=scheduler.log.name):
        assert runner.catch_up() == {"test.outside": [("2026-11-20", FAILED)], "test.bug": [("2026-11-20", FAILED)]}
    outside, failed_bug = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "政务微信尚未配置" in outside.getMessage() and outside.exc_info is None
    assert failed_bug.exc_info is not None and failed_bug.exc_info[0] is KeyError


def test_catch_up_stops_at_a_failure_and_resumes_from_it(committed_app, calls):
    def fails_on_the_21st(day):
        if day == date(2026, 11, 21) and day not in calls:
            calls.append(day)
            raise RuntimeError("boom")
        calls.append(day)

    job = Job("test.ordered", {"hour": 3}, fails_on_the_21st)
    clock = Clock(2026, 11, 20, 10)
    runner = Runner(committed_app, [job], holder="only", clock=clock)
    runner.catch_up()
    clock.advance(days=3)
    assert runner.catch_up() == {"test.ordered": [("2026-11-21", FAILED)]}
    assert runner.catch_up() == {"test.ordered": [
        ("2026-11-21", SUCCEEDED), ("2026-11-22", SUCCEEDED), ("2026-11-23", SUCCEEDED)]}


def test_background_runner_takes_the_lease_catches_up_and_releases(committed_app, calls):
    job = Job("test.background", {"hour": 3}, lambda: calls.append("ran"))
    runner = Runner(committed_app, [job], holder="background")
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.holding and calls == ["ran"]
        assert {job.id for job in runner.scheduler.get_jobs()} >= {"scheduler.lease", "test.background"}
    finally:
        runner.shutdown()
    assert Runner(committed_app, [job], holder="next").renew_lease()


def test_cli_runs_one_job_for_a_period_once(committed_app, calls, monkeypatch):
    monthly = Job("test.cli", {"day": 1, "hour": 2}, lambda month: calls.append(month), period="month", lag=1)
    monkeypatch.setattr(scheduler, "JOBS", [monthly])
    cli = committed_app.test_cli_runner()

    result = cli.invoke(args=["scheduler", "run-job", "test.cli", "--period", "2026-10"])
    assert result.exit_code == 0 and "已完成" in result.output
    result = cli.invoke(args=["scheduler", "run-job", "test.cli", "--period", "2026-10-15"])
    assert result.exit_code == 0 and "跳过" in result.output
    assert calls == [date(2026, 10, 1)]

    result = cli.invoke(args=["scheduler", "run-job", "test.cli", "--period", "2026-13"])
    assert result.exit_code == 2 and "无法识别的周期" in result.output
    result = cli.invoke(args=["scheduler", "run-job", "no.such.job"])
    assert result.exit_code == 2 and "test.cli" in result.output


def test_contacts_sync_is_a_nightly_job():
    job = {job.id: job for job in scheduler.JOBS}["wechat.contacts_sync"]
    assert job.func == "backend.wechat.contacts.sync_contacts" and not job.catch_up


def test_tests_never_start_the_embedded_scheduler(app):
    assert app.config["SCHEDULER_MODE"] == "off" and "scheduler" not in app.extensions


def test_a_first_run_that_failed_is_retried_with_the_days_after_it(committed_app, calls):
    def fails_first(day):
        calls.append(day)
        if len(calls) == 1:
            raise RuntimeError("首次运行失败")

    job = Job("test.first", {"hour": 3}, fails_first)
    clock = Clock(2026, 11, 20, 10)
    runner = Runner(committed_app, [job], holder="only", clock=clock)
    assert runner.catch_up() == {"test.first": [("2026-11-20", FAILED)]}
    clock.advance(days=1)
    assert runner.catch_up() == {"test.first": [("2026-11-20", SUCCEEDED), ("2026-11-21", SUCCEEDED)]}


def test_a_sweep_runs_at_every_firing_on_the_lease_holder_only_and_commits(committed_app):
    sweep = Job("test.sweep", {"minute": 10}, lambda: add_district("每小时巡检"), period=scheduler.SWEEP)
    clock = Clock(2026, 11, 23, 10)
    holder = Runner(committed_app, [sweep], holder="holder", clock=clock)
    other = Runner(committed_app, [sweep], holder="other", clock=clock)
    assert holder.run_due("test.sweep") == [("sweep", SUCCEEDED)]
    assert other.run_due("test.sweep") == []
    assert holder.run_due("test.sweep") == [("sweep", SUCCEEDED)]
    assert committed_count(committed_app, District, District.name == "每小时巡检") == 2
    assert ledger(committed_app, "test.sweep") == []


def test_a_job_with_a_thread_of_its_own_delays_no_other(committed_app, calls):
    """A video copy takes minutes: while one runs, the other jobs (a shift reminder at 06:30) still run."""
    release = threading.Event()

    def long_copy():
        calls.append("copy started")
        assert release.wait(timeout=20), "the other job never ran"
        calls.append("copy done")

    slow = Job("test.slow", {"minute": "*/2"}, long_copy, period=scheduler.SWEEP, executor="media")
    quick = Job("test.quick", {"hour": 3}, lambda: calls.append("reminders sent"))
    runner = Runner(committed_app, [slow, quick], holder="lanes")
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not {"copy started", "reminders sent"} <= set(calls) and time.monotonic() < deadline:
            time.sleep(0.05)  # both jobs are due at start-up: on a busy machine either may start first
        assert "copy started" in calls and "reminders sent" in calls and "copy done" not in calls
    finally:
        release.set()
        deadline = time.monotonic() + 10
        while "copy done" not in calls and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.shutdown()
    assert calls.index("reminders sent") < calls.index("copy done")
