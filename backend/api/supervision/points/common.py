"""What the points views share: the blueprint, decimal checks, item names and the ETag guard."""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from backend.api.boundary import Blueprint
from backend.errors import StaleWrite
from backend.supervision.points.catalogue import ITEMS


class PointsBlueprint(Blueprint):
    """Writes to a month sheet or a quarter are POSTs that must carry its ETag in If-Match."""

    METHODS_NEEDING_CHECK_ETAG = ["PUT", "PATCH", "DELETE", "POST"]


blp = PointsBlueprint("points", __name__, url_prefix="/api/points", description="考核积分：日记实、积分规则、月计分")


def cents(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError("最多两位小数。")


def within(low: int, high: int, *, above_low: bool = False):
    """A range check for decimals sent as strings (validate.Range would put strings in the OpenAPI bounds)."""
    def check(value: Decimal) -> None:
        if value > high or value < low or (above_low and value == low):
            raise ValidationError(f"应{'大于' if above_low else '大于等于'} {low}且小于等于 {high}。")
    return check


def item_name(row) -> str:
    return ITEMS[row.item].name if row.item in ITEMS else row.item


@contextmanager
def changing():
    """Two leaders past the ETag check at once: the second write finds a newer version and gets 412."""
    try:
        yield
    except StaleDataError:
        raise StaleWrite() from None
