"""Inspection plans, 双随机 draws (published with their seed, inputs as a download, verified on request), checklist
results."""
from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.fields import FIRST_DAY, Date, Id, Int, days
from backend.api.inspections.registry import ChecklistTemplateItemSchema
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Count, Record, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import change, creation, detail, visible
from backend.inspections import inspectors, plans, queries, results
from backend.inspections.models import Draw, Grade, InspectionStatus, Plan
from backend.org.roles import DISTRICT_ADMINS
from backend.org.scope import scoped

blp = Blueprint("inspection_plans", __name__, url_prefix="/api/inspections",
                description="检查计划与双随机抽取：计划、回避关系、抽取（可复核）、检查结果")


class InspectionPlanInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128),
                         metadata={"example": "2027 年第一季度沿街商户双随机检查"})
    first_month = Date(required=True, earliest=FIRST_DAY, latest=days(366),
                       metadata={"description": "起始月的 1 日", "example": "2027-01-01"})
    months = Int(required=True, min=1, max=plans.MAX_PLAN_MONTHS,
                            metadata={"example": 3})
    kind_ids = fields.List(Id(), load_default=list, metadata={"description": "对象类型（空为全部）"})
    squad_ids = fields.List(Id(), load_default=list, metadata={"description": "中队（空为全区）"})
    grades = fields.List(fields.Enum(Grade), load_default=list, metadata={"description": "风险等级（空为全部）"})


class InspectionPlanSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    first_month = fields.Date()
    months = fields.Integer()
    kind_ids = fields.List(fields.Integer())
    squad_ids = fields.List(fields.Integer())
    grades = fields.List(fields.String())
    closed_at = fields.DateTime(allow_none=True)
    current_draw_id = Count(lambda p: getattr(plans.current_draw(p), "id", None), allow_none=True)


class DrawInputSchema(Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500),
                           metadata={"description": "重新抽取的理由（首次抽取可不填）", "example": "两名检查人员调离"})


class ChecklistItemSchema(Schema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "占道经营"})
    passed = fields.Boolean(required=True, metadata={"example": True})
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata={"example": ""})


class InspectionPhotoSchema(Schema):
    id = fields.Integer()
    item = fields.String()
    evidence_id = fields.Integer(metadata={"description": "证据编号（照片作为该检查的证据进入检查人员的证据链）"})
    sha256 = fields.String(attribute="evidence.sha256")
    mime = fields.String(attribute="evidence.mime")
    width = fields.Integer(attribute="evidence.width")
    height = fields.Integer(attribute="evidence.height")
    created_at = fields.DateTime()


class InspectionSchema(Schema):
    id = fields.Integer()
    draw_id = fields.Integer()
    object_id = fields.Integer()
    object_name = Text(lambda i: i.object.name)
    object_address = Text(lambda i: i.object.address)
    kind_name = Text(lambda i: i.object.kind.name)
    standard = fields.List(fields.Nested(ChecklistTemplateItemSchema), attribute="object.kind.checklist", metadata={
        "description": "该类对象的标准化检查表单（逐项填写的依据；为空则不限检查项）"})
    inspector_ids = fields.List(fields.Integer())
    status = fields.Enum(InspectionStatus)
    passed = fields.Boolean(allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema), allow_none=True)
    done_by_id = fields.Integer(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    due_on = fields.Date(metadata={"description": "最迟完成日（计划期内均匀分布；复查为整改期限）"})
    photos = fields.List(fields.Nested(InspectionPhotoSchema))
    rectify_by = fields.Date(allow_none=True, metadata={"description": "整改期限（不合格时）"})
    rectification = Text(lambda i: results.rectification(i), allow_none=True, metadata={
        "description": "pending 整改中 / overdue 逾期未复查 / rectified 复查合格 / not_rectified 复查仍不合格"})
    reinspection_of_id = fields.Integer(allow_none=True, metadata={"description": "复查的是哪次检查"})
    reinspection_id = Count(lambda i: getattr(i.reinspection, "id", None), allow_none=True,
                            metadata={"description": "为其安排的复查任务"})


class DrawSchema(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    seed = fields.String(
        metadata={"description": "随机种子：与输入文件（inputs_url）一起可按 backend/inspections/plans.py 所述算法复核"}
    )
    inputs_sha256 = Text(lambda d: plans.digest_of(d), metadata={
        "description": "输入文件（规范 JSON：键排序、无空格、UTF-8）的 SHA-256"})
    tally = Record(lambda d: plans.tally_of(d), metadata={
        "description": "输入与结果的数量：各风险等级的候选对象、名录库人员、回避关系、既往检查次数、抽中的检查任务"})
    inputs_url = Text(lambda d: url_for("inspection_plans.draw_inputs", draw_id=d.id), metadata={
        "description": "抽取所依据的全部输入（下载）"})
    reason = fields.String(allow_none=True)
    superseded_at = fields.DateTime(allow_none=True)
    drawn_by_id = fields.Integer()
    drawn_at = fields.DateTime()
    inspection_counts = Record(lambda d: plans.inspection_counts(d, current_actor()), metadata={
        "description": "该次抽取中您可见的检查任务数（含复查；与 inspections_url 列表的范围相同，中队长为本中队的）："
                       "total 合计，due 待检查 / done 已完成 / cancelled 已作废"})
    inspections_url = Text(lambda d: url_for("inspection_plans.inspections", draw_id=d.id), metadata={
        "description": "该次抽取的检查任务（分页列表；一个季度可达十万条，故不在此列出）"})


class DrawVerificationSchema(Schema):
    draw_id = fields.Integer()
    inputs_sha256 = fields.String(metadata={"description": "抽取时记录的输入 SHA-256"})
    inputs_sha256_now = fields.String(metadata={"description": "现存输入的 SHA-256"})
    inputs_intact = fields.Boolean(metadata={"description": "输入未被改动（两者一致）"})
    reproduced = fields.Boolean(metadata={"description": "按种子与输入重新运行，得到的检查任务与记录一致"})


class ExclusionInputSchema(Schema):
    officer_id = Id(required=True, metadata={"example": 12})
    object_id = Id(required=True, metadata={"example": 34})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "近亲属经营"})


class ExclusionSchema(ExclusionInputSchema):
    id = fields.Integer()


class InspectionFilterSchema(Schema):
    draw_id = Id()
    mine = fields.Boolean(load_default=False, metadata={"description": "只看本人被抽中的检查任务（含其他中队的对象）"})


class InspectorInputSchema(Schema):
    officer_id = Id(required=True, metadata={"example": 12})
    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=32),
                                   metadata={"description": "执法证号", "example": "31010620001"})
    valid_from = Date(required=True, metadata={"example": "2026-01-01"})
    valid_until = Date(required=True, metadata={"example": "2028-12-31"})


class InspectorSchema(InspectorInputSchema):
    id = fields.Integer()
    officer_name = Text(lambda e: e.officer.name)


@blp.route("/plans", endpoint="plans")
class Plans(MethodView):
    get = listing(blp, lambda actor: scoped(Plan, actor).order_by(Plan.id.desc()), None, InspectionPlanSchema,
                  "检查计划列表（本区）")
    post = creation(blp, InspectionPlanInputSchema, InspectionPlanSchema,
                    "制定检查计划（范围：对象类型、中队、风险等级；期限：自某月起若干月）", plans.create_plan,
                    "inspection_plan", *DISTRICT_ADMINS)


@blp.route("/plans/<int:plan_id>/draws", endpoint="plan_draws")
class PlanDraws(MethodView):
    post = change(blp, DrawInputSchema, DrawSchema, "双随机抽取检查对象与检查人员（重新抽取须写明理由，原抽取保留）",
                  plans.draw, "inspection_plan", *DISTRICT_ADMINS, status=201,
                  alt_responses=((409, "计划已关闭，或已有检查完成"),))


@transition(blp, "/plans/<int:plan_id>/close", "plan_close", InspectionPlanSchema, *DISTRICT_ADMINS,
            alt_responses=((409, "计划已关闭"),), audit="inspection_plan")
def close_plan(plan_id):
    """关闭检查计划（此后不再记录检查结果、不再抽取）"""
    return plans.close_plan(current_actor(), plan_id)


@blp.route("/draws/<int:draw_id>", endpoint="draw")
class DrawView(MethodView):
    get = detail(blp, DrawSchema,
                 "抽取结果：种子、输入的 SHA-256 与数量、抽中的检查任务（输入文件另行下载，复核另行请求）",
                 visible(Draw, "抽取记录"))


@blp.route("/draws/<int:draw_id>/inputs", endpoint="draw_inputs")
@download
class DrawInputs(MethodView):
    @auth_required(blp)
    @blp.response(200, description="抽取所依据的全部输入（规范 JSON，其 SHA-256 即 inputs_sha256）")
    def get(self, draw_id):
        """下载抽取的输入文件（对象按风险等级、名录库人员、回避关系、既往检查次数、检查频次）"""
        item = visible(Draw, "抽取记录")(current_actor(), draw_id)
        response = Response(plans.canonical(item.inputs), mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="draw-{item.id}-inputs.json"'
        return response


@blp.route("/draws/<int:draw_id>/verification", endpoint="draw_verification")
class DrawVerification(MethodView):
    @auth_required(blp)
    @blp.response(200, DrawVerificationSchema)
    def post(self, draw_id):
        """复核抽取：输入是否未被改动，按种子与输入重新运行是否得到记录的检查任务"""
        return plans.verify(current_actor(), draw_id)


@blp.route("/exclusions", endpoint="exclusions")
class Exclusions(MethodView):
    post = creation(blp, ExclusionInputSchema, ExclusionSchema, "登记回避关系（该人员不会被抽中检查该对象）",
                    plans.add_exclusion, None, *DISTRICT_ADMINS, alt_responses=((409, "已登记"),))


@blp.route("/inspectors", endpoint="inspectors")
class Inspectors(MethodView):
    get = detail(blp, InspectorSchema(many=True), "执法检查人员名录库（本区）：可被抽取的人员、执法证号与有效期",
                 inspectors.inspectors)
    post = creation(blp, InspectorInputSchema, InspectorSchema,
                    "列入执法检查人员名录库（抽取时只抽有效期覆盖整个计划期的人员）", inspectors.add_inspector, None,
                    *DISTRICT_ADMINS, alt_responses=((409, "已在名录库中"),))


@blp.route("/inspections", endpoint="inspections")
class Inspections(MethodView):
    get = listing(blp, queries.inspections, InspectionFilterSchema, InspectionSchema,
                  "检查任务列表（区局看全区，中队看本中队对象的，另加本人被抽中的；mine=true 只看本人被抽中的）")
