"""Field types several API modules share: a position's latitude, longitude and coordinate system, a month,
a quarter, an amount of points."""
from __future__ import annotations

from marshmallow import fields, validate

from backend import periods
from backend.geo import COORD_SYSTEMS, GCJ02


class Latitude(fields.Float):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(-90, 90), **kwargs)


class Longitude(fields.Float):
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
            return periods.parse_key(self.kind, str(value))
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


class Points(fields.Decimal):
    """An amount of points, written as text ("2.50")."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **{"metadata": {"example": "2.50"}, **kwargs})
