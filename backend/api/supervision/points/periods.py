"""Points: quarterly evaluations (季评价) and yearly appraisals (年考核), drilled down to months and quarters."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import Id, Int, Month, Points, Quarter
from backend.api.pagination import listing
from backend.api.schemas import Rows, Schema, Text
from backend.api.security import current_actor
from backend.api.supervision.points.common import blp
from backend.api.transitions import transition
from backend.api.views import method
from backend.db import session
from backend.org.roles import SQUAD_MANAGERS
from backend.org.scope import get_visible
from backend.supervision.points import appraisal, queries
from backend.supervision.points.models import (
    STATE_NAMES,
    AppraisalState,
    QuarterlyEvaluation,
    SheetState,
    YearlyAppraisal,
)


class MonthTotalSchema(Schema):
    id = fields.Integer(metadata={"description": "月积分 id（可继续下钻 /monthly/{id}/explain）"})
    month = Month()
    total = Points()
    state = fields.Enum(SheetState)
    state_name = fields.Function(lambda sheet: STATE_NAMES[sheet.state], metadata={"type": "string"})
    final = fields.Function(lambda sheet: sheet.state == SheetState.locked, metadata={
        "type": "boolean", "description": "已锁定（定稿）：季评价须待本季各月均已锁定后才能确认"})


class _AppraisalFields(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = Text(lambda row: row.officer.name)
    squad_id = fields.Integer(allow_none=True)
    score = Points()
    grade = fields.String()
    state = fields.Enum(AppraisalState)
    confirmed_at = fields.DateTime(allow_none=True)


class QuarterlySchema(_AppraisalFields):
    quarter = Quarter()
    months = fields.Integer(metadata={"description": "参与平均的月份数"})
    months_final = fields.Integer(metadata={"description": "其中已锁定（定稿）的月份数"})
    confirmable = fields.Function(appraisal.quarter_confirmable, metadata={
        "type": "boolean", "description": "本季已结束且各月均已锁定，可以确认"})
    points_average = Points()
    rating = fields.String(allow_none=True)
    rating_name = Text(lambda e: appraisal.RATING_NAMES.get(e.rating), allow_none=True)


class QuarterlyDetailSchema(QuarterlySchema):
    month_sheets = Rows(lambda e: MonthTotalSchema(many=True).dump(queries.months_of(e)))


class QuarterlyEtagSchema(Schema):
    """What a confirmation is based on: a recomputed draft or another leader's confirmation changes it."""

    id = fields.Integer()
    state = fields.Enum(AppraisalState)
    months = fields.Integer()
    months_final = fields.Integer()
    points_average = Points()
    rating = fields.String(allow_none=True)


class YearlyEtagSchema(Schema):
    """What a confirmation of the grade is based on: a recomputed year (score, rank, grade) or another
    leader's confirmation changes it."""

    id = fields.Integer()
    state = fields.Enum(AppraisalState)
    quarters = fields.Integer()
    quarters_final = fields.Integer()
    score = Points()
    rank = fields.Integer()
    grade = fields.String()


class QuarterlyFilterSchema(Schema):
    quarter = Quarter()
    squad_id = Id()
    officer_id = Id()


class QuarterlyConfirmSchema(Schema):
    rating = fields.String(
        required=True,
        validate=validate.OneOf(list(appraisal.RATING_NAMES)),
        metadata={
            "description": "excellent 优、good 良、fair 中、poor 差"
            "（各等次的加减分见 /api/points/parameters：示例默认值，由区局设定）"
        },
    )


class YearlySchema(_AppraisalFields):
    year = fields.Integer()
    quarters = fields.Integer()
    quarters_final = fields.Integer(metadata={"description": "其中已确认的季度数"})
    confirmable = fields.Function(appraisal.year_confirmable, metadata={
        "type": "boolean", "description": "本年已结束且各季评价均已确认，可以确认"})
    deductions = Points(metadata={"description": "全年扣分合计（同分时扣分少者在前）"})
    rank = fields.Integer(metadata={"description": "中队内名次"})
    grade_name = Text(lambda a: appraisal.YEAR_GRADE_NAMES[a.grade])


class QuarterScoreSchema(Schema):
    id = fields.Integer(metadata={"description": "季评价 id（可继续下钻）"})
    quarter = Quarter()
    score = Points()
    grade = fields.String()
    state = fields.Enum(AppraisalState, metadata={"description": "confirmed 为已确认（定稿）"})


class YearlyDetailSchema(YearlySchema):
    quarter_evaluations = Rows(lambda a: QuarterScoreSchema(many=True).dump(queries.quarters_of(a)))


class YearlyFilterSchema(Schema):
    year = Int(min=2000, max=2100)
    squad_id = Id()
    officer_id = Id()


def _evaluation(evaluation_id: int) -> QuarterlyEvaluation:
    return get_visible(QuarterlyEvaluation, evaluation_id, current_actor(), what="季评价")


def _appraisal(appraisal_id: int) -> YearlyAppraisal:
    return get_visible(YearlyAppraisal, appraisal_id, current_actor(), what="年考核")


def _shown(row, etag_schema):
    """`row` with its ETag: a leader confirms exactly what they were shown."""
    blp.set_etag(row, etag_schema)
    return row


def _confirmed(row, etag_schema, object_type: str, confirm):
    """Confirm `row` if it is still what the leader saw (If-Match); of two leaders at once, the second gets 412."""
    session.refresh(row, with_for_update=True)
    blp.check_etag(row, etag_schema)
    audit_object(object_type, row.id)
    confirm(row)
    return _shown(row, etag_schema)


@blp.route("/quarterly", endpoint="quarterly")
class Quarterlies(MethodView):
    get = listing(
        blp, queries.quarterly, QuarterlyFilterSchema, QuarterlySchema, "季评价列表（数据权限内；给定季度时按得分排名）"
    )


@blp.route("/quarterly/<int:evaluation_id>", endpoint="quarterly_one")
class QuarterlyById(MethodView):
    get = method(blp, lambda evaluation_id: _shown(_evaluation(evaluation_id), QuarterlyEtagSchema),
                 "季评价详情，含参与平均的各月积分（下钻到月；响应带 ETag，确认时放入 If-Match）",
                 QuarterlyDetailSchema, etag=True)


@transition(blp, "/quarterly/<int:evaluation_id>/confirm", "quarterly_confirm", QuarterlyDetailSchema, *SQUAD_MANAGERS,
            arguments=QuarterlyConfirmSchema, etag=True,
            alt_responses=((409, "已确认，或本季尚未结束、各月积分尚未全部锁定（months_not_final）"),))
def quarterly_confirm(body, evaluation_id):
    """领导评价并确认季评价（本季结束且各月积分均已锁定后；评价等次的加减分计入得分；需 If-Match）"""
    return _confirmed(_evaluation(evaluation_id), QuarterlyEtagSchema, "quarterly_evaluation",
                      lambda evaluation: appraisal.confirm_quarter(current_actor(), evaluation, body["rating"]))


@blp.route("/yearly", endpoint="yearly")
class Yearlies(MethodView):
    get = listing(blp, queries.yearly, YearlyFilterSchema, YearlySchema, "年考核列表（数据权限内；按中队内名次）")


@blp.route("/yearly/<int:appraisal_id>", endpoint="yearly_one")
class YearlyById(MethodView):
    get = method(blp, lambda appraisal_id: _shown(_appraisal(appraisal_id), YearlyEtagSchema),
                 "年考核详情，含各季评价（下钻到季；响应带 ETag，确认时放入 If-Match）", YearlyDetailSchema, etag=True)


@transition(blp, "/yearly/<int:appraisal_id>/confirm", "yearly_confirm", YearlyDetailSchema, *SQUAD_MANAGERS, etag=True,
            alt_responses=((409, "已确认，或本年尚未结束、各季评价尚未全部确认（quarters_not_final）"),))
def yearly_confirm(appraisal_id):
    """领导确认年考核等次（本年结束且各季评价均已确认后；需 If-Match：确认的是所看到的等次）"""
    return _confirmed(_appraisal(appraisal_id), YearlyEtagSchema, "yearly_appraisal",
                      lambda found: appraisal.confirm_year(current_actor(), found))
