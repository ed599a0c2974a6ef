"""The camera registry and the kinds of violation."""
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import select

from backend.api.fields import Float, Id, Pattern
from backend.api.nonsite.common import blp
from backend.api.pagination import listing
from backend.api.schemas import Schema
from backend.api.views import creation, detail
from backend.db import session
from backend.nonsite import operations, queries
from backend.nonsite.models import ViolationKind
from backend.org.roles import DISTRICT_ADMINS


class ViolationKindSchema(Schema):
    code = fields.String(metadata={"example": "muck_uncovered"})
    name = fields.String(metadata={"example": "渣土车未密闭"})
    first_offence_days = fields.Integer(allow_none=True, metadata={
        "description": "首违不罚：当事人在此天数内首次该类违法，予以警告不罚款（空：不适用）"})
    first_offence_example_default = fields.Boolean(metadata={"description": "该天数为示例默认值，由区局确认或修改"})
    needs_visit = fields.Boolean(metadata={
        "description": "确认后须现场核实：派工单给附近在岗队员（示例默认值，由区局确认或修改）"})
    order_category = fields.String(metadata={"description": "现场核实工单的问题类别"})


class CameraInSchema(Schema):
    code = fields.String(required=True, validate=Pattern(r"^[A-Za-z0-9_.-]{1,24}$"),
                         metadata={"description": "平台的摄像头编号（字母、数字、_.-，最多 24 位）"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    sender = fields.String(required=True, validate=validate.Length(min=1, max=32),
                           metadata={"description": "上报该摄像头告警的平台（NONSITE_SENDER_KEYS 中的名称）",
                                     "example": "vision"})
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lat = Float(required=True, validate=validate.Range(-90, 90), metadata={"description": "GCJ-02"})
    lng = Float(required=True, validate=validate.Range(-180, 180))
    kinds = fields.List(fields.String(validate=validate.Length(min=1, max=32)), required=True,
                        validate=validate.Length(min=1), metadata={"description": "可上报的违法类型代码"})
    squad_id = Id(required=True, metadata={"description": "负责的中队"})


class CameraSchema(CameraInSchema):
    id = fields.Integer()
    officer_id = fields.Integer(metadata={"description": "其证据链的系统账号（不能登录）"})


@blp.route("/kinds", endpoint="kinds")
class Kinds(MethodView):
    get = detail(blp, ViolationKindSchema(many=True), "违法类型（数据）",
                 lambda actor: session.scalars(select(ViolationKind).order_by(ViolationKind.code)).all())


@blp.route("/cameras", endpoint="cameras")
class Cameras(MethodView):
    post = creation(blp, CameraInSchema, CameraSchema, "登记摄像头（位置、可上报的违法类型、负责中队）",
                    operations.register_camera, "nonsite_camera", *DISTRICT_ADMINS,
                    alt_responses=((409, "摄像头编号已登记"),))
    get = listing(blp, queries.cameras, None, CameraSchema, "摄像头登记表")
