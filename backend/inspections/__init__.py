"""Regulated objects (执法对象), their risk-and-credit grades and inspections (分级分类检查, 双随机一公开)."""
from backend.registry import Domain, Setting

DOMAIN = Domain(
    "inspections",
    models=("backend.inspections.models",),
    blueprints=("backend.api.inspections.registry:blp", "backend.api.inspections.plans:blp",
                "backend.api.inspections.credit:blp"),
    settings=(
        Setting("INSPECTIONS_GRADE_INTERVAL_MONTHS", "high:1,medium:3,low:12", str,
                "months between inspections of an object of each risk grade, until the district sets its own "
                "(POST /api/inspections/grade-rules)", example_default=True),
        Setting("INSPECTIONS_INITIAL_GRADE", "medium", str, "risk grade of a newly registered object (high, medium, "
                "low)", example_default=True),
    ),
)
