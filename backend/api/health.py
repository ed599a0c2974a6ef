"""Liveness with a database round trip, for load balancers and operators."""
import logging

from marshmallow import fields
from sqlalchemy import text

from backend.api.boundary import Blueprint
from backend.api.errors import unavailable_response
from backend.api.schemas import Schema
from backend.db import session

log = logging.getLogger(__name__)

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
    except Exception:  # any driver error means the database is not usable: as every 503 of the API, try again later
        log.warning("health check: database unavailable", exc_info=True)
        return unavailable_response()
    return {"status": "ok", "database": "ok"}
