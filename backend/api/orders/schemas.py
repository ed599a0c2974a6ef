"""What the work-order endpoints take and give."""
from __future__ import annotations

from marshmallow import fields, validate

from backend.api.evidence.views import EvidenceRecordSchema, EvidenceUploadSchema, EvidenceWeChatSchema
from backend.api.fields import AwareDateTime, Float, Id, Pattern, from_now
from backend.api.schemas import Flag, Rows, Schema
from backend.api.security import current_actor
from backend.community.models import CATEGORY_NAMES
from backend.db import session
from backend.evidence.models import Subject
from backend.evidence.queries import evidence_list
from backend.orders.models import FINISHED, STATUS_NAMES, SourceKind, Status


class SourceCreateSchema(Schema):
    name = fields.String(required=True, validate=Pattern(r"^[a-z0-9_-]{2,32}$"),
                         metadata={"description": "来源标识（入站地址的最后一段）", "example": "jingan-cy"})
    title = fields.String(required=True, validate=validate.Length(1, 64), metadata={"example": "静安区城运中心"})
    kind = fields.String(required=True, validate=validate.OneOf(
                             [k.value for k in SourceKind if k != SourceKind.internal]),
                         metadata={"description": "city_platform 城运 / hotline 12345 / grid 网格"})
    key = fields.String(required=True, load_only=True, validate=validate.Length(32, 200),
                        metadata={"description": "与来源约定的签名密钥（HMAC-SHA256），至少 32 个字符",
                                  "example": "3q2+7wJ9xLr0pZk1Vn8sQ4yHcT6bUe5a"})
    squad_id = Id(required=True, metadata={"description": "接收该来源工单的中队"})
    callback_url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=300),
                              metadata={"description": "回传处置结果的地址；不填则不回传",
                                        "example": "https://cy.jingan.gov.cn/api/orders/callback"})
    coord_system = fields.String(load_default="gcj02", validate=validate.OneOf(["gcj02", "wgs84"]))
    category_map = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "来源类别代码 → 本系统类别", "example": {"A0101": "street_vending"}},
    )
    status_map = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                             metadata={"description": "来源状态词 ↔ 本系统状态（入站映射，回传取第一个对应词）；"
                                                      "另可映射 extension_granted 延期通过 / extension_refused 延期驳回"
                                                      " / return_rejected 退单驳回（重新派发，本次退单不当）（只入站）",
                                       "example": {"待受理": "received", "已办结": "resolved", "已撤单": "withdrawn",
                                                   "延期通过": "extension_granted"}})
    internal = fields.Boolean(
        load_default=False,
        metadata={
            "description": "内网来源：其照片地址可指向内网（否则拒绝内网、本机与保留地址，防止服务端请求伪造）",
            "example": False,
        },
    )
    pull_url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=300), metadata={
        "description": "拉取模式：来源只提供工单列表时的列表地址（定时任务 orders.pull 带游标轮询）；不填则只收推送",
        "example": "https://cy.jingan.gov.cn/api/orders"})


class SourceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String()
    kind = fields.Function(lambda s: s.kind.value, metadata={"type": "string"})
    squad_id = fields.Integer()
    callback_url = fields.String(allow_none=True)
    coord_system = fields.String()
    category_map = fields.Dict()
    status_map = fields.Dict()
    internal = fields.Boolean()
    pull_url = fields.String(allow_none=True)
    pull_cursor = fields.String(allow_none=True, metadata={"description": "上次拉取停在的位置（来源的游标）"})
    pulled_at = fields.DateTime(allow_none=True, metadata={"description": "上次拉取的时间"})
    pull_error = fields.String(allow_none=True, metadata={
        "description": "上次拉取失败的原因（游标不动，下次重试），或被拒收的工单及原因"})


class ReceivedSchema(Schema):
    id = fields.Integer(metadata={"description": "本系统工单号"})
    order_id = fields.String(attribute="source_order_id", metadata={"description": "来源工单号"})
    status = fields.Function(lambda o: o.status.value, metadata={"type": "string"})


class OrderEventSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    status = fields.Function(lambda e: e.status.value, metadata={"type": "string"})
    status_name = fields.Function(lambda e: STATUS_NAMES[e.status], metadata={"type": "string"})
    actor_name = fields.Function(lambda e: e.actor.name if e.actor is not None else None, allow_none=True,
                                 metadata={"type": "string", "description": "经办人（来源平台的变化为空）"})
    note = fields.String(allow_none=True)
    department = fields.String(allow_none=True)


class OrderSchema(Schema):
    id = fields.Integer()
    source = fields.Function(lambda o: {"id": o.source.id, "title": o.source.title, "kind": o.source.kind.value},
                             metadata={"type": "object", "description": "工单来源（城运 / 12345 / 网格）"})
    source_order_id = fields.String()
    category = fields.Function(lambda o: o.category.value, metadata={"type": "string"})
    category_name = fields.Function(lambda o: CATEGORY_NAMES[o.category], metadata={"type": "string"})
    source_category = fields.String()
    description = fields.String()
    place = fields.String(allow_none=True)
    lat = Float(allow_none=True, metadata={"description": "GCJ-02"})
    lng = Float(allow_none=True)
    phone_masked = fields.String(allow_none=True, metadata={"description": "反映人电话（脱敏）"})
    status = fields.Function(lambda o: o.status.value, metadata={"type": "string"})
    status_name = fields.Function(lambda o: STATUS_NAMES[o.status], metadata={"type": "string"})
    open = Flag(lambda o: o.status not in FINISHED, metadata={"description": "尚未办结、退单、移送或撤单"})
    assignee_id = fields.Integer(allow_none=True)
    received_at = fields.DateTime()
    accept_due_at = fields.DateTime()
    resolve_due_at = fields.DateTime()
    deadlines_from_source = fields.Boolean(metadata={"description": "时限由来源给定（优先于本区时限）"})
    overdue = fields.Boolean(metadata={"description": "已超过办结时限仍未办结"})
    reply = fields.String(allow_none=True)
    extension_until = fields.DateTime(allow_none=True)
    followup_result = fields.String(allow_none=True, metadata={
        "description": "回访结果：satisfied 满意 / basically_satisfied 基本满意 / dissatisfied 不满意"})
    followup_note = fields.String(allow_none=True)
    followup_at = fields.DateTime(allow_none=True)
    photos = fields.Function(lambda o: [{"url": p.url, "width": p.width, "height": p.height, "sha256": p.sha256}
                                        for p in o.photos],
                             metadata={"type": "array", "items": {"type": "object"},
                                       "description": "来源随工单发来的照片（已取回存储）"})


class OrderDetailSchema(OrderSchema):
    events = fields.List(fields.Nested(OrderEventSchema))
    evidence = Rows(
        lambda o: EvidenceRecordSchema(many=True).dump(session.scalars(evidence_list(
            current_actor(), subject_type=Subject.order, subject_ref=str(o.id)))),
        metadata={"description": "处置中的现场取证（照片随回复与办结回传来源平台）"})


class OrderEvidenceSchema(EvidenceUploadSchema):
    class Meta(Schema.Meta):
        exclude = ("subject_type", "subject_ref")


class OrderEvidenceWeChatSchema(EvidenceWeChatSchema):
    class Meta(Schema.Meta):
        exclude = ("subject_type", "subject_ref")


class QueueFilterSchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in Status]),
                           metadata={"description": "只看此状态的工单"})
    overdue = fields.Boolean(metadata={"description": "true：只看已超期未办结的；false：只看未超期的"})
    source_id = Id(metadata={"description": "只看此来源的工单"})


ACTIONS = ("accept", "assign", "start", "reply", "resolve", "close", "return", "refer", "extension")


class OrderActionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(ACTIONS),
        metadata={
            "description": "accept 受理 / assign 派单（officer_id）/ start 开始处置 / reply 回复（text）"
            " / resolve 办结（text）"
            " / close 结案 / return 退单（text：理由）/ refer 移送（department，text 可选）"
            " / extension 申请延期（until，text：理由）",
            "example": "refer",
        },
    )
    officer_id = Id(metadata={"example": 12})
    text = fields.String(validate=validate.Length(max=1000), metadata={"example": "经核查属违法建筑，移送住建部门"})
    department = fields.String(validate=validate.Length(max=64), metadata={"example": "区住建委"})
    until = AwareDateTime(earliest=from_now(), latest=from_now(days=366),
                          metadata={"description": "延期至", "example": "2026-12-10T18:00:00+08:00"})

