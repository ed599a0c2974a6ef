"""Scheduled points work (see backend.scheduler.JOBS): each run covers one period, exactly once.

Quarters and years need no job: they follow their months in the transaction that changes them
(appraisal.follow_months)."""
from __future__ import annotations

from datetime import date

from backend.supervision.points.operations import build_daily_records, lock_published, refresh_month


def daily_records(day: date) -> None:
    """日记实 for `day` (after the duty day is closed), then that month's open sheets follow."""
    build_daily_records(day)
    refresh_month(day.replace(day=1))


def monthly_points(month: date) -> None:
    """月计分 drafts for every officer for `month` (the 1st, for the month that just ended)."""
    refresh_month(month)


def lock_months(day: date) -> None:
    """Lock the published sheets of every month whose lock day has come (the district's POINTS_LOCK_DAY in force
    in that month, of the next month)."""
    lock_published(day)
