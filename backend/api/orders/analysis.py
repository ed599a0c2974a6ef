"""Orders' and complaints' analysis: repeats (重复投诉核查督办), the monthly report, hot spots, the duty guidance
(勤务指导意见) and the case-count targets tied to complaint volume."""
from __future__ import annotations

from datetime import timedelta

from flask import Response
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from backend.api.boundary import Blueprint
from backend.api.fields import Date, Float, Id, Month
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Schema, SquadMonthQuerySchema
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import detail, xlsx_export
from backend.community.models import CATEGORY_NAMES, Category
from backend.db import local_day
from backend.orders import hotspots, repeats, reports
from backend.orders.repeat_links import FINDINGS
from backend.org.roles import ORDER_ANALYSIS_READERS, SQUAD_MANAGERS

blp = Blueprint("orders_analysis", __name__, url_prefix="/api/orders",
                description="工单与诉件分析：重复投诉、月度报表、热点、勤务指导意见、办案量指标")

MAX_DAYS = 366  # hot spots and targets read at most a year


class RepeatFilterSchema(Schema):
    month = Month(metadata={"description": "只看此月（后一件收到的月份）的重复投诉", "example": "2026-11"})
    closed = fields.Boolean(metadata={"description": "true：只看督办已办结的；false：只看未办结的"})


def _end(kind: str, link, side: str):
    found = getattr(link, f"{side}_{kind}_id")
    return None if found is None else {"kind": kind, "id": found}


class RepeatSchema(Schema):
    id = fields.Integer()
    squad_id = fields.Integer()
    category = fields.Function(lambda r: r.category.value, metadata={"type": "string"})
    category_name = fields.Function(lambda r: CATEGORY_NAMES[r.category], metadata={"type": "string"})
    earlier = fields.Function(lambda r: _end("order", r, "earlier") or _end("complaint", r, "earlier"),
                              metadata={"type": "object", "description": "被重复的一件（kind：order / complaint）"})
    later = fields.Function(lambda r: _end("order", r, "later") or _end("complaint", r, "later"),
                            metadata={"type": "object", "description": "重复反映的工单或诉件"})
    distance_m = Float(metadata={"description": "两处地点相距（米）"})
    later_at = fields.DateTime()
    flagged_at = fields.DateTime(metadata={"description": "列入重复投诉核查督办的时间"})
    closed_at = fields.DateTime(allow_none=True, metadata={"description": "督办办结的时间；未办结为 null"})
    closed_by_id = fields.Integer(allow_none=True, metadata={"description": "办结督办的中队长"})
    finding = fields.String(allow_none=True, metadata={
        "description": "核查结论：" + "；".join(f"{key} {name}" for key, name in FINDINGS.items())})
    finding_note = fields.String(allow_none=True, metadata={"description": "核查情况"})


class RepeatCloseSchema(Schema):
    finding = fields.String(required=True, validate=validate.OneOf(list(FINDINGS)), metadata={
        "description": "核查结论：" + "；".join(f"{key} {name}" for key, name in FINDINGS.items())})
    note = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "核查情况（如何核查、如何处置）"})


class RepeatLinksQuerySchema(Schema):
    order_id = Id(metadata={"description": "工单号（与 complaint_id 二选一）"})
    complaint_id = Id(metadata={"description": "诉件号（与 order_id 二选一）"})

    @validates_schema
    def _one(self, data, **kwargs):
        if ("order_id" in data) == ("complaint_id" in data):
            raise ValidationError("请给出 order_id 或 complaint_id 之一", field_name="order_id")


class RepeatLinksSchema(Schema):
    repeats = fields.Nested(RepeatSchema, allow_none=True, metadata={"description": "本件重复了哪一件（较早的）"})
    repeated_by = fields.List(fields.Nested(RepeatSchema), metadata={"description": "此后重复本件的"})


@blp.route("/repeats", endpoint="repeats")
class Repeats(MethodView):
    get = listing(blp, lambda actor, month=None, closed=None: repeats.flagged(actor, closed=closed,
                                                                              **_month_range(month)),
                  RepeatFilterSchema, RepeatSchema,
                  "重复投诉核查督办：同一地点、同一类别在规定天数内再次反映的工单与诉件（新的在前）",
                  *ORDER_ANALYSIS_READERS)


@transition(blp, "/repeats/<int:repeat_id>/close", "repeat_close", RepeatSchema, *SQUAD_MANAGERS,
            arguments=RepeatCloseSchema, audit="order_repeat",
            alt_responses=((409, "该督办已办结"),))
def close_repeat(body, repeat_id):
    """办结重复投诉核查督办：中队长填写核查结论与核查情况（一次；留痕于审计日志）"""
    return repeats.close_flag(current_actor(), repeat_id, **body)


def _month_range(month) -> dict:
    return {} if month is None else dict(zip(("since", "until"), reports.month_bounds(month), strict=True))


@blp.route("/repeats/links", endpoint="repeat_links")
class RepeatLinks(MethodView):
    get = detail(blp, RepeatLinksSchema, "一件工单或诉件的重复关系：它重复了哪一件，此后又被哪些件重复（双向可查）",
                 repeats.links_of, filters=RepeatLinksQuerySchema)


class MonthlyRowSchema(Schema):
    squad_id = fields.Integer()
    squad = fields.String()
    month = Month()
    received = fields.Integer(metadata={"description": "本月收到的工单与诉件"})
    due = fields.Integer(metadata={"description": "应办结：已办结或已过办结时限（退单、移送、不予受理、转办不计）"})
    on_time = fields.Integer(metadata={"description": "在办结时限内办结"})
    on_time_rate = Float(allow_none=True, metadata={"description": "及时处置率 = on_time / due"})
    rated = fields.Integer(metadata={"description": "回访结果与市民评价"})
    satisfied = fields.Integer(metadata={"description": "满意、基本满意，或评价不低于 ORDERS_SATISFIED_MIN_RATING 星"})
    satisfaction_rate = Float(allow_none=True, metadata={"description": "满意率 = satisfied / rated"})
    repeats = fields.Integer(metadata={"description": "重复投诉（本月收到且重复此前一件的）"})
    repeat_rate = Float(allow_none=True, metadata={"description": "重复率 = repeats / received"})
    repeats_closed = fields.Integer(metadata={"description": "其中督办已由中队长核查办结的"})


@blp.route("/reports/monthly", endpoint="monthly_report")
class MonthlyReport(MethodView):
    get = detail(blp, MonthlyRowSchema(many=True), "月度报表：各中队的及时处置率、满意率、重复率（工单与诉件合计）",
                 reports.monthly, *ORDER_ANALYSIS_READERS, filters=SquadMonthQuerySchema)


@blp.route("/reports/monthly/export", endpoint="monthly_report_export")
@download
class MonthlyReportExport(MethodView):
    get = xlsx_export(blp, SquadMonthQuerySchema, "导出月度报表（Excel）", reports.monthly, reports.monthly_workbook,
                      "orders-report-{month:%Y-%m}.xlsx", *ORDER_ANALYSIS_READERS)


class PeriodQuerySchema(Schema):
    first = Date(data_key="from", metadata={"description": "起始日（含）；默认一年前", "example": "2026-01-01"})
    last = Date(data_key="to", metadata={"description": "截止日（含）；默认今天", "example": "2026-12-31"})

    @validates_schema
    def _within_a_year(self, data, **kwargs):
        last = data.get("last") or local_day()
        first = data.get("first") or last - timedelta(days=MAX_DAYS - 1)
        if not timedelta(0) <= last - first < timedelta(days=MAX_DAYS):
            raise ValidationError(f"起止日期应先后有序，且相隔不超过 {MAX_DAYS} 天", field_name="from")


class HotspotQuerySchema(PeriodQuerySchema):
    squad_id = Id(metadata={"description": "只看此中队"})
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    season = fields.String(validate=validate.OneOf(list(hotspots.SEASONS)),
                           metadata={"description": "spring 春 / summer 夏 / autumn 秋 / winter 冬"})


def _period(query: dict) -> tuple:
    last = query.pop("last", None) or local_day()
    first = query.pop("first", None) or last - timedelta(days=MAX_DAYS - 1)
    return first, last


def _found(actor, query: dict) -> tuple[list, str | None]:
    first, last = _period(query)
    category = query.get("category")
    found = hotspots.spots(actor, first, last, squad_id=query.get("squad_id"),
                           category=Category(category) if category else None)
    return found, query.get("season")


def _spots(summarize):
    """A `detail` finder: `summarize(spots, season=…)` of the hot spots the query asks for."""
    def find(actor, **query):
        found, season = _found(actor, query)
        return summarize(found, season=season)

    return find


class FeatureCollectionSchema(Schema):
    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Dict(), metadata={
        "description": "GeoJSON（GCJ-02）：每个网格、类别、季节一项，多的在前；properties 含 cell、category、"
                       "season、count、orders、complaints、place"})


@blp.route("/hotspots", endpoint="hotspots")
class Hotspots(MethodView):
    get = detail(blp, FeatureCollectionSchema, "热点网格（GeoJSON）：按网格、类别、季节统计工单与诉件，多的在前",
                 _spots(hotspots.hotspots), *ORDER_ANALYSIS_READERS, filters=HotspotQuerySchema)


@blp.route("/hotspots/chart", endpoint="hotspots_chart")
@download
class HotspotsChart(MethodView):
    @auth_required(blp, *ORDER_ANALYSIS_READERS)
    @blp.arguments(HotspotQuerySchema, location="query")
    @blp.response(200, content_type="image/png", description="PNG 图")
    def get(self, query):
        """热点图：最热的网格（类别、季节）柱状图（PNG）"""
        return Response(hotspots.hotspot_chart(_spots(hotspots.hotspots)(current_actor(), **query)),
                        mimetype="image/png")


class GuidanceCategorySchema(Schema):
    category = fields.String()
    category_name = fields.String()
    count = fields.Integer()


class GuidanceSchema(Schema):
    cell = fields.String(metadata={"description": "网格编号"})
    place = fields.String(metadata={"description": "网格内最常见的地点"})
    count = fields.Integer()
    lat = Float(metadata={"description": "网格中心（GCJ-02）"})
    lng = Float()
    categories = fields.List(fields.Nested(GuidanceCategorySchema))
    peak_hours = fields.List(fields.Integer(), metadata={"description": "工单与诉件最多的钟点（北京时间，0–23）"})
    advice = fields.String(metadata={"description": "勤务指导意见"})


@blp.route("/duty-guidance", endpoint="duty_guidance")
class DutyGuidance(MethodView):
    get = detail(blp, GuidanceSchema(many=True), "勤务指导意见：最热的网格及其高发时段（何处、何时加强巡查）",
                 _spots(hotspots.duty_guidance), *ORDER_ANALYSIS_READERS, filters=HotspotQuerySchema)


class CaseTargetSchema(Schema):
    squad_id = fields.Integer()
    squad = fields.String()
    complaints = fields.Integer(metadata={"description": "工单与诉件数（12345、城运、网格与社区诉件）"})
    cases = fields.Integer(metadata={"description": "同期立案数"})
    target = fields.Integer(metadata={"description": "办案量指标 = 工单与诉件数 × ORDERS_CASE_TARGET_PER_100 / 100"
                                                     "（向上取整，示例默认值）"})
    reached = fields.Boolean()


@blp.route("/case-targets", endpoint="case_targets")
class CaseTargets(MethodView):
    get = detail(blp, CaseTargetSchema(many=True),
                 "办案量考核指标与投诉举报数量关联：各中队的工单与诉件数、办案量指标、实际立案数",
                 lambda actor, **query: hotspots.case_targets(actor, *_period(query)), *ORDER_ANALYSIS_READERS,
                 filters=PeriodQuerySchema)


@blp.route("/case-targets/chart", endpoint="case_targets_chart")
@download
class CaseTargetsChart(MethodView):
    @auth_required(blp, *ORDER_ANALYSIS_READERS)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, content_type="image/png", description="PNG 图")
    def get(self, query):
        """办案量指标图：各中队的工单与诉件数、办案量指标、实际立案数（PNG）"""
        return Response(hotspots.case_target_chart(hotspots.case_targets(current_actor(), *_period(query))),
                        mimetype="image/png")
