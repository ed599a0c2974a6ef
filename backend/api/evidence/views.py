"""On-site evidence: upload or WeChat media id, originals and copies (custody-logged), redacted export, chains."""
from datetime import timedelta

from flask import Response, jsonify, request
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import AwareDateTime, CoordSystem, File, Float, Id, Latitude, Longitude, Relative, from_now
from backend.api.links import download
from backend.api.multipart import Blueprint, evidence_form
from backend.api.pagination import listing
from backend.api.request_boundary import logged_read
from backend.api.schemas import Flag, Record, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.views import detail, method, submission, visible
from backend.config import settings
from backend.evidence import operations, queries
from backend.evidence.models import (
    CUSTODY_NAMES,
    MADE_BY_SCHEDULER,
    SUBJECT_NAMES,
    CopyPurpose,
    CustodyAction,
    Evidence,
    EvidenceKind,
    Subject,
)
from backend.geo import GCJ02

blp = Blueprint(
    "evidence", __name__, url_prefix="/api/evidence", description="现场取证：上传、原件与水印件、脱敏导出、证据链校验"
)

# A photo waits in the phone's offline queue at most as long as a check-in does.
SYNC_WINDOW = Relative("当前时间前 DUTY_SYNC_WINDOW_HOURS 小时（离线同步期限，示例默认 72 小时）",
                       lambda: -timedelta(hours=settings().DUTY_SYNC_WINDOW_HOURS))


class EvidenceDetailsSchema(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=8, max=64),
                              metadata={"description": "客户端生成的唯一编号（如 UUID），重复提交只记一次"})
    captured_at = AwareDateTime(required=True, earliest=SYNC_WINDOW,
                                latest=from_now(minutes=2, code="captured_in_future"),
                                metadata={"description": "手机记录的拍摄时间（带时区）"})
    lat = Latitude(required=True)
    lng = Longitude(required=True)
    coord_system = CoordSystem()
    accuracy_m = Float(validate=validate.Range(min=0), metadata={"description": "定位精度，米"})
    place = fields.String(validate=validate.Length(min=1, max=200), metadata={"example": "静安区南京西路 1266 号"})
    subject_type = fields.Enum(Subject, metadata={"description": "关联对象：complaint 诉件 / finding 督察发现 / "
                                                                "inspection 检查 / case 案件 / alert 非现场告警 / "
                                                                "order 工单"})
    subject_ref = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "关联对象编号或案号"})


class EvidenceUploadSchema(EvidenceDetailsSchema):
    file = File(required=True, metadata={"description": "照片（JPEG/PNG）或短视频（MP4）"})


class EvidenceWeChatSchema(EvidenceDetailsSchema):
    media_id = fields.String(required=True, validate=validate.Length(min=1, max=128),
                             metadata={"description": "JS-SDK 上传后得到的 media_id（政务微信临时素材）"})


class VideoCopySchema(Schema):
    purpose = fields.Enum(CopyPurpose, metadata={"description": "watermarked 水印件 / redacted 脱敏件"})
    state = fields.String(metadata={"description": "pending 排队中（由调度器生成）/ made 已生成 / failed 无法生成",
                                    "enum": ["pending", "made", "failed"]})
    message = fields.String(metadata={"description": "给人看的说明；failed 时为原因（如帧数或时长超出上限）"})


class EvidenceRecordSchema(Schema):
    id = fields.Integer()
    client_id = fields.String()
    officer_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "在本人证据链中的序号"})
    kind = fields.Enum(EvidenceKind)
    source = fields.String(
        attribute="source.value", metadata={"description": "upload 上传 / wechat 政务微信 / camera 摄像头告警"}
    )
    mime = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    duration_ms = fields.Integer(allow_none=True)
    captured_at = fields.AwareDateTime(metadata={"description": "手机上报的拍摄时间"})
    lat = Float()
    lng = Float()
    coord_system = Text(lambda _evidence: GCJ02, metadata={"description": "位置的坐标系（统一换算为 gcj02）"})
    accuracy_m = Float(allow_none=True)
    place = fields.String(allow_none=True)
    exif_taken_at = fields.AwareDateTime(allow_none=True, metadata={"description": "照片 EXIF 中的拍摄时间"})
    exif_lat = Float(allow_none=True, metadata={"description": "照片 EXIF 中的位置（已转换为 GCJ-02）"})
    exif_lng = Float(allow_none=True)
    time_gap_s = fields.Integer(allow_none=True, metadata={"description": "EXIF 时间与上报时间相差的秒数"})
    place_gap_m = fields.Integer(allow_none=True, metadata={"description": "EXIF 位置与上报位置相距的米数"})
    exif_disagrees = Record(operations.exif_disagrees,
                                     metadata={"description": "EXIF 与上报不一致（超过容差）：{time, place}"})
    subject_type = fields.Enum(Subject, allow_none=True)
    subject_name = Text(lambda e: SUBJECT_NAMES[e.subject_type] if e.subject_type else None, allow_none=True)
    subject_ref = fields.String(allow_none=True)
    received_at = fields.AwareDateTime()
    prev_hash = fields.String()
    record_hash = fields.String()
    has_watermarked_copy = Flag(operations.has_watermarked_copy,
                                           metadata={"description": "水印件可查看（视频的水印件在上传后于后台生成）"})
    video_copies = fields.List(fields.Nested(VideoCopySchema),
                               metadata={"description": "视频的水印件和脱敏件的状态（照片为空列表）"})


class EvidenceFilterSchema(Schema):
    officer_id = Id()
    subject_type = fields.Enum(Subject)
    subject_ref = fields.String()


class OriginalQuerySchema(Schema):
    download = fields.Boolean(load_default=False, metadata={"description": "true：作为附件下载（须填写原因）"})
    reason = fields.String(validate=validate.Length(max=500), metadata={"description": "查看或下载原件的原因"})


class ExportSchema(Schema):
    reason = fields.String(validate=validate.Length(max=500), metadata={"description": "导出用途，如 对外公开通报"})


class ExportPendingSchema(Schema):
    status = fields.String(metadata={"example": "queued"})
    message = fields.String(metadata={"example": "脱敏视频正在生成，请几分钟后再次导出"})


class CustodyEntrySchema(Schema):
    id = fields.Integer()
    evidence_id = fields.Integer()
    actor_id = fields.Integer()
    actor_name = fields.String(attribute="actor.name")
    action = fields.Enum(CustodyAction)
    action_name = Text(lambda entry: CUSTODY_NAMES[entry.action])
    reason = fields.String(allow_none=True)
    at = fields.AwareDateTime()
    address = fields.String(allow_none=True)


class ChainFilterSchema(Schema):
    officer_id = Id(metadata={"description": "只校验该人员的证据链（默认：数据权限内全部）"})


class ChainReportSchema(Schema):
    officer_id = fields.Integer()
    badge_no = fields.String()
    records = fields.Integer(metadata={"description": "链上记录数"})
    custody_entries = fields.Integer(metadata={"description": "保管日志条数（该人员证据的保管日志也成一条链）"})
    anchored_records = fields.Integer(allow_none=True, metadata={
        "description": "最新的已锚定树头（库外只增不改存储）记到第几条记录；null：尚未锚定"})
    intact = fields.Boolean()
    broken_seq = fields.Integer(allow_none=True, metadata={"description": "第一个断点的序号（证据链或保管日志中）"})
    problem = fields.String(
        allow_none=True,
        metadata={
            "description": "record_missing / record_altered / link_broken / file_missing / file_altered / "
            "head_truncated / checkpoint_missing / checkpoint_forged / checkpoint_mismatch / "
            "anchor_mismatch / chain_deleted（整条链连同检查点被删）/ chain_rolled_back（删了最新记录并换回旧检查点）"
            " / custody_missing（保管日志被删）/ custody_altered"
        },
    )
    message = fields.String(allow_none=True)


def _saved(evidence: Evidence, new: bool) -> tuple[Evidence, bool]:
    audit_object("evidence", evidence.id)
    return evidence, new


def _upload(form: dict) -> tuple[Evidence, bool]:
    return _saved(*operations.submit_evidence(current_actor(), **evidence_form(form)))


def _file(data: bytes, mime: str, name: str, *, download: bool = False) -> Response:
    response = Response(data, mimetype=mime)
    response.headers["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("", endpoint="evidence_list")
class EvidenceCollection(MethodView):
    post = submission(blp, EvidenceUploadSchema, EvidenceRecordSchema,
                      "上传现场取证照片或短视频（multipart：file 与拍摄时间、位置等字段）", _upload, location="form")
    get = listing(
        blp,
        queries.evidence_list,
        EvidenceFilterSchema,
        EvidenceRecordSchema,
        "证据列表（队员看自己的，中队长看本中队，区局看全区）",
    )


@blp.route("/wechat", endpoint="evidence_wechat")
class EvidenceFromWeChat(MethodView):
    post = submission(blp, EvidenceWeChatSchema, EvidenceRecordSchema,
                      "以政务微信 media_id 提交取证（服务器从政务微信下载文件）",
                      lambda body: _saved(*operations.submit_wechat_media(current_actor(), **body)))


@blp.route("/<int:evidence_id>", endpoint="evidence")
class EvidenceById(MethodView):
    get = detail(blp, EvidenceRecordSchema, "证据详情（含 EXIF 与上报信息的比对）", visible(Evidence, "证据"))


@blp.route("/<int:evidence_id>/original", endpoint="original")
@logged_read
@download
class Original(MethodView):
    @auth_required(blp)
    @blp.arguments(OriginalQuerySchema, location="query")
    @blp.response(200, description="原件（每次查看、下载都记入保管日志）")
    def get(self, query, evidence_id):
        """查看或下载原件（下载须填写原因；记入保管日志）"""
        evidence, data = operations.read_original(current_actor(), evidence_id, download=query["download"],
                                                  reason=query.get("reason"), address=request.remote_addr)
        extension = evidence.original_key.rsplit(".", 1)[-1]
        return _file(data, evidence.mime, f"evidence-{evidence.id}.{extension}", download=query["download"])


@blp.route("/<int:evidence_id>/watermarked", endpoint="watermarked")
@logged_read
@download
class Watermarked(MethodView):
    @auth_required(blp)
    @blp.response(200, description="水印件（照片为 JPEG，视频为 MP4）")
    @blp.alt_response(409, description="视频的水印件正在后台生成（video_copy_pending），稍后再试；"
                                       "或无法生成（video_copy_failed）")
    def get(self, evidence_id):
        """查看水印件：时间、地点、执法证号、校验码（记入保管日志）"""
        copy = operations.read_watermarked(current_actor(), evidence_id, address=request.remote_addr)
        return _file(copy.data, copy.mime, f"evidence-{evidence_id}-watermarked.{copy.extension}")


@blp.route("/<int:evidence_id>/thumbnail", endpoint="thumbnail")
@logged_read
@download
class Thumbnail(MethodView):
    @auth_required(blp)
    @blp.response(200, description="缩略图（JPEG）")
    def get(self, evidence_id):
        """缩略图（记入保管日志）"""
        thumbnail = operations.read_thumbnail(current_actor(), evidence_id, address=request.remote_addr)
        return _file(thumbnail, "image/jpeg", f"evidence-{evidence_id}-thumbnail.jpg")


@blp.route("/<int:evidence_id>/exports", endpoint="exports")
class Exports(MethodView):
    @auth_required(blp)
    @blp.arguments(ExportSchema)
    @blp.response(200, description="脱敏件（照片为 JPEG，视频为无声 MP4，人脸已模糊）；X-Faces-Blurred 为模糊的人脸数"
                                   "（视频：单帧中最多的人脸数）")
    @blp.alt_response(202, schema=ExportPendingSchema,
                      description="视频的脱敏件在后台生成中：几分钟后再次提交同一请求即可下载")
    @blp.alt_response(409, description="视频的脱敏件无法生成（video_copy_failed）")
    def post(self, body, evidence_id):
        """脱敏导出：对照片或视频中所有人脸做模糊处理，供对外公开（原件不变；下载时记入保管日志）"""
        audit_object("evidence", evidence_id)
        copy = operations.export_redacted(current_actor(), evidence_id, reason=body.get("reason"),
                                          address=request.remote_addr)
        if copy is None:
            pending = jsonify(ExportPendingSchema().dump({"status": "queued",
                                                          "message": "脱敏视频正在生成，请几分钟后再次导出。"
                                                                     + MADE_BY_SCHEDULER}))
            pending.status_code = 202
            return pending
        response = _file(copy.data, copy.mime, f"evidence-{evidence_id}-redacted.{copy.extension}", download=True)
        response.headers["X-Faces-Blurred"] = str(copy.faces)
        return response


@blp.route("/<int:evidence_id>/custody", endpoint="custody")
class Custody(MethodView):
    get = detail(blp, CustodyEntrySchema(many=True), "保管日志：谁在何时因何查看、下载、导出（只增不改）",
                 queries.custody_log)


@blp.route("/chains", endpoint="chains")
class Chains(MethodView):
    get = method(blp, lambda query: queries.verify_visible_chains(current_actor(), query.get("officer_id")),
                 "校验证据链：某人或数据权限内全部，指出第一个断点", ChainReportSchema(many=True),
                 arguments=ChainFilterSchema, location="query")
