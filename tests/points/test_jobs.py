"""The points jobs on the scheduler, with the clock moved by hand and real commits."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.config import ROOT
from backend.db import session
from backend.scheduler import JOBS, SUCCEEDED, JobRun, Runner, run_job
from backend.supervision.points.models import DailyItem, MonthlyLine, MonthlyPoints
from tests.clock import Clock

POINTS_JOBS = [job for job in JOBS if job.id.startswith("points.")]


@pytest.fixture
def officer(committed_app, make, facts):
    officer = make.officer()
    day = date(2026, 10, 25)
    while day < date(2026, 12, 31):  # on duty on weekdays, late on Tuesdays, 3 km patrol on Wednesdays
        if day.weekday() < 5:
            facts.add(officer, day, "attendance", ref=f"{day} 出勤")
        if day.weekday() == 1:
            facts.add(officer, day, "late", ref=f"{day} 迟到")
        if day.weekday() == 2:
            facts.add(officer, day, "patrol_km", "3", ref=f"{day} 巡查")
        day += timedelta(days=1)
    return officer


def committed(app, stmt):
    with app.extensions["db_engine"].connect() as conn:
        return conn.execute(stmt).all()


def sheet(app, officer, month: date):
    return committed(app, select(MonthlyPoints.state, MonthlyPoints.items_total, MonthlyPoints.total)
                     .where(MonthlyPoints.officer_id == officer.id, MonthlyPoints.month == month))


def test_a_month_played_day_by_day_then_rolled_up_once(committed_app, officer):
    clock = Clock(2026, 11, 1, 9)
    runner = Runner(committed_app, POINTS_JOBS, holder="only", clock=clock)
    for _ in range(31):
        runner.catch_up()
        clock.advance(days=1)

    keys = [key for key, in committed(committed_app, select(JobRun.period_key).where(
        JobRun.job_id == "points.daily_records", JobRun.outcome == SUCCEEDED).order_by(JobRun.period_key))]
    assert keys == [(date(2026, 10, 31) + timedelta(days=n)).isoformat() for n in range(31)]
    assert committed(committed_app, select(JobRun.period_key).where(JobRun.job_id == "points.monthly_points")
                     .order_by(JobRun.period_key)) == [("2026-10",), ("2026-11",)]
    # November: 21 weekdays (+4.20), 4 Tuesdays late (-4.00), 4 Wednesdays of 3 km (+1.20)
    assert sheet(committed_app, officer, date(2026, 11, 1)) == [("draft", Decimal("1.40"), Decimal("101.40"))]


def test_a_three_day_outage_is_caught_up_exactly_once(committed_app, officer):
    clock = Clock(2026, 11, 10, 9)
    runner = Runner(committed_app, POINTS_JOBS, holder="only", clock=clock)
    runner.catch_up()
    clock.advance(days=4)  # down on the 11th, 12th and 13th
    assert runner.catch_up()["points.daily_records"] == [
        (f"2026-11-{d}", SUCCEEDED) for d in (10, 11, 12, 13)]
    assert runner.catch_up()["points.daily_records"] == []
    again = Runner(committed_app, POINTS_JOBS, holder="after-restart", clock=clock)
    runner.release_lease()
    assert again.catch_up()["points.daily_records"] == []

    days = committed(committed_app, select(DailyItem.day, func.count()).where(
        DailyItem.officer_id == officer.id).group_by(DailyItem.day))
    assert sorted(days) == [(date(2026, 11, 9), 1), (date(2026, 11, 10), 2), (date(2026, 11, 11), 2),
                            (date(2026, 11, 12), 1), (date(2026, 11, 13), 1)]
    # the 9th to the 13th: 5 weekdays (+1.00), late on the 10th (-1.00), 3 km on the 11th (+0.30)
    assert sheet(committed_app, officer, date(2026, 11, 1)) == [("draft", Decimal("0.30"), Decimal("100.30"))]


KILLED_ROLL_UP = textwrap.dedent("""
    import os, signal, sys
    from datetime import date
    from backend import create_app
    from backend.scheduler import Job, run_job
    from backend.supervision.points.operations import refresh_month

    def roll_up_then_die(month):
        refresh_month(month)  # every sheet written and flushed, not yet committed ...
        os.kill(os.getpid(), signal.SIGKILL)

    app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True})
    job = Job("points.monthly_points", {"day": 1, "hour": 3}, roll_up_then_die, period="month", lag=1)
    run_job(app, job, date(2026, 11, 1))
""")


def test_kill_9_during_the_monthly_roll_up_leaves_no_partial_month(committed_app, make, officer):
    for _ in range(20):
        make.officer(squad=officer.squad)
    [daily] = [job for job in POINTS_JOBS if job.id == "points.daily_records"]
    for day in range(1, 31):
        assert run_job(committed_app, daily, date(2026, 11, day)) == SUCCEEDED
    session.execute(MonthlyLine.__table__.delete())
    session.execute(MonthlyPoints.__table__.delete())
    session.commit()

    killed = subprocess.run([sys.executable, "-c", KILLED_ROLL_UP, committed_app.config["DATABASE_URL"]],
                            cwd=ROOT, capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert committed(committed_app, select(func.count()).select_from(MonthlyPoints)) == [(0,)]
    assert committed(committed_app, select(JobRun.period_key).where(JobRun.job_id == "points.monthly_points")) == []

    [monthly] = [job for job in POINTS_JOBS if job.id == "points.monthly_points"]
    assert run_job(committed_app, monthly, date(2026, 11, 1)) == SUCCEEDED
    assert committed(committed_app, select(func.count()).select_from(MonthlyPoints)) == [(21,)]
    assert sheet(committed_app, officer, date(2026, 11, 1)) == [("draft", Decimal("1.40"), Decimal("101.40"))]


def test_backfill_command_rebuilds_a_range_and_its_months(committed_app, officer):
    cli = committed_app.test_cli_runner()
    result = cli.invoke(args=["points", "backfill", "--from", "2026-11-09", "--to", "2026-11-13"])
    assert result.exit_code == 0, result.output
    assert "已重建 5 天的日记实（7 条）" in result.output and "新建 1" in result.output
    assert sheet(committed_app, officer, date(2026, 11, 1)) == [("draft", Decimal("0.30"), Decimal("100.30"))]

    again = cli.invoke(args=["points", "backfill", "--from", "2026-11-09", "--to", "2026-11-13"])
    assert "未变 1" in again.output
    backwards = cli.invoke(args=["points", "backfill", "--from", "2026-11-13", "--to", "2026-11-09"])
    assert backwards.exit_code == 2 and "结束日期不能早于起始日期" in backwards.output


def test_the_monthly_roll_up_started_in_two_processes_at_once_runs_once(committed_app, make, officer):
    for _ in range(10):
        make.officer(squad=officer.squad)
    [daily] = [job for job in POINTS_JOBS if job.id == "points.daily_records"]
    for day in range(9, 14):
        run_job(committed_app, daily, date(2026, 11, day))
    session.execute(MonthlyLine.__table__.delete())
    session.execute(MonthlyPoints.__table__.delete())
    session.commit()

    env = {**os.environ, "DATABASE_URL": committed_app.config["DATABASE_URL"], "SCHEDULER_MODE": "off",
           "SECRET_KEY": secrets.token_urlsafe(48)}
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "scheduler", "run-job",
               "points.monthly_points", "--period", "2026-11"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted("跳过" in output for output in outputs) == [False, True], outputs
    assert committed(committed_app, select(func.count()).select_from(MonthlyPoints)) == [(11,)]
    assert committed(committed_app, select(JobRun.outcome, JobRun.attempts).where(
        JobRun.job_id == "points.monthly_points")) == [(SUCCEEDED, 1)]
    assert sheet(committed_app, officer, date(2026, 11, 1)) == [("draft", Decimal("0.30"), Decimal("100.30"))]
