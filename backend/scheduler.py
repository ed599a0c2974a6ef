"""APScheduler set-up: one runner across processes (a database lease), a job wrapper, catch-up.

Every job covers a period (a day, month, quarter or year) and is recorded in the `job_run` ledger
under (job id, period key), unique, so a period completes exactly once: the job's writes and its
ledger row commit in one transaction. Only the holder of the lease runs jobs; a scheduler that
(re)gains the lease first runs every missed period, oldest first, in JOBS order.

Add a job with one line in its domain's `DOMAIN.jobs`: `Job(id, cron trigger kwargs, callable or
"module.function", ...)` (backend/registry.py).
The callable takes no argument, or one: the first day of the period it covers (a `date`). It writes
through `backend.db.session` and flushes; the wrapper commits (or rolls back on error).
"""
from __future__ import annotations

import atexit
import importlib
import inspect
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask, current_app
from flask.cli import AppGroup
from flask.helpers import get_debug_flag
from sqlalchemy import Integer, String, UniqueConstraint, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.serving import is_running_from_reloader

from backend import periods
from backend.audit import AuditEntry
from backend.config import settings
from backend.db import LOCAL_TZ, Base, UTCDateTime, local_day, session, utcnow
from backend.domains import DOMAINS
from backend.errors import DomainError
from backend.registry import SWEEP, Job

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
SUCCEEDED, FAILED, SKIPPED = "succeeded", "failed", "skipped"
# How far back catch-up looks, in periods of each kind.
CATCH_UP_WINDOW = {"day": 62, "month": 24, "quarter": 8, "year": 3}


# Every domain's jobs (`Domain.jobs`), in the order of backend/domains.py: the catch-up order.
JOBS: list[Job] = [job for domain in DOMAINS for job in domain.jobs]


class SchedulerLease(Base):
    """Who runs the jobs: the one holder whose lease has not expired."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRun(Base):
    """The ledger: one row per job and period; `succeeded` means that period is done for good."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(16))  # 2026-11-23 | 2026-11 | 2026-Q4 | 2026
    outcome: Mapped[str] = mapped_column(String(16))  # succeeded | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    holder: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(500))


# -- the job wrapper -------------------------------------------------------------------------------

def _resolve(func: str | Callable) -> Callable:
    """The callable itself, or imported lazily from "package.module.function"."""
    if callable(func):
        return func
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _call(job: Job, period: date | None):
    target = _resolve(job.func)
    return target(period) if inspect.signature(target).parameters else target()


def _succeeded(job_id: str, key: str) -> bool:
    """Whether the period is done; first takes a lock so a second runner of the period waits here.

    PostgreSQL: a transaction-scoped advisory lock on the job and period. SQLite: an UPDATE rather
    than a SELECT takes the write lock up front (and waits out the busy timeout), instead of failing
    with "database is locked" later. Either way the second runner then finds the period done.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("select pg_advisory_xact_lock(hashtext(:name))"), {"name": f"job_run {job_id} {key}"})
    return session.execute(
        update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.period_key == key, JobRun.outcome == SUCCEEDED)
        .values(attempts=JobRun.attempts)
        .execution_options(synchronize_session=False)
    ).rowcount > 0


def _record_run(job_id: str, key: str, outcome: str, holder: str, started_at: datetime,
                finished_at: datetime, error: str | None = None) -> bool:
    """Write the ledger row of a run; False if the period had already succeeded elsewhere."""
    values = dict(outcome=outcome, holder=holder, started_at=started_at, finished_at=finished_at, error=error)
    updated = session.execute(
        update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.period_key == key, JobRun.outcome != SUCCEEDED)
        .values(attempts=JobRun.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated:
        return True
    try:
        with session.begin_nested():
            session.execute(insert(JobRun).values(job_id=job_id, period_key=key, attempts=1, **values))
    except IntegrityError:
        return False
    return True


def _audit(job: Job, key: str, outcome: str, detail: str | None = None) -> None:
    session.add(AuditEntry(action=f"job {job.id}", object_type="job_run", object_id=key or SWEEP,
                           outcome=0 if outcome == SUCCEEDED else 1, detail=detail and detail[:256]))


def run_job(app: Flask, job: Job, period: date | None, *, holder: str = "manual",
            clock: Callable[[], datetime] = utcnow) -> str:
    """Run `job` for the period starting `period` (None for a sweep) in its own session:
    succeeded, skipped or failed."""
    key = None if job.period == SWEEP else periods.key(job.period, period)
    with app.app_context():
        try:
            if key is not None and _succeeded(job.id, key):
                log.info("job %s for %s already done; skipped", job.id, key)
                return SKIPPED
            started_at = clock()
            log.info("job %s for %s started", job.id, key)
            try:
                _call(job, period)
                session.flush()
                if key is not None and not _record_run(job.id, key, SUCCEEDED, holder, started_at, clock()):
                    session.rollback()
                    log.info("job %s for %s was completed by another runner; skipped", job.id, key)
                    return SKIPPED
                _audit(job, key, SUCCEEDED)
                session.commit()
            except Exception as error:
                session.rollback()
                if isinstance(error, DomainError):  # an outside service is down or not configured: no stack trace
                    log.error("job %s for %s failed: %s (%s)", job.id, key, error.message, error.code)
                else:
                    log.exception("job %s for %s failed", job.id, key)
                message = f"{type(error).__name__}: {error}"[:500]
                if key is not None:
                    _record_run(job.id, key, FAILED, holder, started_at, clock(), message)
                _audit(job, key, FAILED, message)
                session.commit()
                return FAILED
            log.info("job %s for %s succeeded", job.id, key)
            return SUCCEEDED
        finally:
            session.remove()


# -- which periods are due -------------------------------------------------------------------------

def _fire_time(job: Job, trigger: CronTrigger, start: date) -> datetime:
    """When the run covering the period starting `start` is scheduled."""
    opens = periods.shift(job.period, start, job.lag)
    return trigger.get_next_fire_time(None, datetime.combine(opens, time(), LOCAL_TZ))


def latest_due_period(job: Job, now: datetime) -> date:
    """The newest period whose scheduled run time has passed."""
    trigger = CronTrigger(**job.trigger, timezone=LOCAL_TZ)
    start = periods.shift(job.period, periods.start(job.period, local_day(now)), -job.lag)
    while _fire_time(job, trigger, start) > now:
        start = periods.shift(job.period, start, -1)
    return start


def due_periods(job: Job, now: datetime) -> list[date]:
    """Periods to run now, oldest first: every one not yet done since the job's first run, in the window.

    A job that never ran starts with its latest due period (no backfill from the dawn of time).
    """
    latest = latest_due_period(job, now)
    window_start = periods.shift(job.period, latest, 1 - CATCH_UP_WINDOW[job.period])
    done = set(session.scalars(select(JobRun.period_key).where(
        JobRun.job_id == job.id, JobRun.outcome == SUCCEEDED,
        JobRun.period_key >= periods.key(job.period, window_start))))
    first = session.scalar(select(func.min(JobRun.period_key)).where(JobRun.job_id == job.id))
    if first is None or not job.catch_up:
        return [] if periods.key(job.period, latest) in done else [latest]
    due, start = [], window_start
    while start <= latest:
        key = periods.key(job.period, start)
        if key >= first and key not in done:
            due.append(start)
        start = periods.shift(job.period, start, 1)
    return due


# -- the runner ------------------------------------------------------------------------------------

class Runner:
    """A scheduler process's runner: holds (or waits for) the lease and runs due periods."""

    def __init__(self, app: Flask, jobs: list[Job] | None = None, *, holder: str | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.app = app
        self.jobs = {job.id: job for job in (JOBS if jobs is None else jobs)}
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.lease_seconds = settings(app).SCHEDULER_LEASE_SECONDS
        self.holding = False
        self.scheduler: BackgroundScheduler | None = None

    @property
    def engine(self):
        return self.app.extensions["db_engine"]

    def renew_lease(self) -> bool:
        """Take or extend the lease (atomically); True if this runner holds it now."""
        now = self.clock()
        lease = SchedulerLease.__table__
        values = dict(holder=self.holder, expires_at=now + timedelta(seconds=self.lease_seconds))
        try:
            with self.engine.begin() as conn:
                held = conn.execute(update(lease).where(
                    lease.c.name == LEASE_NAME,
                    or_(lease.c.holder == self.holder, lease.c.expires_at < now),
                ).values(**values)).rowcount == 1
                if not held and conn.execute(select(lease.c.name).where(lease.c.name == LEASE_NAME)).first() is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(lease).values(name=LEASE_NAME, **values))
                        held = True
                    except IntegrityError:
                        held = False
        except Exception:
            log.exception("scheduler %s could not renew its lease", self.holder)
            held = False
        gained = held and not self.holding
        self.holding = held
        if gained:
            log.info("scheduler %s holds the lease", self.holder)
            if self.scheduler is not None:
                self.scheduler.add_job(self.catch_up, id="scheduler.catch_up", replace_existing=True)
        return held

    def release_lease(self) -> None:
        """Give the lease up so another scheduler can take over at once."""
        lease = SchedulerLease.__table__
        with self.engine.begin() as conn:
            conn.execute(update(lease).where(lease.c.name == LEASE_NAME, lease.c.holder == self.holder)
                         .values(expires_at=self.clock() - timedelta(seconds=1)))
        self.holding = False

    def run_due(self, job_id: str) -> list[tuple[str, str]]:
        """If holding the lease, run every due period of a job, oldest first; stop at a failure."""
        job = self.jobs[job_id]
        if not self.renew_lease():
            return []
        with self.app.app_context():
            try:
                due = [None] if job.period == SWEEP else due_periods(job, self.clock())
            finally:
                session.remove()
        results = []
        for start in due:
            if not self.holding:
                break
            outcome = run_job(self.app, job, start, holder=self.holder, clock=self.clock)
            results.append((SWEEP if start is None else periods.key(job.period, start), outcome))
            if outcome == FAILED:
                break
        return results

    def catch_up(self) -> dict[str, list[tuple[str, str]]]:
        """Run every job's missed periods, in JOBS order; a job with a thread of its own is started there."""
        results = {}
        for job in self.jobs.values():
            if job.executor != "default" and self.scheduler is not None:
                self.scheduler.add_job(self.run_due, args=[job.id], executor=job.executor)
            else:
                results[job.id] = self.run_due(job.id)
        return results

    def start(self, *, blocking: bool = False) -> None:
        """Start APScheduler: lease renewal every third of the lease, each job on its cron trigger."""
        scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
        self.scheduler = scheduler_class(
            timezone=LOCAL_TZ,
            # One job at a time, in fire order, except those with a thread of their own (Job.executor); the
            # lease renews on its own thread meanwhile.
            executors={name: ThreadPoolExecutor(1)
                       for name in {"default", "lease", *(job.executor for job in self.jobs.values())}},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_job(self.renew_lease, "interval", seconds=max(1.0, self.lease_seconds / 3),
                               id="scheduler.lease", executor="lease", next_run_time=datetime.now(LOCAL_TZ))
        for job in self.jobs.values():
            self.scheduler.add_job(self.run_due, CronTrigger(**job.trigger, timezone=LOCAL_TZ),
                                   args=[job.id], id=job.id, name=job.id, executor=job.executor)
        log.info("scheduler %s starting with jobs %s", self.holder, ", ".join(self.jobs))
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.holding:
            self.release_lease()


def _serving_process() -> bool:
    """False in `flask` commands other than `run`, and in the reloader's watching parent."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # gunicorn, or a plain import of wsgi.py
    if ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    return not (get_debug_flag() if reload is None else reload) or is_running_from_reloader()


def start_embedded(app: Flask) -> Runner | None:
    """With SCHEDULER_MODE=embedded, run the scheduler on background threads of this process."""
    if settings(app).SCHEDULER_MODE != "embedded" or app.testing or not _serving_process():
        return None
    runner = Runner(app)
    runner.start()
    atexit.register(runner.shutdown)
    app.extensions["scheduler"] = runner
    return runner


# -- flask commands --------------------------------------------------------------------------------

scheduler_cli = AppGroup("scheduler", help="定时任务：独立运行调度器，或立即运行某个任务。")


@scheduler_cli.command("run")
def run_scheduler():
    """Run the scheduler as its own process (blocks; Ctrl-C stops it)."""
    runner = Runner(current_app._get_current_object())
    click.echo(f"调度器已启动（{runner.holder}），任务：{', '.join(runner.jobs)}")
    try:
        runner.start(blocking=True)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runner.shutdown()
        click.echo("调度器已停止")


@scheduler_cli.command("run-job")
@click.argument("job_id")
@click.option("--period", help="要运行的周期，如 2026-11-23、2026-11、2026-Q4、2026；默认最近一个到期的周期。")
def run_one_job(job_id: str, period: str | None):
    """Run one job now through the job wrapper (a period already done is skipped)."""
    jobs = {job.id: job for job in JOBS}
    if job_id not in jobs:
        raise click.BadParameter(f"没有这个任务；可用的任务：{', '.join(jobs)}", param_hint="JOB_ID")
    job = jobs[job_id]
    try:
        if job.period == SWEEP:
            start = None
        else:
            start = periods.parse(job.period, period) if period else latest_due_period(job, utcnow())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    outcome = run_job(current_app._get_current_object(), job, start, holder=f"cli:{os.getpid()}")
    key = SWEEP if start is None else periods.key(job.period, start)
    messages = {SUCCEEDED: "已完成", SKIPPED: "此前已完成，本次跳过", FAILED: "失败，详见日志"}
    click.echo(f"任务 {job_id}（{key}）{messages[outcome]}")
    if outcome == FAILED:
        raise SystemExit(1)
