"""Points: scoring rules, daily records, manual items, month sheets, the leader's review, explanations."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate
from openpyxl import Workbook
from sqlalchemy.orm.exc import StaleDataError

from backend.api import audit_object
from backend.api.pagination import page_of
from backend.api.schemas import Schema
from backend.api.security import auth_required, current_actor
from backend.db import session
from backend.errors import DomainError, Forbidden
from backend.org.models import Role
from backend.org.scope import get_visible
from backend.supervision.points import appraisal, operations, queries
from backend.supervision.points.catalogue import ITEMS
from backend.supervision.points.models import (STATE_NAMES, AppraisalState, MonthlyPoints, QuarterlyEvaluation,
                                               SheetState, YearlyAppraisal)


class PointsBlueprint(Blueprint):
    """Writes to a month sheet are POSTs that must carry the sheet's ETag in If-Match."""

    METHODS_NEEDING_CHECK_ETAG = ["PUT", "PATCH", "DELETE", "POST"]


blp = PointsBlueprint("points", __name__, url_prefix="/api/points", description="考核积分：日记实、积分规则、月计分")

LEADERS = (Role.squad_leader, Role.district_admin)


class Month(fields.Field):
    """A month as "2026-11" (a date on the 1st inside)."""

    default_error_messages = {"invalid": "应为月份，如 2026-11。"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.year:04d}-{value.month:02d}"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            year, month = str(value).split("-")
            return date(int(year), int(month), 1)
        except ValueError:
            raise self.make_error("invalid") from None


class Quarter(fields.Field):
    """A quarter as "2026-Q4" (a date on its first day inside)."""

    default_error_messages = {"invalid": "应为季度，如 2026-Q4。"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.year:04d}-Q{(value.month - 1) // 3 + 1}"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            year, quarter = str(value).upper().split("-Q")
            if not 1 <= int(quarter) <= 4:
                raise ValueError(value)
            return date(int(year), int(quarter) * 3 - 2, 1)
        except ValueError:
            raise self.make_error("invalid") from None


def _cents(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError("最多两位小数。")


def _within(low: int, high: int, *, above_low: bool = False):
    """A range check for decimals sent as strings (validate.Range would put strings in the OpenAPI bounds)."""
    def check(value: Decimal) -> None:
        if value > high or value < low or (above_low and value == low):
            raise ValidationError(f"应{'大于' if above_low else '大于等于'} {low}且小于等于 {high}。")
    return check


def Points(**kw) -> fields.Decimal:  # noqa: N802  (a field factory reads like a field class)
    return fields.Decimal(as_string=True, **{"metadata": {"example": "2.50"}, **kw})


class PointsItemSchema(Schema):
    item = fields.String()
    name = fields.String()
    unit = fields.String()
    manual = fields.Boolean(metadata={"description": "由领导手工登记"})


class ScoringRuleSchema(Schema):
    id = fields.Integer()
    district_id = fields.Integer(allow_none=True, metadata={"description": "空为全市默认规则"})
    item = fields.String()
    item_name = fields.Function(lambda rule: ITEMS[rule.item].name if rule.item in ITEMS else rule.item)
    category = fields.String()
    points_per_unit = Points()
    monthly_cap = Points(allow_none=True)
    effective_from = fields.Date()
    created_at = fields.DateTime()


class ScoringRuleCreateSchema(Schema):
    item = fields.String(required=True, validate=validate.OneOf(list(ITEMS)))
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    points_per_unit = Points(required=True, validate=[_within(-100, 100), _cents])
    monthly_cap = Points(load_default=None, allow_none=True, validate=[_within(0, 1000), _cents])
    effective_from = fields.Date(required=True, metadata={"description": "须为某月 1 日", "example": "2027-01-01"})


class ScoringRuleFilterSchema(Schema):
    item = fields.String()


class PointsDailyItemSchema(Schema):
    id = fields.Integer()
    day = fields.Date()
    officer_id = fields.Integer()
    item = fields.String()
    item_name = fields.Function(lambda row: ITEMS[row.item].name if row.item in ITEMS else row.item)
    quantity = fields.Decimal(as_string=True)
    source = fields.String(metadata={"description": "来源：duty 勤务、manual 手工登记 ……"})
    source_ref = fields.String(metadata={"description": "来源记录"})


class PointsDailyFilterSchema(Schema):
    officer_id = fields.Integer()
    date_from = fields.Date()
    date_to = fields.Date()


class PointsManualItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    officer_id = fields.Integer(required=True)
    day = fields.Date(required=True)
    item = fields.String(required=True, metadata={"example": "commendation"})
    quantity = fields.Decimal(as_string=True, required=True,
                              validate=[_within(0, 1000, above_low=True), _cents])
    note = fields.String(required=True, validate=validate.Length(min=2, max=200), metadata={"example": "市容整治表彰"})
    recorded_by_id = fields.Integer(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)


class PointsManualFilterSchema(Schema):
    officer_id = fields.Integer()
    month = Month()


class MonthlyLineSchema(Schema):
    item = fields.String()
    item_name = fields.Function(lambda line: ITEMS[line.item].name if line.item in ITEMS else line.item)
    category = fields.String()
    rule_id = fields.Integer(allow_none=True)
    quantity = fields.Decimal(as_string=True)
    points_per_unit = Points()
    monthly_cap = Points(allow_none=True)
    raw_points = Points()
    points = Points()


class PointsAdjustmentSchema(Schema):
    id = fields.Integer()
    points = Points()
    reason = fields.String()
    corrects_month = Month(allow_none=True, metadata={"description": "更正的已锁定月份"})
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class MonthlyPointsSchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.Function(lambda sheet: sheet.officer.name)
    month = Month()
    squad_id = fields.Integer(allow_none=True)
    state = fields.Enum(SheetState)
    state_name = fields.Function(lambda sheet: STATE_NAMES[sheet.state])
    base = Points()
    items_total = Points()
    adjustments_total = Points()
    total = Points()
    version = fields.Integer()
    reviewed_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    locked_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(MonthlyLineSchema))
    adjustments = fields.List(fields.Nested(PointsAdjustmentSchema))


class MonthlyPointsSummarySchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.Function(lambda sheet: sheet.officer.name)
    month = Month()
    squad_id = fields.Integer(allow_none=True)
    state = fields.Enum(SheetState)
    total = Points()


class MonthlyPointsEtagSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()


class MonthlyPointsFilterSchema(Schema):
    month = Month()
    squad_id = fields.Integer()
    officer_id = fields.Integer()


class MonthlyExportFilterSchema(Schema):
    month = Month(required=True)
    squad_id = fields.Integer()


class PointsAdjustmentCreateSchema(Schema):
    points = Points(required=True, validate=_cents)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200), metadata={"example": "协助处置突发事件"})


class PointsExplainDaySchema(Schema):
    day = fields.Date()
    quantity = fields.Decimal(as_string=True)
    source = fields.String()
    source_ref = fields.String()


class PointsExplainLineSchema(Schema):
    item = fields.String()
    name = fields.String()
    unit = fields.String()
    category = fields.String()
    rule_id = fields.Integer(allow_none=True)
    quantity = fields.Decimal(as_string=True)
    points_per_unit = Points()
    monthly_cap = Points(allow_none=True)
    raw_points = Points()
    points = Points()
    capped = fields.Boolean()
    explanation = fields.String()
    days = fields.List(fields.Nested(PointsExplainDaySchema))


class PointsExplainSchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.String()
    month = Month()
    state = fields.Enum(SheetState)
    state_name = fields.String()
    base = Points()
    items_total = Points()
    adjustments_total = Points()
    total = Points()
    summary = fields.String(metadata={"description": "一句话说明分数的由来"})
    lines = fields.List(fields.Nested(PointsExplainLineSchema))
    adjustments = fields.List(fields.Nested(PointsAdjustmentSchema))


def _sheet(sheet_id: int) -> MonthlyPoints:
    return get_visible(MonthlyPoints, sheet_id, current_actor(), what="月积分")


def _sheet_to_change(sheet_id: int) -> MonthlyPoints:
    """A sheet the leader may change: in scope, not their own, If-Match equal to its ETag."""
    sheet = _sheet(sheet_id)
    if sheet.officer_id == current_actor().id:
        raise Forbidden("不能调整、审核或公布本人的积分", code="own_sheet")
    blp.check_etag(sheet, MonthlyPointsEtagSchema)
    audit_object("monthly_points", sheet.id)
    return sheet


class StaleSheet(DomainError):
    status = 412
    default_code = "precondition_failed"
    default_message = "数据已被他人修改，请刷新后重试"


@contextmanager
def _changing():
    """Two leaders past the ETag check at once: the second write finds a newer version and gets 412."""
    try:
        yield
    except StaleDataError:
        raise StaleSheet() from None


def _changed(sheet: MonthlyPoints) -> MonthlyPoints:
    session.refresh(sheet)
    blp.set_etag(sheet, MonthlyPointsEtagSchema)
    return sheet


@blp.route("/items", endpoint="items")
class Items(MethodView):
    @auth_required(blp)
    @blp.response(200, PointsItemSchema(many=True))
    def get(self):
        """积分条目目录"""
        return [dict(item=code, name=kind.name, unit=kind.unit, manual=kind.manual) for code, kind in ITEMS.items()]


@blp.route("/rules", endpoint="rules")
class Rules(MethodView):
    @auth_required(blp)
    @blp.arguments(ScoringRuleFilterSchema, location="query")
    @blp.response(200, ScoringRuleSchema(many=True))
    def get(self, filters):
        """积分规则的各个版本（本区规则与全市默认规则）"""
        return session.scalars(queries.rules(current_actor(), **filters)).all()

    @auth_required(blp, Role.district_admin)
    @blp.arguments(ScoringRuleCreateSchema)
    @blp.response(201, ScoringRuleSchema)
    @blp.alt_response(409, description="该条目在同一生效月份已有版本")
    def post(self, body):
        """新增本区某条目的规则版本（自某月 1 日起生效；已锁定的月份不受影响）"""
        rule = operations.create_rule(current_actor(), **body)
        audit_object("scoring_rule", rule.id)
        return rule


@blp.route("/daily", endpoint="daily_items")
class DailyItems(MethodView):
    @auth_required(blp)
    @blp.arguments(PointsDailyFilterSchema, location="query")
    @blp.response(200, PointsDailyItemSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """日记实（数据权限内）"""
        return page_of(queries.daily_items(current_actor(), **filters), pagination_parameters)


@blp.route("/manual-items", endpoint="manual_items")
class ManualItems(MethodView):
    @auth_required(blp)
    @blp.arguments(PointsManualFilterSchema, location="query")
    @blp.response(200, PointsManualItemSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """手工登记的事项（数据权限内）"""
        return page_of(queries.manual_items(current_actor(), **filters), pagination_parameters)

    @auth_required(blp, *LEADERS)
    @blp.arguments(PointsManualItemSchema)
    @blp.response(201, PointsManualItemSchema)
    def post(self, body):
        """登记表彰嘉奖、办结案件等事项（中队长、区局）；当日日记实与当月积分随即更新"""
        entry = operations.record_manual_item(current_actor(), **body)
        audit_object("manual_item", entry.id)
        return entry


@blp.route("/monthly", endpoint="sheets")
class Sheets(MethodView):
    @auth_required(blp)
    @blp.arguments(MonthlyPointsFilterSchema, location="query")
    @blp.response(200, MonthlyPointsSummarySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """月积分列表：给定月份时为排名（高分在前），给定人员时为逐月走势"""
        return page_of(queries.sheets(current_actor(), **filters), pagination_parameters)


@blp.route("/monthly/export", endpoint="sheets_export")
class SheetsExport(MethodView):
    @auth_required(blp, *LEADERS)
    @blp.arguments(MonthlyExportFilterSchema, location="query")
    @blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  description="Excel 文件")
    def get(self, filters):
        """导出某月积分表（Excel，按总分排名）"""
        book = Workbook()
        sheet = book.active
        sheet.title = f"{filters['month']:%Y-%m}"
        sheet.append(["排名", "工号", "姓名", "中队", "基础分", "条目分", "调整分", "总分", "状态"])
        stmt = queries.sheets(current_actor(), **filters)
        for rank, row in enumerate(session.scalars(stmt), start=1):
            squad = row.officer.squad.name if row.officer.squad else ""
            sheet.append([rank, row.officer.badge_no, row.officer.name, squad, row.base, row.items_total,
                          row.adjustments_total, row.total, STATE_NAMES[row.state]])
        data = BytesIO()
        book.save(data)
        data.seek(0)
        return send_file(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=f"points-{filters['month']:%Y-%m}.xlsx")


@blp.route("/monthly/<int:sheet_id>", endpoint="sheet")
class SheetById(MethodView):
    @auth_required(blp)
    @blp.etag
    @blp.response(200, MonthlyPointsSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, sheet_id):
        """月积分详情：基础分、各条目、调整（响应带 ETag，修改时放入 If-Match）"""
        sheet = _sheet(sheet_id)
        blp.set_etag(sheet, MonthlyPointsEtagSchema)
        return sheet


@blp.route("/monthly/<int:sheet_id>/explain", endpoint="sheet_explain")
class SheetExplain(MethodView):
    @auth_required(blp)
    @blp.response(200, PointsExplainSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, sheet_id):
        """我的分数为什么是这么多：逐条目到每一天的日记实与来源记录"""
        return queries.explain(_sheet(sheet_id))


@blp.route("/monthly/<int:sheet_id>/adjustments", endpoint="sheet_adjustments")
class SheetAdjustments(MethodView):
    @auth_required(blp, *LEADERS)
    @blp.etag
    @blp.arguments(PointsAdjustmentCreateSchema)
    @blp.response(201, MonthlyPointsSchema)
    @blp.alt_response(409, description="该月已锁定")
    def post(self, body, sheet_id):
        """领导调整分值（须说明理由；需 If-Match；调整后回到草稿，需重新审核）"""
        sheet = _sheet_to_change(sheet_id)
        with _changing():
            operations.add_adjustment(current_actor(), sheet, **body)
        return _changed(sheet)


class _Transition(MethodView):
    """Moves a sheet to its next state with `operation` (If-Match required)."""

    def _move(self, sheet_id):
        sheet = _sheet_to_change(sheet_id)
        with _changing():
            self.operation(current_actor(), sheet)
        return _changed(sheet)


@blp.route("/monthly/<int:sheet_id>/review", endpoint="sheet_review")
class SheetReview(_Transition):
    operation = staticmethod(operations.review)

    @auth_required(blp, *LEADERS)
    @blp.etag
    @blp.response(200, MonthlyPointsSchema)
    @blp.alt_response(409, description="只有草稿可以审核")
    def post(self, sheet_id):
        """审核月积分（草稿 → 已审核；中队长、区局）"""
        return self._move(sheet_id)


@blp.route("/monthly/<int:sheet_id>/publish", endpoint="sheet_publish")
class SheetPublish(_Transition):
    operation = staticmethod(operations.publish)

    @auth_required(blp, *LEADERS)
    @blp.etag
    @blp.response(200, MonthlyPointsSchema)
    @blp.alt_response(409, description="未审核的月积分不能公布")
    def post(self, sheet_id):
        """公布月积分（已审核 → 已公布，并通过政务微信通知本人）"""
        return self._move(sheet_id)


@blp.route("/monthly/<int:sheet_id>/lock", endpoint="sheet_lock")
class SheetLock(_Transition):
    operation = staticmethod(operations.lock)

    @auth_required(blp, Role.district_admin)
    @blp.etag
    @blp.response(200, MonthlyPointsSchema)
    @blp.alt_response(409, description="未公布的月积分不能锁定")
    def post(self, sheet_id):
        """锁定月积分（已公布 → 已锁定；区局管理员）；此后的更正计入下一个未锁定月份"""
        return self._move(sheet_id)


class MonthTotalSchema(Schema):
    id = fields.Integer(metadata={"description": "月积分 id（可继续下钻 /monthly/{id}/explain）"})
    month = Month()
    total = Points()
    state = fields.Enum(SheetState)


class QuarterlySchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.Function(lambda e: e.officer.name)
    quarter = Quarter()
    squad_id = fields.Integer(allow_none=True)
    months = fields.Integer(metadata={"description": "参与平均的月份数"})
    points_average = Points()
    rating = fields.String(allow_none=True)
    rating_name = fields.Function(lambda e: appraisal.RATING_NAMES.get(e.rating))
    score = Points()
    grade = fields.String()
    state = fields.Enum(AppraisalState)
    confirmed_at = fields.DateTime(allow_none=True)


class QuarterlyDetailSchema(QuarterlySchema):
    month_sheets = fields.Function(lambda e: MonthTotalSchema(many=True).dump(queries.months_of(e)))


class QuarterlyFilterSchema(Schema):
    quarter = Quarter()
    squad_id = fields.Integer()
    officer_id = fields.Integer()


class QuarterlyConfirmSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(list(appraisal.RATING_BONUS)),
                           metadata={"description": "excellent 优、good 良、fair 中、poor 差"})


class YearlySchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.Function(lambda a: a.officer.name)
    year = fields.Integer()
    squad_id = fields.Integer(allow_none=True)
    quarters = fields.Integer()
    score = Points()
    deductions = Points(metadata={"description": "全年扣分合计（同分时扣分少者在前）"})
    rank = fields.Integer(metadata={"description": "中队内名次"})
    grade = fields.String()
    grade_name = fields.Function(lambda a: appraisal.YEAR_GRADE_NAMES[a.grade])
    state = fields.Enum(AppraisalState)
    confirmed_at = fields.DateTime(allow_none=True)


class QuarterScoreSchema(Schema):
    id = fields.Integer(metadata={"description": "季评价 id（可继续下钻）"})
    quarter = Quarter()
    score = Points()
    grade = fields.String()


class YearlyDetailSchema(YearlySchema):
    quarter_evaluations = fields.Function(lambda a: QuarterScoreSchema(many=True).dump(queries.quarters_of(a)))


class YearlyFilterSchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    squad_id = fields.Integer()
    officer_id = fields.Integer()


@blp.route("/quarterly", endpoint="quarterly")
class Quarterlies(MethodView):
    @auth_required(blp)
    @blp.arguments(QuarterlyFilterSchema, location="query")
    @blp.response(200, QuarterlySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """季评价列表（数据权限内；给定季度时按得分排名）"""
        return page_of(queries.quarterly(current_actor(), **filters), pagination_parameters)


@blp.route("/quarterly/<int:evaluation_id>", endpoint="quarterly_one")
class QuarterlyById(MethodView):
    @auth_required(blp)
    @blp.response(200, QuarterlyDetailSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, evaluation_id):
        """季评价详情，含参与平均的各月积分（下钻到月）"""
        return get_visible(QuarterlyEvaluation, evaluation_id, current_actor(), what="季评价")


@blp.route("/quarterly/<int:evaluation_id>/confirm", endpoint="quarterly_confirm")
class QuarterlyConfirm(MethodView):
    @auth_required(blp, *LEADERS)
    @blp.arguments(QuarterlyConfirmSchema)
    @blp.response(200, QuarterlyDetailSchema)
    @blp.alt_response(409, description="已确认")
    def post(self, body, evaluation_id):
        """领导评价并确认季评价（优 +2、良 +1、中 0、差 -2 计入得分）"""
        evaluation = get_visible(QuarterlyEvaluation, evaluation_id, current_actor(), what="季评价")
        audit_object("quarterly_evaluation", evaluation.id)
        return appraisal.confirm_quarter(current_actor(), evaluation, body["rating"])


@blp.route("/yearly", endpoint="yearly")
class Yearlies(MethodView):
    @auth_required(blp)
    @blp.arguments(YearlyFilterSchema, location="query")
    @blp.response(200, YearlySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """年考核列表（数据权限内；按中队内名次）"""
        return page_of(queries.yearly(current_actor(), **filters), pagination_parameters)


@blp.route("/yearly/<int:appraisal_id>", endpoint="yearly_one")
class YearlyById(MethodView):
    @auth_required(blp)
    @blp.response(200, YearlyDetailSchema)
    @blp.alt_response(404, description="不存在或不在数据权限内")
    def get(self, appraisal_id):
        """年考核详情，含各季评价（下钻到季）"""
        return get_visible(YearlyAppraisal, appraisal_id, current_actor(), what="年考核")


@blp.route("/yearly/<int:appraisal_id>/confirm", endpoint="yearly_confirm")
class YearlyConfirm(MethodView):
    @auth_required(blp, *LEADERS)
    @blp.response(200, YearlyDetailSchema)
    @blp.alt_response(409, description="已确认")
    def post(self, appraisal_id):
        """领导确认年考核等次"""
        found = get_visible(YearlyAppraisal, appraisal_id, current_actor(), what="年考核")
        audit_object("yearly_appraisal", found.id)
        return appraisal.confirm_year(current_actor(), found)
