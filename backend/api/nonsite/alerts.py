"""Alerts: the video analysis platforms post them signed; reviewers list, read and triage them."""
import hashlib

from flask import g, request
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import AwareDateTime, Date, Float, Id, from_now
from backend.api.nonsite.common import blp, signed
from backend.api.pagination import listing
from backend.api.schemas import Count, Rows, Schema, Text
from backend.api.security import current_actor
from backend.api.transitions import transition
from backend.api.views import detail, visible
from backend.nonsite import operations, queries, signing
from backend.nonsite.models import FALSE_POSITIVE_NAMES, Alert, Decision, FalsePositive
from backend.org.roles import SQUAD_MANAGERS


class ImageInSchema(Schema):
    data = fields.String(required=True, metadata={"description": "图片（JPEG/PNG）的 base64"})
    content_type = fields.String(validate=validate.OneOf(["image/jpeg", "image/png"]))


class MediaInSchema(Schema):
    data = fields.String(metadata={"description": "内联：文件的 base64（与 url 二选一）"})
    url = fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "按地址取：http(s)，须为公网地址（内网平台见 NONSITE_INTERNAL_SENDERS）；不跟随跳转，"
                       "限时 NONSITE_MEDIA_TIMEOUT_SECONDS 秒，超过大小上限即拒绝",
        "example": "https://vision.example.gov.cn/snap/VA-20261202-000123-1.jpg"})


class ImageRefSchema(MediaInSchema):
    content_type = fields.String(validate=validate.OneOf(["image/jpeg", "image/png"]))


class ClipInSchema(MediaInSchema):
    content_type = fields.String(validate=validate.OneOf(["video/mp4"]))


class AlertInSchema(Schema):
    alert_id = fields.String(required=True, validate=validate.Length(min=1, max=40),
                             metadata={"description": "平台的告警编号；重复发送只记一次",
                                       "example": "VA-20261202-000123"})
    camera_id = fields.String(required=True, validate=validate.Length(min=1, max=24),
                              metadata={"description": "摄像头编号（登记表中的 code）", "example": "JA-GHXL-01"})
    occurred_at = AwareDateTime(required=True, earliest=from_now(days=-31),
                                latest=from_now(minutes=2, code="occurred_in_future"),
                                metadata={"description": "告警发生时间：平台积压的告警一个月内补报"})
    kind = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "违法类型代码（GET /api/nonsite/kinds）",
                                   "example": "muck_uncovered"})
    confidence = Float(required=True, validate=validate.Range(0, 1))
    place = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "缺省为摄像头位置"})
    plate = fields.String(validate=validate.Length(min=1, max=16), metadata={"example": "沪A12345"})
    shop = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "识别出的店招或商户", "example": "老王水果店"})
    shop_credit_code = fields.String(validate=validate.Length(min=18, max=18, error="统一社会信用代码应为 18 位"),
                                     metadata={"description": "识别出的商户统一社会信用代码（如店内亮照）：有则按它"
                                                              "在检查对象名录中精确匹配",
                                               "example": "91310106MA1FY2XX3K"})
    images = fields.List(fields.Nested(ImageRefSchema), required=True, validate=validate.Length(min=1),
                         metadata={"description": "图片（JPEG/PNG），内联或按地址，至少一张"})
    clip = fields.Nested(ClipInSchema, metadata={
        "description": "短视频（MP4，不长于 NONSITE_CLIP_MAX_SECONDS 秒），内联或按地址；与图片一同进入证据链"})


class AlertEvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String(attribute="kind.value", metadata={"description": "photo 图片 / video 短视频"})
    seq = fields.Integer(metadata={"description": "在摄像头证据链中的序号"})
    sha256 = fields.String()
    record_hash = fields.String()


class AlertSchema(Schema):
    id = fields.Integer()
    sender = fields.String()
    alert_id = fields.String()
    camera_id = fields.Integer()
    camera_code = Text(lambda a: a.camera.code)
    kind = fields.String()
    occurred_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime(metadata={"description": "同一事件最后一次告警的时间"})
    place = fields.String()
    confidence = Float()
    plate = fields.String(allow_none=True)
    shop = fields.String(allow_none=True)
    shop_credit_code = fields.String(allow_none=True)
    burst_of = fields.Integer(allow_none=True, metadata={"description": "同一事件的首条告警（本条已合并入该告警）"})
    burst_size = Count(queries.burst_size, metadata={"description": "该事件合并的告警条数"})
    decision = fields.Enum(Decision, allow_none=True)
    false_positive = fields.Enum(FalsePositive, allow_none=True)
    false_positive_name = Text(lambda a: FALSE_POSITIVE_NAMES.get(a.false_positive), allow_none=True)
    reason = fields.String(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    evidence = Rows(lambda a: AlertEvidenceSchema(many=True).dump(queries.evidence_of(a)),
                    metadata={"description": "锁定的证据（事件的全部图片）：id, seq, sha256, record_hash"})
    case_id = Count(lambda a: a.case.id if a.case else None, allow_none=True,
                    metadata={"description": "确认后立的非现场案件"})


class AlertFilterSchema(Schema):
    decision = fields.Enum(Decision, metadata={"description": "confirmed 已确认 / dismissed 已排除"})
    undecided = fields.Boolean(load_default=False, metadata={"description": "只看待研判的"})
    camera_id = Id()


class TriageSchema(Schema):
    decision = fields.Enum(Decision, required=True, metadata={"description": "confirmed 确认（立案）/ dismissed 排除"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    false_positive = fields.Enum(FalsePositive, metadata={
        "description": "排除时必填：no_violation 无违法行为 / wrong_object 识别对象错误 / "
                       "wrong_kind 违法类型识别错误 / unclear_image 图像不清"})


class PrecisionQuerySchema(Schema):
    since = Date(metadata={"description": "告警日期起（含）"})
    until = Date(metadata={"description": "告警日期止（含）"})


class PrecisionSchema(Schema):
    camera_id = fields.Integer()
    camera_code = fields.String()
    kind = fields.String()
    confirmed = fields.Integer()
    dismissed = fields.Integer()
    false_positives = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                  metadata={"description": "按误报类型计数"})
    precision = Float(metadata={"description": "确认数 / 已研判数"})


def _take_alert(body: dict) -> tuple[Alert, int]:
    alert, new = operations.take_alert(
        sender=g.nonsite_sender, body_sha256=hashlib.sha256(request.get_data()).hexdigest(),
        camera_code=body.pop("camera_id"), **body)
    audit_object("nonsite_alert", alert.id)
    return alert, 201 if new else 200


@blp.route("/alerts", endpoint="alerts")
class Alerts(MethodView):
    post = signed(signing.sender_keys, "NONSITE_SENDER_KEYS", _take_alert,
                  "视频分析平台上报告警（签名；图片与短视频内联 base64 或按地址取，校验后立即进入摄像头的证据链）",
                  AlertSchema, AlertInSchema,
                  status=201, alt_responses=((200, "同一告警编号已收到：返回第一次的结果", AlertSchema),
                                             (403, "该摄像头不由该发送方上报"), (409, "告警编号已用于另一条告警")))
    get = listing(blp, queries.alerts, AlertFilterSchema, AlertSchema, "告警（同一事件只列首条），新的在前",
                  *SQUAD_MANAGERS)


@blp.route("/alerts/<int:alert_id>", endpoint="alert")
class AlertView(MethodView):
    get = detail(blp, AlertSchema, "一条告警及其锁定的证据", visible(Alert, "告警"), *SQUAD_MANAGERS,
                 alt_responses=((404, "不存在或不在数据权限内"),))


@transition(blp, "/alerts/<int:alert_id>/triage", "alert_triage", AlertSchema, *SQUAD_MANAGERS, arguments=TriageSchema,
            alt_responses=((404, "不存在或不在数据权限内"), (409, "已研判，或属于另一告警的同一事件")),
            audit="nonsite_alert")
def triage(body, alert_id):
    """研判：确认（立非现场案件）或排除（注明误报类型与理由）"""
    return operations.triage(current_actor(), alert_id, **body)


@blp.route("/precision", endpoint="precision")
class Precision(MethodView):
    get = detail(blp, PrecisionSchema(many=True),
                 "告警准确率：按摄像头与违法类型，确认数、排除数（按误报类型）与准确率", queries.precision,
                 *SQUAD_MANAGERS, filters=PrecisionQuerySchema)
