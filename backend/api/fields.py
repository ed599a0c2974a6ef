"""Numbers and dates the API accepts, bounded by what the database and the calendar hold.

Every schema takes its integers, ids, dates and times from here, so that a 30-digit id or a time in year 9999
at -23:59 is a field error (422) and never reaches a query, a date computation or a column; each bound
shows in the OpenAPI document (integers as minimum/maximum, dates and times in the description, where each states
the range that makes sense for it: see `Relative`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from backend import periods
from backend.db import local_day, utcnow
from backend.geo import COORD_SYSTEMS, GCJ02

# Every id and whole number the models store is an INTEGER column (32 bits on PostgreSQL and SQLite alike).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# The days the service keeps records of: a date outside is a typo or an attack, never a record. Every date and
# time field lies within; most say a narrower range of their own (a shift day, a rectification deadline, a rule's
# start, a photo's capture time …), fixed or relative to now, and the OpenAPI document states it.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
FIRST_MOMENT, LAST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


def within_service_days(day: date) -> date:
    """`day`, or ValueError where it lies outside the days the service keeps records of."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(day)
    return day


@dataclass(frozen=True)
class Relative:
    """An end of a field's range relative to now (a time) or to today in Shanghai (a day): `offset()` later (negative:
    earlier), stated as `text`. With `code`, the domain refuses a value beyond it with that machine code (and its
    own message), so the field holds only the calendar's end there."""

    text: str
    offset: Callable[[], timedelta]
    code: str | None = None


def days(count: int, code: str | None = None) -> Relative:
    """`count` days after today in Shanghai (before it if negative)."""
    text = "今天" if count == 0 else f"今天后 {count} 天" if count > 0 else f"今天前 {-count} 天"
    return Relative(text, lambda: timedelta(days=count), code)


def from_now(*, days: int = 0, minutes: int = 0, code: str | None = None) -> Relative:
    """`days` and `minutes` after now (before it if negative)."""
    offset = timedelta(days=days, minutes=minutes)
    amount = f"{abs(days)} 天" if days else f"{abs(minutes)} 分钟" if minutes else ""
    text = "当前时间" + (f"{'后' if offset > timedelta(0) else '前'} {amount}" if amount else "")
    return Relative(text, lambda: offset, code)


def _shown(value) -> str:
    if isinstance(value, Relative):
        return value.text + (f"（超出由业务规则拒绝：{value.code}）" if value.code else "")
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else value.isoformat()


def _with_range(kwargs: dict, earliest, latest, note: str = "") -> dict:
    """The field's description with its allowed range appended, so the OpenAPI document shows it."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    relative = note if any(isinstance(end, Relative) for end in (earliest, latest)) else ""
    text = f"取值范围 {_shown(earliest)} 至 {_shown(latest)}{relative}"
    metadata["description"] = f"{metadata['description']}（{text}）" if metadata.get("description") else text
    return {**kwargs, "metadata": metadata}


class _Bounded:
    """Refuses a deserialized value outside its range (fixed ends, or ends relative to now, computed when the value
    comes) with the range in the message; never outside the calendar's ends."""

    default_error_messages = {"out_of_range": "应在 {earliest} 至 {latest} 之间。"}
    first = last = None

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        earliest, latest = self._end(self.earliest, self.first), self._end(self.latest, self.last)
        if not earliest <= loaded <= latest:
            raise self.make_error("out_of_range", earliest=_shown(earliest), latest=_shown(latest))
        return loaded

    def _end(self, end, calendar_end):
        if not isinstance(end, Relative):
            return end
        if end.code:
            return calendar_end
        return min(max(self._now() + end.offset(), self.first), self.last)


# A whole number written as text: ASCII digits only. Python's int() also takes full-width "１２３", Arabic-Indic
# digits, underscores and surrounding spaces, none of which a person meant as this number.
_WHOLE_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)


class Int(fields.Integer):
    """A whole number within `min`..`max` (default: what an INTEGER column holds); as text, ASCII digits only."""

    default_error_messages = {"not_ascii": "应为半角阿拉伯数字 0–9 写成的整数。"}

    def __init__(self, *, min: int = INT_MIN, max: int = INT_MAX, **kwargs):  # noqa: A002  (Range's own words)
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Range(min=min, max=max))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
            raise self.make_error("not_ascii")
        return super()._deserialize(value, attr, data, **kwargs)


# A number with a fraction written as text: ASCII digits, an optional sign and decimal point. float() and Decimal()
# also take full-width "１.５", other scripts' digits, "1_0", exponents and surrounding spaces.
_DECIMAL_NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)  # "2", "2.50", "2.", ".5"


class _AsciiNumber:
    """Refuses a number sent as text unless written in ASCII digits ("31.2304", "-2.50")."""

    default_error_messages = {"not_ascii": "应为半角阿拉伯数字 0–9 写成的数（可带负号和小数点）。"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _DECIMAL_NUMBER.fullmatch(value):
            raise self.make_error("not_ascii")
        return super()._deserialize(value, attr, data, **kwargs)


class Float(_AsciiNumber, fields.Float):
    """A number with a fraction (a distance, an angle); as text, ASCII digits only."""


class Decimal(_AsciiNumber, fields.Decimal):
    """An exact decimal (hours, points); as text, ASCII digits only."""


class Id(Int):
    """The id of a stored object: 1 up to what an INTEGER primary key holds."""

    def __init__(self, **kwargs):
        super().__init__(min=1, **kwargs)


class CityWide(fields.Integer):
    """A training record's district, shown only: none when it is the city's (the city trainer's, every district's)."""

    def __init__(self, none_means: str):
        super().__init__(dump_only=True, allow_none=True, metadata={"description": f"所属区局；为空表示{none_means}"})


class Pattern(validate.Regexp):
    """The whole text matches `regex` (ASCII classes: `\\d` is 0–9 only): `re.match` with `$` would let a trailing
    newline through and `\\d` full-width digits. The pattern keeps its `^…$`, which the OpenAPI document shows and a
    JavaScript client reads as the whole text."""

    default_message = "格式不正确。"

    def __init__(self, regex: str, **kwargs):
        super().__init__(regex, flags=re.ASCII, **kwargs)

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise validate.ValidationError(self._format_error(value))
        return value


class Date(_Bounded, fields.Date):
    """A calendar day within `earliest`..`latest` (each a day or `days(n)`; default: the years the service keeps
    records of, which a query filter takes)."""

    first, last = FIRST_DAY, LAST_DAY

    def __init__(self, *, earliest: date | Relative = FIRST_DAY, latest: date | Relative = LAST_DAY, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**_with_range(kwargs, earliest, latest, "，按上海时间的日期"))

    @staticmethod
    def _now() -> date:
        return local_day()


class AwareDateTime(_Bounded, fields.AwareDateTime):
    """A moment with its UTC offset, within `earliest`..`latest` (each a moment or a `Relative` to now; compared in
    UTC, so no offset overflows)."""

    first, last = FIRST_MOMENT, LAST_MOMENT

    def __init__(self, *, earliest: datetime | Relative = FIRST_MOMENT, latest: datetime | Relative = LAST_MOMENT,
                 **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(**_with_range(kwargs, earliest, latest))

    _now = staticmethod(utcnow)


class AnswerItem(fields.Raw):
    """One item of an answer: an option index (a whole number an INTEGER holds) or a text; the domain judges
    whether it fits the question."""

    OPENAPI = {"oneOf": [{"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}, {"type": "string"}]}
    default_error_messages = {"out_of_range": f"选项序号应在 {INT_MIN} 至 {INT_MAX} 之间。"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
            raise self.make_error("out_of_range")
        return value


class Answer(fields.List):
    """An answer: option indexes or texts (`AnswerItem`s), refused as a whole when an item is neither."""

    default_error_messages = {"not_plain": "答案应为选项序号或文本。"}

    def __init__(self, **kwargs):
        super().__init__(AnswerItem(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        if not all(isinstance(item, (int, str)) for item in items):
            raise self.make_error("not_plain")
        return items


class File(Upload):
    """A file part of a multipart body; a text part of the same name is refused, not handed on as a file."""

    default_error_messages = {"invalid": "应为上传的文件。"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class Latitude(Float):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(-90, 90), **kwargs)


class Longitude(Float):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(-180, 180), **kwargs)


class CoordSystem(fields.String):
    """The coordinate system a phone sends its position in (gcj02 unless it says wgs84)."""

    def __init__(self, **kwargs):
        super().__init__(load_default=GCJ02, validate=validate.OneOf(COORD_SYSTEMS), **kwargs)


class _Period(fields.String):
    """A period as its key ("2026-11", "2026-Q4"); a date on its first day inside."""

    kind = ""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else periods.key(self.kind, value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return within_service_days(periods.parse_key(self.kind, str(value)))
        except ValueError:
            raise self.make_error("invalid") from None


class Month(_Period):
    """A month as "2026-11" (a date on the 1st inside)."""

    kind = "month"
    default_error_messages = {"invalid": "应为月份，如 2026-11。"}


class Quarter(_Period):
    """A quarter as "2026-Q4" (a date on its first day inside)."""

    kind = "quarter"
    default_error_messages = {"invalid": "应为季度，如 2026-Q4。"}


class Points(Decimal):
    """An amount of points, written as text ("2.50")."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **{"metadata": {"example": "2.50"}, **kwargs})
