"""City reports (全市报表): each district's month as JSON and Excel, the 街镇 index and its weights."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.fields import Decimal, Float, Int, Month
from backend.api.links import download
from backend.api.schemas import DistrictMonthQuerySchema, Schema
from backend.api.security import current_actor
from backend.api.views import detail, method, xlsx_export
from backend.cityreports import facts, index, queries, weights
from backend.org.roles import CITY_REPORT_READERS, INDEX_WEIGHT_SETTERS, TOWN_INDEX_READERS
from backend.supervision.cases.models import FLAG_NAMES

blp = Blueprint("cityreports", __name__, url_prefix="/api/city-reports",
                description="全市报表：各区每月的勤务、工单与诉件、两超期两随意、学时、月积分，街镇依法行政指数")

RATE = "（0–1；无可计数据时为空）"
DESCRIPTIONS = {
    "shifts": "本月排班（班次）", "shifts_absent": "缺勤班次", "check_ins": "签到", "late": "迟到签到",
    "out_of_area": "外勤签到", "scheduled_minutes": "排班分钟", "attended_minutes": "到岗分钟",
    **{f"{kind}_{name}": f"{label}：{what}" for kind, label in (("orders", "工单"), ("complaints", "诉件"))
       for name, what in (("received", "本月收到"), ("due", "应办结（已办结或已过期限）"), ("on_time", "按期办结"),
                          ("rated", "回访或评价"), ("satisfied", "满意"))},
    "cases_registered": "本月立案", "cases_closed": "本月结案", "cases_closed_clean": "本月结案中无两超期两随意的",
    **{kind.value: f"本月{name}" for kind, name in FLAG_NAMES.items()},
    "trainees": "应培训人数（中队在职人员）", "trainees_on_track": "学时按期达标人数（截至月末）",
    "credit_required": "全年应修学时", "credit_earned": "本年已得学时（各类别以应修为限，截至月末）",
    "sheets": "本月月积分表", "sheets_final": "其中已公布或已锁定", "points_total": "月积分合计",
    "points_min": "最低月积分", "points_max": "最高月积分",
}
RATES = {
    "attendance_rate": "出勤率", "punctuality_rate": "准时签到率", "orders_on_time_rate": "工单及时处置率",
    "complaints_on_time_rate": "诉件及时处置率", "on_time_rate": "及时处置率（工单与诉件）",
    "satisfaction_rate": "满意率（工单回访与诉件评价）", "case_compliance_rate": "结案无两超期两随意率",
    "credit_on_track_rate": "学时达标率", "credit_completion": "学时完成率（已得 / 全年应修）",
    "points_floor_rate": "月积分达标率（达到最低分档的月积分表占比）",
}


class PointsBandSchema(Schema):
    grade = fields.String(metadata={"description": "分档（POINTS_QUARTER_GRADES 的等次）"})
    floor = Decimal(as_string=True, allow_none=True, metadata={"description": "该档最低分；最低档为空"})
    sheets = fields.Integer()


def _figure(name: str):
    if name in facts.DECIMALS:
        return Decimal(as_string=True, allow_none=True, metadata={"description": DESCRIPTIONS[name]})
    return fields.Integer(metadata={"description": DESCRIPTIONS[name]})


FIGURES = {name: _figure(name) for name in facts.COLUMNS if name not in facts.BANDS}
DistrictMonthSchema = type("CityDistrictMonthSchema", (Schema,), {
    "district_id": fields.Integer(), "district": fields.String(), "month": Month(), **FIGURES,
    **{name: Float(allow_none=True, metadata={"description": label + RATE}) for name, label in RATES.items()},
    "case_flags": fields.Integer(metadata={"description": "本月两超期两随意合计"}),
    "points_mean": Float(allow_none=True, metadata={"description": "平均月积分"}),
    "points_bands": fields.List(fields.Nested(PointsBandSchema), metadata={"description": "月积分分布"}),
})


class WeightsSchema(Schema):
    level = fields.String(metadata={"description": "city：全市的权重；district：本区自设的权重"})
    weights = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "指标 → 权重：" + "，".join(f"{code} {name}" for code, (name, _) in queries.COMPONENTS.items())})
    example_default = fields.Boolean(metadata={
        "description": "true：示例默认值（源文件未给出权重），尚未由市局或区局设定"})
    set_at = fields.DateTime(allow_none=True)


class ComponentSchema(Schema):
    component = fields.String()
    name = fields.String()
    rate = Float(allow_none=True, metadata={"description": "该指标的比率" + RATE})
    weight = fields.Integer(metadata={"description": "所用权重"})


class TownIndexSchema(Schema):
    town_id = fields.Integer()
    town = fields.String()
    district_id = fields.Integer()
    district = fields.String()
    month = Month()
    index = Float(allow_none=True, metadata={
        "description": "街镇依法行政指数 = 100 × Σ 权重 × 比率 / Σ 权重（只计有比率的指标）；全无时为空"})
    rank = fields.Integer(allow_none=True, metadata={"description": "在您可见的街镇中的名次（并列同名次）"})
    district_rank = fields.Integer(allow_none=True, metadata={"description": "在本区街镇中的名次"})
    components = fields.List(fields.Nested(ComponentSchema))
    weights = fields.Nested(lambda: WeightsSchema(), metadata={"description": "所用的权重及其来源"})


class WeightsInForceSchema(Schema):
    city = fields.Nested(WeightsSchema)
    in_force = fields.Nested(WeightsSchema, metadata={"description": "本区街镇排名所用的权重"})


class WeightsBodySchema(Schema):
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(list(queries.COMPONENTS))),
                          values=Int(strict=True, min=0, max=100), required=True,
                          metadata={"description": "每项指标的权重（0–100 的整数，须包含全部指标）"})


@blp.route("/districts", endpoint="districts")
class DistrictMonth(MethodView):
    get = detail(blp, DistrictMonthSchema(many=True),
                 "全市报表：各区本月的勤务、工单与诉件、两超期两随意、学时与月积分", queries.district_month,
                 *CITY_REPORT_READERS, filters=DistrictMonthQuerySchema)


@blp.route("/districts/export", endpoint="districts_export")
@download
class DistrictMonthExport(MethodView):
    get = xlsx_export(blp, DistrictMonthQuerySchema, "导出全市报表（Excel）", queries.district_month,
                      queries.district_workbook, "city-report-{month:%Y-%m}.xlsx", *CITY_REPORT_READERS)


@blp.route("/towns", endpoint="towns")
class TownIndex(MethodView):
    get = detail(blp, TownIndexSchema(many=True), "街镇依法行政指数：各街镇本月的指数、名次、各项比率与所用权重",
                 index.town_index, *TOWN_INDEX_READERS, filters=DistrictMonthQuerySchema)


@blp.route("/towns/export", endpoint="towns_export")
@download
class TownIndexExport(MethodView):
    get = xlsx_export(blp, DistrictMonthQuerySchema, "导出街镇依法行政指数（Excel）", index.town_index,
                      index.town_workbook, "town-index-{month:%Y-%m}.xlsx", *TOWN_INDEX_READERS)


@blp.route("/index-weights", endpoint="index_weights")
class IndexWeights(MethodView):
    get = detail(blp, WeightsInForceSchema, "街镇依法行政指数的权重（全市的与本区所用的；示例默认值有标注）",
                 weights.weights, *TOWN_INDEX_READERS)
    put = method(blp, lambda body: weights.set_weights(current_actor(), **body),
                 "设置街镇指数的权重（区局管理员：本区的；市局管理员：全市的）",
                 WeightsSchema, *INDEX_WEIGHT_SETTERS, arguments=WeightsBodySchema)
