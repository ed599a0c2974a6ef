"""Non-site enforcement API (非现场执法), one blueprint: cameras, the platforms' signed alerts, triage."""
from backend.api.nonsite import alerts, cameras, cases, registry, reports  # noqa: F401  (each module adds its views)
from backend.api.nonsite.common import blp

__all__ = ["blp"]
