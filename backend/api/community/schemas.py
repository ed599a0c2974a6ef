"""Schemas of the community API: what residents send and see, and what the squad handles."""
from __future__ import annotations

from marshmallow import fields, validate

from backend.api.evidence.views import (
    EvidenceRecordSchema,
    EvidenceUploadSchema,
    EvidenceWeChatSchema,
)
from backend.api.fields import CoordSystem, File, Float, Id, Int, Latitude, Longitude
from backend.api.schemas import Count, Flag, Rows, Schema, Text
from backend.api.security import current_actor
from backend.community import privacy, queries
from backend.community.models import CATEGORY_NAMES, STATUS_NAMES, Category, Status
from backend.db import session, utcnow
from backend.evidence.models import Subject
from backend.evidence.queries import evidence_list


class PublicOfficeSchema(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    categories = Rows(lambda _: [{"value": c.value, "name": n} for c, n in CATEGORY_NAMES.items()])


class ComplaintSubmitSchema(Schema):
    office_code = fields.String(required=True, validate=validate.Length(max=32),
                                metadata={"description": "二维码上的工作室编号", "example": "JA-JAS-01"})
    version = Int(required=True)
    signature = fields.String(required=True, validate=validate.Length(max=64),
                              metadata={"description": "二维码上的签名", "example": "q3Xb2m9RkT0"})
    category = fields.Enum(Category, required=True, metadata={"description": "问题类别"})
    description = fields.String(required=True, metadata={"description": "问题描述，最多 1000 字"})
    phone = fields.String(load_default=None, allow_none=True, metadata={"description": "手机号（选填）"})
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    lat = Latitude(load_default=None, allow_none=True)
    lng = Longitude(load_default=None, allow_none=True)
    coord_system = CoordSystem()
    consent = fields.Boolean(required=True, validate=validate.Equal(True, error="请先阅读并同意信息收集说明。"))
    website = fields.String(load_default=None, metadata={"description": "留空（防机器人）", "example": ""})
    photos = fields.List(File(), load_default=list, metadata={"description": "照片，最多 4 张"})




class ComplaintTimelineEntrySchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    status = fields.Enum(Status)
    status_name = Text(lambda e: STATUS_NAMES[e.status])
    note = fields.String()


class PublicComplaintSchema(Schema):
    tracking_code = Text(lambda c: privacy.format_tracking_code(c.tracking_code))
    office_name = Text(lambda c: c.office.name)
    category = fields.Enum(Category)
    category_name = Text(lambda c: CATEGORY_NAMES[c.category])
    description = fields.String()
    place = fields.String(allow_none=True)
    phone = fields.String(attribute="phone_masked", allow_none=True)
    status = fields.Enum(Status)
    status_name = Text(lambda c: STATUS_NAMES[c.status])
    submitted_at = fields.DateTime()
    photo_count = Count(queries.own_photo_count, metadata={"description": "该查询码的市民上传的照片数"})
    timeline = Rows(lambda c: ComplaintTimelineEntrySchema(many=True).dump(queries.public_timeline(c)),
                    metadata={"description": "诉件的处理经过（重复反映的市民看到同一处理经过）"})
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    can_rate = Flag(lambda c: c.status == Status.closed and c.rating is None)


class ComplaintSubmittedSchema(PublicComplaintSchema):
    duplicate = fields.Boolean(metadata={
        "description": "与一天内同类未办结诉件重复：查询码是您自己的，关联到该诉件一并处理，结案后评价您自己的反映"})


class ComplaintRatingSchema(Schema):
    score = Int(required=True, min=1, max=5)
    comment = fields.String(load_default=None, allow_none=True)


class ComplaintStaffEventSchema(ComplaintTimelineEntrySchema):
    public = fields.Boolean()
    actor_name = fields.Function(lambda e: e.actor.name if e.actor else None)


class ComplaintPhotoSchema(Schema):
    id = fields.Integer()
    report_id = fields.Integer(allow_none=True, metadata={"description": "关联反映的照片：该反映的 id；首位市民的为空"})
    mime = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    uploaded_at = fields.DateTime()


class LinkedReportSchema(Schema):
    """Another resident's report of the same problem (no tracking code: that is the resident's own key)."""

    id = fields.Integer()
    description = fields.String()
    place = fields.String(allow_none=True)
    phone = Text(lambda r: queries.phone_for(r, current_actor()), allow_none=True,
                 metadata={"description": "承办队员看到完整号码，其他人看到 138****1234"})
    submitted_at = fields.DateTime()
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)


class ComplaintSchema(Schema):
    id = fields.Integer()
    office_id = fields.Integer()
    office_name = Text(lambda c: c.office.name)
    squad_id = fields.Integer()
    category = fields.Enum(Category)
    category_name = Text(lambda c: CATEGORY_NAMES[c.category])
    description = fields.String()
    place = fields.String(allow_none=True)
    lat = Float(allow_none=True)
    lng = Float(allow_none=True)
    coord_system = fields.String(allow_none=True)
    phone = Text(lambda c: queries.phone_for(c, current_actor()),
                            metadata={"description": "承办队员看到完整号码，其他人看到 138****1234"}, allow_none=True)
    status = fields.Enum(Status)
    status_name = Text(lambda c: STATUS_NAMES[c.status])
    open = Flag(lambda c: c.status in queries.OPEN_STATUSES, metadata={"description": "尚未办结（在办或待办）"})
    assignee_id = fields.Integer(allow_none=True)
    reports = fields.Integer(metadata={"description": "反映该问题的市民人数（首位市民加关联反映）"})
    recurrence_of_id = fields.Integer(allow_none=True, metadata={
        "description": "同一问题此前已办结、结案或不予受理的诉件（问题再次出现时新建本诉件）"})
    submitted_at = fields.DateTime()
    accept_due_at = fields.DateTime()
    resolve_due_at = fields.DateTime()
    overdue = Text(lambda c: queries.overdue_stage(c, utcnow()), allow_none=True, metadata={
        "description": "已超期的环节：accept 受理超期 / resolve 办结超期；未超期为空"})
    accepted_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)


class ComplaintDetailSchema(ComplaintSchema):
    timeline = Rows(lambda c: ComplaintStaffEventSchema(many=True).dump(queries.full_timeline(c)))
    photos = fields.List(
        fields.Nested(ComplaintPhotoSchema), metadata={"description": "市民上传的照片（含关联反映的）"}
    )
    linked_reports = fields.List(fields.Nested(LinkedReportSchema),
                                 metadata={"description": "其他市民对同一问题的反映，各有自己的查询码与评价"})
    evidence = Rows(
        lambda c: EvidenceRecordSchema(many=True).dump(session.scalars(evidence_list(
            current_actor(), subject_type=Subject.complaint, subject_ref=str(c.id)))),
        metadata={"description": "承办过程中的现场取证（按数据权限：队员看自己的，中队长看全部）"})


class ComplaintEvidenceSchema(EvidenceUploadSchema):
    class Meta(Schema.Meta):
        exclude = ("subject_type", "subject_ref")


class ComplaintEvidenceWeChatSchema(EvidenceWeChatSchema):
    class Meta(Schema.Meta):
        exclude = ("subject_type", "subject_ref")


class ComplaintQueueFilterSchema(Schema):
    status = fields.Enum(Status)
    office_id = Id()
    assignee_id = Id()
    overdue = fields.Boolean()


class ComplaintAssignSchema(Schema):
    officer_id = Id(required=True)


class ComplaintMessageSchema(Schema):
    message = fields.String(required=True)


class ComplaintReplySchema(Schema):
    reply = fields.String(required=True, metadata={"description": "给市民的办结答复"})


class ComplaintReasonSchema(Schema):
    reason = fields.String(required=True)


class ComplaintTransferSchema(Schema):
    squad_id = Id(required=True)
    reason = fields.String(required=True)


class AssigneeSuggestionSchema(Schema):
    officer_id = fields.Integer()
    name = fields.String()
    badge_no = fields.String()
    distance_m = fields.Integer(allow_none=True)
    basis = fields.String(
        metadata={
            "description": "position 最近巡查位置 / post 勤务点位 / on_duty 在岗但无位置 / squad 不在岗（本中队）"
        }
    )
    in_hand = fields.Integer(metadata={"description": "手上未办结的诉件与工单数（各领域登记的在办事项）"})


class OfficeQrSchema(Schema):
    office_id = fields.Integer()
    version = fields.Integer()
    url = fields.String()


class ComplaintDeadlineSchema(Schema):
    category = fields.Enum(Category)
    category_name = Text(lambda d: CATEGORY_NAMES[d["category"]])
    accept_hours = fields.Integer(required=True, validate=validate.Range(min=1, max=168))
    resolve_days = fields.Integer(required=True, validate=validate.Range(min=1, max=90))


class ComplaintDeadlineUpdateSchema(Schema):
    accept_hours = Int(required=True, min=1, max=168)
    resolve_days = Int(required=True, min=1, max=90)
