"""Points API (考核积分), one blueprint: rules and daily records, month sheets, quarters and years."""
from backend.api.supervision.points import monthly, periods, records  # noqa: F401  (each module adds its views)
from backend.api.supervision.points.common import blp

__all__ = ["blp"]
