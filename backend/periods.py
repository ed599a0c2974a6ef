"""Calendar periods (day, month, quarter, year), each named by its first day: start, shift, key, parse.

A date past the calendar's ends (before year 1, after 9999) raises ValueError, as `date` does."""
from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {"month": 1, "quarter": 3, "year": 12}


def start(kind: str, day: date) -> date:
    """The first day of the period of `kind` that contains `day`."""
    if kind == "day":
        return day
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if kind == "year":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown period kind {kind!r}")


def shift(kind: str, first: date, n: int) -> date:
    """The first day of the period `n` periods after (or before) the one starting on `first`."""
    if kind == "day":
        try:
            return first + timedelta(days=n)
        except OverflowError as error:  # the same error as the other kinds past the calendar's ends
            raise ValueError(str(error)) from None
    index = first.year * 12 + first.month - 1 + MONTHS[kind] * n
    return date(index // 12, index % 12 + 1, 1)


def month_after(month: date) -> date:
    return shift("month", month, 1)


def month_before(month: date) -> date:
    return shift("month", month, -1)


def quarter(day: date) -> date:
    """The first day of the quarter that contains `day`."""
    return start("quarter", day)


def quarter_number(day: date) -> int:
    """1 to 4."""
    return (day.month - 1) // 3 + 1


def key(kind: str, first: date) -> str:
    """The name of a period ("2026-11-23", "2026-11", "2026-Q4", "2026"); keys of one kind sort in time order."""
    if kind == "day":
        return first.isoformat()
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if kind == "quarter":
        return f"{first.year:04d}-Q{quarter_number(first)}"
    if kind == "year":
        return f"{first.year:04d}"
    raise ValueError(f"unknown period kind {kind!r}")


_KEYS = {"quarter": re.compile(r"(\d{4})-[Qq]([1-4])", re.ASCII), "month": re.compile(r"(\d{4})-(\d{2})", re.ASCII),
         "year": re.compile(r"(\d{4})", re.ASCII)}


def parse_key(kind: str, text: str) -> date:
    """The first day of the period named by its key ("2026-11", "2026-Q4", "2026", a day "2026-11-05"), written in
    ASCII digits with nothing around it; ValueError otherwise (a full-width digit, a sign, a trailing newline)."""
    if kind == "day":
        if not text.isascii():
            raise ValueError(text)
        return date.fromisoformat(text)
    if kind not in _KEYS:
        raise ValueError(f"unknown period kind {kind!r}")
    found = _KEYS[kind].fullmatch(text)
    if found is None:
        raise ValueError(text)
    numbers = [int(part) for part in found.groups()]
    if kind == "quarter":
        return date(numbers[0], numbers[1] * 3 - 2, 1)
    return date(numbers[0], numbers[1] if kind == "month" else 1, 1)


def parse(kind: str, text: str) -> date:
    """The first day of the period named by `text`: its key, or any date inside the period."""
    text = text.strip()
    try:
        if (kind == "quarter" and "-Q" in text.upper()) or (kind == "year" and len(text) == 4):
            return parse_key(kind, text)
        day = f"{text}-01" if kind in ("month", "quarter") and len(text) == 7 else text
        return start(kind, date.fromisoformat(day))
    except ValueError:
        raise ValueError(f"无法识别的周期：{text}") from None
