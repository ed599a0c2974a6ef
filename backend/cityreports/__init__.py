"""City reports (全市报表): each district's month of duty, handling, case timeliness, training and points, and the
街镇依法行政指数 built from them with weights the city (or a district) sets."""
from backend.registry import Domain

DOMAIN = Domain(
    "cityreports",
    models=("backend.cityreports.models",),
    blueprints=("backend.api.cityreports.views:blp",),
)
