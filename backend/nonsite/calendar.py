"""Working days: Monday to Friday, turned by the district's calendar as data (holidays off, 调休 weekends on).

The seeds give no calendar; each district loads its year (`PUT /api/nonsite/calendar/<year>`). The demo loads
`EXAMPLE_2026`, an example only."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from backend.db import LOCAL_TZ, session
from backend.errors import Invalid
from backend.nonsite.models import CalendarDay
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, require
from backend.org.scope import settings_district

# An example year (national holidays and 调休 as announced for 2026): the district confirms or replaces it.
EXAMPLE_2026 = [
    *[(date(2026, 1, d), False, "元旦") for d in (1, 2, 3)], (date(2026, 1, 4), True, "元旦调休"),
    (date(2026, 2, 14), True, "春节调休"), *[(date(2026, 2, d), False, "春节") for d in range(15, 24)],
    (date(2026, 2, 28), True, "春节调休"), *[(date(2026, 4, d), False, "清明节") for d in (4, 5, 6)],
    *[(date(2026, 5, d), False, "劳动节") for d in range(1, 6)], (date(2026, 5, 9), True, "劳动节调休"),
    *[(date(2026, 6, d), False, "端午节") for d in (19, 20, 21)], (date(2026, 9, 20), True, "国庆节调休"),
    *[(date(2026, 9, d), False, "中秋节") for d in (25, 26, 27)],
    *[(date(2026, 10, d), False, "国庆节") for d in range(1, 8)], (date(2026, 10, 10), True, "国庆节调休"),
]


def _year(year: int) -> int:
    if not 2000 <= year <= 2099:
        raise Invalid("年份须在 2000 至 2099 之间", code="bad_year")
    return year


def load(actor: Officer, year: int, days: list[tuple[date, bool, str]]) -> list[CalendarDay]:
    """Replace the actor's district's calendar for `year`: each (day, working, name)."""
    require(actor, DISTRICT_ADMINS)
    _year(year)
    seen = set()
    for day, working, _name in days:
        if day.year != year:
            raise Invalid(f"{day} 不在 {year} 年内", code="day_outside_year")
        if day in seen:
            raise Invalid(f"{day} 重复", code="day_repeated")
        if working and day.weekday() < 5:
            raise Invalid(f"{day} 本是工作日，不能登记为调休上班", code="not_a_weekend")
        seen.add(day)
    session.execute(delete(CalendarDay).where(CalendarDay.district_id == actor.district_id,
                                              CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    rows = [CalendarDay(district_id=actor.district_id, day=day, working=working, name=name)
            for day, working, name in sorted(days)]
    session.add_all(rows)
    session.flush()
    return rows


def of_year(actor: Officer, year: int, district_id: int | None = None) -> list[CalendarDay]:
    """The year's holidays and weekend working days of the actor's district (a city role names the district)."""
    _year(year)
    district_id = settings_district(actor, district_id)
    return list(session.scalars(select(CalendarDay).where(
        CalendarDay.district_id == district_id,
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)))


def working_days_after(district_id: int, moment: datetime, days: int) -> datetime:
    """The end of the `days`-th working day after the day of `moment` (Shanghai time), by the district's
    calendar: the moment the next day begins."""
    day = moment.astimezone(LOCAL_TZ).date()
    turned = dict(session.execute(select(CalendarDay.day, CalendarDay.working).where(
        CalendarDay.district_id == district_id, CalendarDay.day > day,
        CalendarDay.day <= day + timedelta(days=7 * days + 60))).all())  # a long holiday stays inside
    while days:
        day += timedelta(days=1)
        days -= turned.get(day, day.weekday() < 5)
    return datetime.combine(day + timedelta(days=1), time.min, LOCAL_TZ)
