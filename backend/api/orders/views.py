"""Work orders: the sources' signed inbound webhook, the district's sources, the squad's queue."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.api import audit_object
from backend.api.orders.schemas import OrderDetailSchema, ReceivedSchema, SourceCreateSchema, SourceSchema
from backend.api.security import auth_required, current_actor
from backend.orders import intake, operations
from backend.orders.models import OrderSource, WorkOrder
from backend.org.roles import DISTRICT_ADMINS
from backend.org.scope import get_visible, scoped
from backend.db import session

blp = Blueprint("orders", __name__, url_prefix="/api/orders", description="外部工单：城运、12345 热线、网格")


@blp.route("/inbound/<source_name>", endpoint="inbound")
class Inbound(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}}},
             parameters=[{"in": "header", "name": "X-Timestamp", "required": True, "schema": {"type": "string"}},
                         {"in": "header", "name": "X-Signature", "required": True, "schema": {"type": "string"}}])
    @blp.response(201, ReceivedSchema)
    @blp.alt_response(200, schema=ReceivedSchema, description="同一工单再次送达：仍是那一张工单")
    @blp.alt_response(401, description="签名缺失、不符或时间戳超出时间窗")
    @blp.alt_response(409, description="同一工单号、内容不同")
    def post(self, source_name):
        """来源平台推送工单（HMAC-SHA256 签名「时间戳.请求体」，来源工单号幂等）"""
        order, new = intake.receive(source_name, request.get_data(), request.headers.get("X-Timestamp"),
                                    request.headers.get("X-Signature"))
        return order, 201 if new else 200


@blp.route("/sources", endpoint="sources")
class Sources(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.response(200, SourceSchema(many=True))
    def get(self):
        """本区的工单来源"""
        return session.scalars(scoped(OrderSource, current_actor()).order_by(OrderSource.id)).all()

    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.arguments(SourceCreateSchema)
    @blp.response(201, SourceSchema)
    def post(self, body):
        """登记工单来源：密钥、回传地址、类别与状态映射（区管理员）"""
        source = operations.create_source(actor=current_actor(), **body)
        audit_object("order_source", source.id)
        return source


@blp.route("/<int:order_id>", endpoint="order")
class Order(MethodView):
    @auth_required(blp)
    @blp.response(200, OrderDetailSchema)
    def get(self, order_id):
        """工单详情与处置经过（队员看派给自己的，中队长看本中队的）"""
        return get_visible(WorkOrder, order_id, current_actor(), what="工单")
