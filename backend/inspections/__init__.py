"""Regulated objects (执法对象), their risk-and-credit grades and inspections (分级分类检查, 双随机一公开)."""
from backend.registry import Domain

DOMAIN = Domain(
    "inspections",
    models=("backend.inspections.models",),
    blueprints=("backend.api.inspections.registry:blp",),
)
