"""Duty attendance: check-in and check-out, out-of-area approval, patrol positions, offline sync."""
import base64
import binascii
from datetime import timedelta

from flask import Response, request
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from backend.api.audit import audit_object
from backend.api.boundary import UNSTORABLE_MESSAGE, Blueprint, refused_item_by_item, unstorable
from backend.api.fields import AwareDateTime, CoordSystem, Float, Id, Latitude, Longitude, Relative
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.request_boundary import logged_read
from backend.api.schemas import Flag, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import detail, submission, visible
from backend.config import settings
from backend.duty import checkins, positions, queries, sync
from backend.duty.models import Approval, CheckKind, DutyCheck
from backend.errors import Invalid
from backend.org.roles import SQUAD_MANAGERS

blp = Blueprint("duty_attendance", __name__, url_prefix="/api/duty",
                description="勤务：签到签退、外勤审批、巡查位置、离线同步")


class Base64Bytes(fields.String):
    """Bytes sent as a Base64 string (a selfie inside JSON, so it can wait in the offline queue)."""

    default_error_messages = {"invalid": "不是有效的 Base64 编码。"}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return base64.b64decode(super()._deserialize(value, attr, data, **kwargs), validate=True)
        except (binascii.Error, ValueError):
            raise self.make_error("invalid") from None


class LocatedSchema(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=8, max=64),
                              metadata={"description": "客户端生成的唯一编号（如 UUID），重复提交只记一次"})
    client_at = AwareDateTime(required=True, metadata={"description": "手机上发生的时间"}, earliest=Relative(
        "当前时间前 DUTY_SYNC_WINDOW_HOURS 小时（离线同步期限，示例默认 72 小时）",
        lambda: -timedelta(hours=settings().DUTY_SYNC_WINDOW_HOURS), code="client_time_too_old"), latest=Relative(
        "当前时间后 DUTY_CLOCK_SKEW_SECONDS 秒（示例默认 120 秒）",
        lambda: timedelta(seconds=settings().DUTY_CLOCK_SKEW_SECONDS), code="client_time_in_future"))
    lat = Latitude(required=True)
    lng = Longitude(required=True)
    coord_system = CoordSystem()
    accuracy_m = Float(required=True, validate=validate.Range(min=0), metadata={"description": "定位精度，米"})


class CheckSubmitSchema(LocatedSchema):
    shift_id = Id(required=True)
    reason = fields.String(validate=validate.Length(max=500), metadata={"description": "外勤原因（不在围栏内时必填）"})
    selfie = Base64Bytes(metadata={"description": "自拍照（Base64），点位要求时必填"})


# One instance for every request: webargs would build a schema per request from the class.
CHECK_SUBMIT = CheckSubmitSchema()


class CheckSchema(Schema):
    id = fields.Integer()
    client_id = fields.String()
    officer_id = fields.Integer()
    shift_id = fields.Integer()
    kind = fields.Enum(CheckKind)
    client_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    late_sync = fields.Boolean(metadata={"description": "是否为延迟同步"})
    lat = Float()
    lng = Float()
    coord_system = fields.String()
    accuracy_m = Float()
    distance_outside_m = fields.Integer(allow_none=True, metadata={"description": "距围栏距离，米（围栏内为 0）"})
    timing = fields.String(attribute="timing.value", metadata={"description": "on_time / late / early_leave"})
    minutes_off = fields.Integer(metadata={"description": "迟到或早退的分钟数"})
    out_of_area = fields.Boolean()
    reason = fields.String(allow_none=True)
    approval = Text(lambda c: c.approval.value if c.approval else None, allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    has_selfie = Flag(lambda c: c.selfie_key is not None)


class CheckFilterSchema(Schema):
    approval = fields.Enum(Approval, load_default=Approval.pending)


class DecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=500))


class PositionSchema(LocatedSchema):
    pass


class PositionBatchSchema(Schema):
    positions = fields.List(fields.Nested(PositionSchema), required=True, validate=validate.Length(min=1))


class PositionBatchResultSchema(Schema):
    accepted = fields.Integer()
    duplicate = fields.Integer()


class SyncItemSchema(CheckSubmitSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["check_in", "check_out", "position"]))
    shift_id = Id()

    @validates_schema
    def _fields_of_kind(self, data, **kwargs):
        if data.get("kind") == "position":
            extra = [name for name in ("shift_id", "reason", "selfie") if name in data]
            if extra:
                raise ValidationError("位置记录不能带这些字段。", field_name=extra[0])
        elif "shift_id" not in data:
            raise ValidationError("缺少必填字段。", field_name="shift_id")


class SyncSchema(Schema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1),
                        metadata={"description": f"离线队列中的签到、签退、位置，最多 {sync.MAX_BATCH} 条，顺序不限"})


class SyncResultSchema(Schema):
    client_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "accepted 已接收 / duplicate 重复（已有） / refused 拒绝"})
    id = fields.Integer()
    code = fields.String()
    message = fields.String()


class SyncResponseSchema(Schema):
    results = fields.List(fields.Nested(SyncResultSchema))


def _check_batch(items: list) -> None:
    if len(items) > sync.MAX_BATCH:
        raise Invalid(f"一次最多同步 {sync.MAX_BATCH} 条，本次 {len(items)} 条，请分批提交", code="batch_too_large")


def _check(kind: CheckKind, summary: str):
    def submit(body):
        check, new = checkins.submit_check(current_actor(), kind, **body)
        audit_object("duty_check", check.id)
        return check, new

    return submission(blp, CHECK_SUBMIT, CheckSchema, summary, submit)


@blp.route("/check-ins", endpoint="check_ins")
class CheckIns(MethodView):
    post = _check(CheckKind.check_in,
                  "签到：判定准时/迟到、是否在围栏内（考虑定位精度）、自拍人脸；外勤需填写原因待审批")


@blp.route("/check-outs", endpoint="check_outs")
class CheckOuts(MethodView):
    post = _check(CheckKind.check_out, "签退：判定是否早退")


@blp.route("/checks", endpoint="checks")
class Checks(MethodView):
    get = listing(blp, queries.out_of_area_checks, CheckFilterSchema, CheckSchema,
                  "外勤签到列表（默认待审批；数据权限内）")


@blp.route("/checks/<int:check_id>", endpoint="check")
class CheckById(MethodView):
    get = detail(blp, CheckSchema, "签到签退记录详情", visible(DutyCheck, "签到记录"))


@blp.route("/checks/<int:check_id>/selfie", endpoint="check_selfie")
@logged_read
@download
class CheckSelfie(MethodView):
    @auth_required(blp)
    @blp.response(200, content_type="image/jpeg", description="自拍照原图（JPEG 或 PNG）")
    @blp.alt_response(404, description="没有自拍，或不在数据权限内")
    def get(self, check_id):
        """签到自拍照（本人、中队长、区局管理员可查看；每次查看记入审计日志）"""
        data, mime = checkins.selfie_of(current_actor(), check_id, address=request.remote_addr)
        return Response(data, mimetype=mime)


@transition(blp, "/checks/<int:check_id>/decision", "check_decision", CheckSchema, *SQUAD_MANAGERS,
            arguments=DecisionSchema, audit="duty_check")
def check_decision(body, check_id):
    """审批外勤签到：同意或驳回（中队长、区局管理员）"""
    return checkins.decide_out_of_area(current_actor(), check_id, **body)


@blp.route("/positions", endpoint="positions")
class Positions(MethodView):
    @auth_required(blp)
    @blp.arguments(PositionBatchSchema)
    @blp.response(200, PositionBatchResultSchema)
    def post(self, body):
        """上报一批巡查位置（全部写入或全部不写入）"""
        _check_batch(body["positions"])
        items = [{name: value for name, value in p.items() if name != "client_at"} | {"recorded_at": p["client_at"]}
                 for p in body["positions"]]
        accepted, duplicate = positions.add_positions(current_actor(), items)
        return {"accepted": accepted, "duplicate": duplicate}


def _field_errors(messages: dict) -> str:
    return "；".join(f"{name}：{''.join(m) if isinstance(m, list) else m}" for name, m in messages.items())


def _refusal(raw: dict, code: str, message: str) -> dict:
    client_id = raw.get("client_id")
    return {"client_id": client_id if isinstance(client_id, str) and not unstorable(client_id) else None,
            "status": "refused", "code": code, "message": message}


@blp.route("/sync", endpoint="sync")
@refused_item_by_item("items")
class Sync(MethodView):
    @auth_required(blp)
    @blp.arguments(SyncSchema)
    @blp.response(200, SyncResponseSchema)
    def post(self, body):
        """离线同步：一批签到、签退、位置，逐条返回 accepted / duplicate / refused，一条被拒不影响其他"""
        items = body["items"]
        _check_batch(items)
        loaded, results = [], {}
        for index, raw in enumerate(items):
            if unstorable(raw):
                results[index] = _refusal(raw, "invalid_text", UNSTORABLE_MESSAGE)
                continue
            try:
                loaded.append((index, SyncItemSchema().load(raw)))
            except ValidationError as error:
                results[index] = _refusal(raw, "validation_error", _field_errors(error.messages))
        outcomes = sync.sync(current_actor(), [item for _, item in loaded])
        results.update({index: outcome for (index, _), outcome in zip(loaded, outcomes, strict=True)})
        audit_object("duty_sync", len(items))
        return {"results": [results[i] for i in range(len(items))]}
