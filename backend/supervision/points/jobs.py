"""Scheduled points work (see backend.scheduler.JOBS): each run covers one period, exactly once."""
from __future__ import annotations

from datetime import date

from backend.supervision.points.appraisal import refresh_quarter, refresh_year
from backend.supervision.points.operations import build_daily_records, lock_published, refresh_month


def daily_records(day: date) -> None:
    """日记实 for `day` (after the duty day is closed), then that month's open sheets follow."""
    build_daily_records(day)
    refresh_month(day.replace(day=1))


def monthly_points(month: date) -> None:
    """月计分 drafts for every officer for `month` (the 1st, for the month that just ended)."""
    refresh_month(month)


def lock_months(day: date) -> None:
    """Lock the published sheets of every month whose lock day (POINTS_LOCK_DAY of the next month) has come."""
    lock_published(day)


def quarterly_evaluations(quarter: date) -> None:
    """季评价 drafts for the quarter that just ended, from its month sheets."""
    refresh_quarter(quarter)


def yearly_appraisals(year: date) -> None:
    """年考核 drafts for the year that just ended: its quarters brought up to date, then ranked."""
    for month in (1, 4, 7, 10):
        refresh_quarter(date(year.year, month, 1))
    refresh_year(year)
