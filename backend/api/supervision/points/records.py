"""Points: the item catalogue, scoring rules, daily records and the items leaders record by hand."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.fields import FIRST_DAY, Date, Decimal, Id, Month, Points, days
from backend.api.pagination import listing
from backend.api.schemas import DistrictChoiceSchema, Schema, Text
from backend.api.security import current_actor
from backend.api.supervision.points.common import blp, cents, item_name, within
from backend.api.views import creation, method
from backend.db import session
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS
from backend.supervision.points import operations, parameters, queries
from backend.supervision.points.catalogue import ITEMS


class PointsItemSchema(Schema):
    item = fields.String()
    name = fields.String()
    unit = fields.String()
    manual = fields.Boolean(metadata={"description": "由领导手工登记"})


class ScoringRuleSchema(Schema):
    id = fields.Integer()
    district_id = fields.Integer(allow_none=True, metadata={
        "description": "空为示例默认规则（源文件未规定积分权重：示例默认值，由区局确认，或新增本区规则版本取代）"})
    source = fields.Function(queries.rule_source, metadata={
        "type": "string", "description": "example_default 示例默认值（由区局确认或修改）；district 本区规则"})
    source_note = fields.Function(
        lambda rule: queries.EXAMPLE_DEFAULT_NOTE if rule.district_id is None else "本区制定的规则",
        metadata={"type": "string", "example": queries.EXAMPLE_DEFAULT_NOTE})
    item = fields.String()
    item_name = Text(item_name)
    category = fields.String()
    points_per_unit = Points()
    monthly_cap = Points(allow_none=True)
    effective_from = fields.Date()
    created_at = fields.DateTime()


class ScoringRuleCreateSchema(Schema):
    item = fields.String(required=True, validate=validate.OneOf(list(ITEMS)))
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    points_per_unit = Points(required=True, validate=[within(-100, 100), cents])
    monthly_cap = Points(load_default=None, allow_none=True, validate=[within(0, 1000), cents])
    effective_from = Date(required=True, earliest=FIRST_DAY, latest=days(366),
                          metadata={"description": "规则生效日：须为某月 1 日（否则 effective_from_not_month_start），"
                                                   "不早于本系统保存记录的第一天", "example": "2027-01-01"})


class PointsParameterSchema(Schema):
    name = fields.String(metadata={"example": "POINTS_MONTHLY_BASE"})
    value = fields.String(metadata={"example": "100", "description": "该月适用的值"})
    meaning = fields.String(metadata={"example": "月计分的基础分"})
    default = fields.String(metadata={"description": "部署的示例默认值（本区未设定时适用）", "example": "100"})
    source = fields.String(metadata={
        "description": "example_default：源文件未规定的示例默认值，由区局设定；district：本区设定的值"})
    note = fields.Function(
        lambda row: queries.EXAMPLE_DEFAULT_NOTE if row["source"] == "example_default" else "本区设定的值",
        metadata={"type": "string", "example": queries.EXAMPLE_DEFAULT_NOTE})
    effective_from = Month(allow_none=True, metadata={"description": "本区的值自哪个月起适用（示例默认值为空）"})
    set_by_id = fields.Integer(allow_none=True, metadata={"description": "设定人"})
    set_at = fields.DateTime(allow_none=True, metadata={"description": "设定时间"})


class PointsParameterFilterSchema(DistrictChoiceSchema):
    month = Month(metadata={"description": "查看哪个月适用的值（默认本月）", "example": "2027-01"})


class PointsParameterSetSchema(Schema):
    name = fields.String(required=True, validate=validate.OneOf(list(parameters.PARAMETERS)),
                         metadata={"example": "POINTS_LOCK_DAY"})
    value = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={
        "example": "15", "description": "按参数的类型校验：锁定日 1–28、名额百分比 0–100、"
                                        "季评价加减分如 excellent:2,good:1,fair:0,poor:-2 ……"})
    effective_from = Month(required=True, metadata={
        "description": "自哪个月起适用：须晚于本区已公布或锁定月积分的月份（否则 month_published）",
        "example": "2027-01"})


class PointsParameterVersionSchema(Schema):
    id = fields.Integer()
    district_id = fields.Integer()
    name = fields.String()
    value = fields.String()
    effective_from = Month()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()


class ScoringRuleFilterSchema(DistrictChoiceSchema):
    item = fields.String()


class PointsDailyItemSchema(Schema):
    id = fields.Integer()
    day = fields.Date()
    officer_id = fields.Integer()
    item = fields.String()
    item_name = Text(item_name)
    quantity = Decimal(as_string=True)
    source = fields.String(metadata={"description": "来源：duty 勤务、manual 手工登记 ……"})
    source_ref = fields.String(metadata={"description": "来源记录"})


class PointsDailyFilterSchema(Schema):
    officer_id = Id()
    date_from = Date()
    date_to = Date()


class PointsManualItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    officer_id = Id(required=True)
    day = Date(required=True, earliest=days(-366), latest=days(0),
               metadata={"description": "事项发生日：已过去，一年内"})
    item = fields.String(required=True, metadata={"example": "commendation"})
    quantity = Decimal(as_string=True, required=True, validate=[within(0, 1000, above_low=True), cents])
    note = fields.String(required=True, validate=validate.Length(min=2, max=200), metadata={"example": "市容整治表彰"})
    recorded_by_id = fields.Integer(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)


class PointsManualFilterSchema(Schema):
    officer_id = Id()
    month = Month()


@blp.route("/items", endpoint="items")
class Items(MethodView):
    get = method(blp, lambda: [dict(item=code, name=kind.name, unit=kind.unit, manual=kind.manual)
                               for code, kind in ITEMS.items()], "积分条目目录", PointsItemSchema(many=True))


@blp.route("/parameters", endpoint="parameters")
class Parameters(MethodView):
    get = method(blp, lambda filters: queries.parameters(current_actor(), **filters),
                 "考核参数：基础分、调整上限、锁定日、季评价加减分与等次、年考核名额与分数线\n\n"
                 "各值为该区该月适用的值：本区设定的值，或部署的示例默认值（源文件未规定，由区局设定）。",
                 PointsParameterSchema(many=True), arguments=PointsParameterFilterSchema, location="query")
    post = creation(blp, PointsParameterSetSchema, PointsParameterVersionSchema,
                    "设定本区的一项考核参数（自某月起适用）\n\n"
                    "该月起本区未锁定的月计分随即重算；已公布或锁定的月份不再改变（新值须晚于这些月份）。",
                    operations.set_parameter, "points_parameter", *DISTRICT_ADMINS,
                    alt_responses=((409, "该月或其后已有公布或锁定的月积分"),))


@blp.route("/rules", endpoint="rules")
class Rules(MethodView):
    get = method(blp, lambda filters: session.scalars(queries.rules(current_actor(), **filters)).all(),
                 "积分规则的各个版本（本区规则与示例默认规则：示例默认值，由区局确认或修改）",
                 ScoringRuleSchema(many=True), arguments=ScoringRuleFilterSchema, location="query")
    post = creation(blp, ScoringRuleCreateSchema, ScoringRuleSchema,
                    "新增本区某条目的规则版本（自某月 1 日起生效）\n\n"
                    "未锁定的月计分随即重算，有变化的退回草稿；已锁定的月份不受影响。",
                    operations.create_rule, "scoring_rule", *DISTRICT_ADMINS,
                    alt_responses=((409, "该条目在同一生效月份已有版本"),))


@blp.route("/daily", endpoint="daily_items")
class DailyItems(MethodView):
    get = listing(blp, queries.daily_items, PointsDailyFilterSchema, PointsDailyItemSchema, "日记实（数据权限内）")


@blp.route("/manual-items", endpoint="manual_items")
class ManualItems(MethodView):
    get = listing(
        blp, queries.manual_items, PointsManualFilterSchema, PointsManualItemSchema, "手工登记的事项（数据权限内）"
    )
    post = creation(blp, PointsManualItemSchema, PointsManualItemSchema,
                    "登记表彰嘉奖、办结案件等事项（中队长、区局）；当日日记实与当月积分随即更新",
                    operations.record_manual_item, "manual_item", *SQUAD_MANAGERS)
