"""Period arithmetic shared by the scheduler, the points and the case reports: start, shift, key, parse."""
from datetime import date

import pytest

from backend import periods

KINDS = ("day", "month", "quarter", "year")


@pytest.mark.parametrize("kind, day, first", [
    ("day", date(2026, 11, 23), date(2026, 11, 23)),
    ("month", date(2026, 11, 23), date(2026, 11, 1)),
    ("quarter", date(2026, 11, 23), date(2026, 10, 1)),
    ("quarter", date(2026, 3, 31), date(2026, 1, 1)),
    ("year", date(2026, 11, 23), date(2026, 1, 1)),
])
def test_start_is_the_first_day_of_the_period(kind, day, first):
    assert periods.start(kind, day) == first


@pytest.mark.parametrize("kind, first, n, expected", [
    ("day", date(2026, 12, 31), 1, date(2027, 1, 1)),
    ("month", date(2026, 12, 1), 1, date(2027, 1, 1)),
    ("month", date(2026, 1, 1), -1, date(2025, 12, 1)),
    ("month", date(2026, 1, 1), -13, date(2024, 12, 1)),
    ("quarter", date(2026, 10, 1), 1, date(2027, 1, 1)),  # quarter 4 → the next year's first
    ("quarter", date(2026, 1, 1), -1, date(2025, 10, 1)),
    ("year", date(2026, 1, 1), -2, date(2024, 1, 1)),
])
def test_shift_crosses_year_ends(kind, first, n, expected):
    assert periods.shift(kind, first, n) == expected


def test_month_after_and_before():
    assert periods.month_after(date(2026, 12, 1)) == date(2027, 1, 1)
    assert periods.month_before(date(2027, 1, 1)) == date(2026, 12, 1)


@pytest.mark.parametrize("kind", KINDS)
def test_the_calendar_ends_are_reached_and_not_passed(kind):
    first, last = periods.start(kind, date(1, 1, 1)), periods.start(kind, date(9999, 12, 31))
    assert periods.shift(kind, last, 0) == last
    assert periods.parse(kind, periods.key(kind, first)) == first
    assert periods.parse(kind, periods.key(kind, last)) == last
    with pytest.raises(ValueError):
        periods.shift(kind, first, -1)
    with pytest.raises(ValueError):
        periods.shift(kind, last, 1)


@pytest.mark.parametrize("kind, first, key", [
    ("day", date(2026, 11, 23), "2026-11-23"),
    ("month", date(2026, 11, 1), "2026-11"),
    ("quarter", date(2026, 10, 1), "2026-Q4"),
    ("year", date(2026, 1, 1), "2026"),
    ("month", date(1, 1, 1), "0001-01"),
    ("quarter", date(9999, 10, 1), "9999-Q4"),
])
def test_key_names_a_period_and_parses_back(kind, first, key):
    assert periods.key(kind, first) == key
    assert periods.parse_key(kind, key) == first
    assert periods.parse(kind, key) == first


def test_keys_of_one_kind_sort_in_time_order():
    for kind in KINDS:
        starts = [periods.shift(kind, date(998, 1, 1), n) for n in range(0, 40, 3)]
        assert sorted(starts, key=lambda first: periods.key(kind, first)) == starts


def test_parse_takes_any_date_inside_the_period():
    assert periods.parse("quarter", " 2026-11-23 ") == date(2026, 10, 1)
    assert periods.parse("quarter", "2026-11") == date(2026, 10, 1)
    assert periods.parse("quarter", "2026-q2") == date(2026, 4, 1)
    assert periods.parse("year", "2026-11-23") == date(2026, 1, 1)


@pytest.mark.parametrize("kind, text", [
    ("month", "2026-13"), ("month", "0000-01"), ("month", "10000-01"), ("quarter", "2026-Q5"),
    ("quarter", "2026-Q0"), ("year", "0"), ("day", "2026-02-30"), ("month", "十一月"),
])
def test_parse_refuses_what_names_no_period(kind, text):
    with pytest.raises(ValueError, match="无法识别的周期"):
        periods.parse(kind, text)
    with pytest.raises(ValueError):
        periods.parse_key(kind, text)
