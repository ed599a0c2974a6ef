"""Points: month sheets — ranking, trend, export, detail, explanation, the leader's adjustments and states."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, pre_dump, validate

from backend.api.audit import audit_object
from backend.api.fields import Decimal, Id, Month, Points
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Schema, SquadMonthQuerySchema, Text
from backend.api.security import current_actor
from backend.api.supervision.points.common import blp, cents, changing, item_name
from backend.api.transitions import transition
from backend.api.views import detail, method, xlsx_export
from backend.db import session
from backend.org.models import Squad
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS
from backend.org.scope import get_visible
from backend.supervision.points import exports, operations, queries
from backend.supervision.points.models import STATE_NAMES, MonthlyPoints, SheetState


class _LineFields(Schema):
    item = fields.String()
    category = fields.String()
    rule_id = fields.Integer(allow_none=True)
    quantity = Decimal(as_string=True)
    points_per_unit = Points()
    monthly_cap = Points(allow_none=True)
    raw_points = Points()
    points = Points()


class MonthlyLineSchema(_LineFields):
    item_name = Text(item_name)


class PointsAdjustmentSchema(Schema):
    id = fields.Integer()
    points = Points()
    reason = fields.String()
    corrects_month = Month(allow_none=True, metadata={"description": "更正的已锁定月份"})
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class MonthlyPointsSummarySchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = Text(lambda sheet: sheet.officer.name)
    month = Month()
    squad_id = fields.Integer(allow_none=True)
    state = fields.Enum(SheetState)
    state_name = Text(lambda sheet: STATE_NAMES[sheet.state])
    base = Points()
    items_total = Points()
    adjustments_total = Points()
    total = Points()


class MonthlyPointsSchema(MonthlyPointsSummarySchema):
    version = fields.Integer()
    reviewed_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    locked_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(MonthlyLineSchema))
    adjustments = fields.List(fields.Nested(PointsAdjustmentSchema))

    @pre_dump
    def _with_lines(self, sheet, **kwargs):
        return _Shown(sheet)


class _Shown:
    """A sheet with its lines (a draft's computed, the others' stored: queries.lines_of)."""

    def __init__(self, sheet: MonthlyPoints):
        self._sheet, self.lines = sheet, queries.lines_of(sheet)

    def __getattr__(self, name):
        return getattr(self._sheet, name)


class MonthlyPointsEtagSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()


class MonthlyPointsFilterSchema(Schema):
    month = Month()
    squad_id = Id()
    officer_id = Id()


class PointsAdjustmentCreateSchema(Schema):
    points = Points(required=True, validate=cents)
    reason = fields.String(
        required=True, validate=validate.Length(min=2, max=200), metadata={"example": "协助处置突发事件"}
    )


class PointsExplainDaySchema(Schema):
    day = fields.Date()
    quantity = Decimal(as_string=True)
    source = fields.String()
    source_ref = fields.String()


class PointsExplainLineSchema(_LineFields):
    name = fields.String()
    unit = fields.String()
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


class PointsSquadMonthSchema(Schema):
    month = Month(required=True, metadata={"example": "2026-11"})


class PointsSheetOutcomeSchema(Schema):
    id = fields.Integer(metadata={"description": "月积分 id"})
    officer_id = fields.Integer()
    officer_name = fields.String()
    state = fields.Enum(SheetState, metadata={"description": "处理后的状态"})
    total = Points()
    outcome = fields.String(metadata={"description": "done 已处理；skipped 未处理（见 error）"})
    error = fields.String(
        allow_none=True, metadata={"description": "未处理的原因：own_sheet、not_draft、not_reviewed、month_locked"}
    )
    message = fields.String(allow_none=True, metadata={"example": "只有草稿状态的月积分可以审核"})


class PointsSquadOutcomeSchema(Schema):
    squad_id = fields.Integer()
    month = Month()
    done = fields.Integer(metadata={"description": "处理的月积分张数"})
    skipped = fields.Integer(metadata={"description": "跳过的张数"})
    sheets = fields.List(fields.Nested(PointsSheetOutcomeSchema))


def _sheet(sheet_id: int) -> MonthlyPoints:
    return get_visible(MonthlyPoints, sheet_id, current_actor(), what="月积分")


def _sheet_to_change(sheet_id: int) -> MonthlyPoints:
    """A sheet the leader may change: in scope, If-Match equal to its ETag (the operation refuses one's own)."""
    sheet = _sheet(sheet_id)
    blp.check_etag(sheet, MonthlyPointsEtagSchema)
    audit_object("monthly_points", sheet.id)
    return sheet


def _changed(sheet: MonthlyPoints) -> MonthlyPoints:
    session.refresh(sheet)
    blp.set_etag(sheet, MonthlyPointsEtagSchema)
    return sheet


@blp.route("/monthly", endpoint="sheets")
class Sheets(MethodView):
    get = listing(blp, queries.sheets, MonthlyPointsFilterSchema, MonthlyPointsSummarySchema,
                  "月积分列表：给定月份时为排名（高分在前），给定人员时为逐月走势")


@blp.route("/monthly/export", endpoint="sheets_export")
@download
class SheetsExport(MethodView):
    get = xlsx_export(blp, SquadMonthQuerySchema, "导出某月积分表（Excel，按总分排名）", exports.ranking_workbook,
                      None, "points-{month:%Y-%m}.xlsx", *SQUAD_MANAGERS)


def _shown(sheet_id: int) -> MonthlyPoints:
    sheet = _sheet(sheet_id)
    blp.set_etag(sheet, MonthlyPointsEtagSchema)
    return sheet


@blp.route("/monthly/<int:sheet_id>", endpoint="sheet")
class SheetById(MethodView):
    get = method(blp, _shown, "月积分详情：基础分、各条目、调整（响应带 ETag，修改时放入 If-Match）",
                 MonthlyPointsSchema, etag=True)


@blp.route("/monthly/<int:sheet_id>/explain", endpoint="sheet_explain")
class SheetExplain(MethodView):
    get = detail(blp, PointsExplainSchema, "我的分数为什么是这么多：逐条目到每一天的日记实与来源记录",
                 lambda _actor, sheet_id: queries.explain(_sheet(sheet_id)))


@transition(blp, "/monthly/<int:sheet_id>/adjustments", "sheet_adjustments", MonthlyPointsSchema, *SQUAD_MANAGERS,
            arguments=PointsAdjustmentCreateSchema, etag=True, status=201, alt_responses=((409, "该月已锁定"),))
def sheet_adjustments(body, sheet_id):
    """领导调整分值（须说明理由；需 If-Match；调整后回到草稿，需重新审核）"""
    return _move(sheet_id, lambda actor, sheet: operations.add_adjustment(actor, sheet, **body))


def _move(sheet_id: int, operation) -> MonthlyPoints:
    """Changes a sheet with `operation` (to its next state, or by an adjustment; If-Match required)."""
    sheet = _sheet_to_change(sheet_id)
    with changing():
        operation(current_actor(), sheet)
    return _changed(sheet)


@transition(blp, "/monthly/<int:sheet_id>/review", "sheet_review", MonthlyPointsSchema, *SQUAD_MANAGERS, etag=True,
            alt_responses=((409, "只有草稿可以审核"),))
def sheet_review(sheet_id):
    """审核月积分（草稿 → 已审核；中队长、区局）"""
    return _move(sheet_id, operations.review)


@transition(blp, "/monthly/<int:sheet_id>/publish", "sheet_publish", MonthlyPointsSchema, *SQUAD_MANAGERS, etag=True,
            alt_responses=((409, "未审核的月积分不能公布"),))
def sheet_publish(sheet_id):
    """公布月积分（已审核 → 已公布，并通过政务微信通知本人）"""
    return _move(sheet_id, operations.publish)


@transition(blp, "/monthly/<int:sheet_id>/lock", "sheet_lock", MonthlyPointsSchema, *DISTRICT_ADMINS, etag=True,
            alt_responses=((409, "未公布的月积分不能锁定"),))
def sheet_lock(sheet_id):
    """锁定月积分（已公布 → 已锁定；区局管理员）；此后的更正计入下一个未锁定月份"""
    return _move(sheet_id, operations.lock)


def _move_all(body, squad_id, operation) -> dict:
    """Moves every eligible sheet of a squad's month with `operation`; says what happened to each."""
    squad = get_visible(Squad, squad_id, current_actor(), what="中队")
    audit_object("squad", squad.id)
    with changing():
        outcomes = operations.for_squad(current_actor(), squad, body["month"], operation)
    sheets = [dict(id=o.sheet.id, officer_id=o.sheet.officer_id, officer_name=o.sheet.officer.name,
                   state=o.sheet.state, total=o.sheet.total, outcome=o.outcome, error=o.code, message=o.message)
              for o in outcomes]
    done = sum(o.outcome == "done" for o in outcomes)
    return dict(squad_id=squad.id, month=body["month"], done=done, skipped=len(outcomes) - done, sheets=sheets)


SQUAD_MISSING = ((404, "中队不存在或不在数据权限内"),)


@transition(blp, "/squads/<int:squad_id>/monthly/review", "squad_review", PointsSquadOutcomeSchema, *SQUAD_MANAGERS,
            arguments=PointsSquadMonthSchema, alt_responses=SQUAD_MISSING)
def squad_review(body, squad_id):
    """一键审核中队某月的全部草稿（本人的与非草稿的跳过，逐张说明）"""
    return _move_all(body, squad_id, operations.review)


@transition(blp, "/squads/<int:squad_id>/monthly/publish", "squad_publish", PointsSquadOutcomeSchema, *SQUAD_MANAGERS,
            arguments=PointsSquadMonthSchema, alt_responses=SQUAD_MISSING)
def squad_publish(body, squad_id):
    """一键公布中队某月全部已审核的月积分并通知本人（本人的与未审核的跳过，逐张说明）"""
    return _move_all(body, squad_id, operations.publish)
