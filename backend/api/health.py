"""Liveness with a database round trip, for load balancers and operators."""
from marshmallow import fields
from sqlalchemy import text

from backend.api.boundary import Blueprint
from backend.api.schemas import Schema
from backend.db import session
from backend.errors import ServiceUnavailable

blp = Blueprint("health", __name__, url_prefix="/api/health", description="服务健康检查")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "ok"})


@blp.route("")
@blp.response(200, HealthSchema)
@blp.alt_response(503, description="数据库不可用")
def health():
    """检查服务与数据库是否可用"""
    try:
        session.execute(text("select 1"))
    except Exception as exc:  # any driver error means the database is not usable
        raise ServiceUnavailable("数据库不可用", code="database_unavailable") from exc
    return {"status": "ok", "database": "ok"}
