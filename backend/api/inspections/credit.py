"""Credit standing of regulated objects: credit penalties (信用惩戒) and credit repair (信用修复) with its approval."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.fields import Date
from backend.api.schemas import Schema
from backend.api.security import current_actor
from backend.api.transitions import transition
from backend.api.views import change, detail
from backend.inspections import credit
from backend.inspections.models import Grade, RepairStatus
from backend.org.roles import CREDIT_REPAIR_APPROVERS, SQUAD_MANAGERS

blp = Blueprint("inspection_credit", __name__, url_prefix="/api/inspections",
                description="信用监管：信用惩戒与信用修复（申请、审批；均记入风险等级变更记录）")
REASON = validate.Length(min=1, max=500)


class CreditPenaltyInputSchema(Schema):
    reason = fields.String(required=True, validate=REASON, metadata={"example": "拒不履行行政处罚决定，列入失信名单"})
    decided_on = Date(required=True, metadata={"description": "惩戒决定日期（不晚于今天）", "example": "2026-11-20"})


class CreditRepairSchema(Schema):
    id = fields.Integer()
    penalty_id = fields.Integer()
    reason = fields.String()
    status = fields.Enum(RepairStatus, metadata={"description": "pending 待审批 / approved 已修复 / rejected 不予修复"})
    applied_by_id = fields.Integer()
    applied_at = fields.DateTime()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class CreditPenaltySchema(Schema):
    id = fields.Integer()
    object_id = fields.Integer()
    reason = fields.String()
    decided_on = fields.Date()
    raised_to = fields.Enum(Grade, allow_none=True,
                            metadata={"description": "因此提高到的风险等级（原已为高风险则为 null）"})
    recorded_by_id = fields.Integer()
    recorded_at = fields.DateTime()
    repaired_at = fields.DateTime(allow_none=True)
    repairs = fields.List(fields.Nested(CreditRepairSchema))


class CreditRepairInputSchema(Schema):
    reason = fields.String(required=True, validate=REASON, metadata={"example": "已缴清罚款并完成整改，提交承诺书"})


class CreditRepairDecisionSchema(Schema):
    approve = fields.Boolean(required=True, metadata={"example": True})
    note = fields.String(load_default="", validate=validate.Length(max=500),
                         metadata={"description": "审批意见（不予修复时必填）", "example": "材料齐全，同意修复"})


@blp.route("/objects/<int:object_id>/credit-penalties", endpoint="object_credit_penalties")
class ObjectCreditPenalties(MethodView):
    get = detail(blp, CreditPenaltySchema(many=True), "检查对象的信用惩戒及其修复申请", credit.penalties)
    post = change(blp, CreditPenaltyInputSchema, CreditPenaltySchema,
                  "登记信用惩戒（风险等级提高一级，记入等级变更记录）", credit.record_penalty, "inspection_object",
                  *SQUAD_MANAGERS, status=201)


@blp.route("/credit-penalties/<int:penalty_id>/repairs", endpoint="credit_penalty_repairs")
class CreditPenaltyRepairs(MethodView):
    post = change(blp, CreditRepairInputSchema, CreditRepairSchema, "提交信用修复申请（由审批人另行审批）",
                  credit.apply_for_repair, "inspection_credit_penalty", *SQUAD_MANAGERS, status=201,
                  alt_responses=((409, "已修复，或已有待审批的申请"),))


@transition(blp, "/credit-repairs/<int:repair_id>/decision", "credit_repair_decision", CreditRepairSchema,
            *CREDIT_REPAIR_APPROVERS, arguments=CreditRepairDecisionSchema,
            alt_responses=((403, "申请人不能审批自己的申请"), (409, "已审批")), audit="inspection_credit_repair")
def decide(body, repair_id):
    """审批信用修复申请（同意则风险等级降回一级，记入等级变更记录；申请人本人不能审批）"""
    return credit.decide_repair(current_actor(), repair_id, **body)
