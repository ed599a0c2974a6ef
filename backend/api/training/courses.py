"""Training libraries: teachers, courses, completions, mandatory plans, credit hours."""
from flask import Response, url_for
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from backend.api.audit import audit_object
from backend.api.fields import CityWide, Date, Decimal, File, Id, Int, Pattern, days
from backend.api.links import download
from backend.api.multipart import Blueprint, read_upload
from backend.api.pagination import listing
from backend.api.schemas import DistrictChoiceSchema, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.views import change, creation, detail, method, visible
from backend.db import local_day, session
from backend.errors import Invalid
from backend.org import queries as org_queries
from backend.org.models import Role, Squad
from backend.org.roles import (
    CITY_TRAINING_STAFF,
    CREDIT_PROGRESS_READERS,
    CREDIT_REQUIREMENT_SETTERS,
    TRAINING_AUTHORS,
)
from backend.org.scope import get_visible, settings_district
from backend.training import credits, operations, queries
from backend.training.models import Course, Teacher

blp = Blueprint("training", __name__, url_prefix="/api/training", description="培训：师资、课程、计划与学时")

HOURS = dict(as_string=True, places=1, validate=validate.Range(min=0, max=1000))


class TeacherSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "王教员"})
    title = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"example": "高级讲师"})
    organisation = fields.String(allow_none=True, validate=validate.Length(max=128))
    specialty = fields.String(allow_none=True, validate=validate.Length(max=256), metadata={"example": "行政处罚程序"})
    officer_id = Id(allow_none=True)
    district_id = CityWide("全市教师（各区均可见、可选用）")


class MaterialSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    url = fields.URL(required=True, allow_none=True, schemes={"http", "https"},
                     metadata={"description": "链接资料的地址（上传的文件资料为 null）",
                               "example": "https://learn.example.gov.cn/v/1"})
    file_url = Text(lambda material: url_for("training.course_material_file", course_id=material.course_id,
                                             material_id=material.id) if material.file_key else None,
                    allow_none=True, metadata={
        "description": "上传的文件资料的下载地址（带登录凭证 GET，或先 POST /api/downloads/links 换取下载链接）；"
                       "链接资料为 null", "example": "/api/training/courses/1/materials/2/file"})
    content_type = fields.String(dump_only=True, allow_none=True)

    @validates_schema
    def _a_link_has_its_address(self, data, **_kwargs):
        if "url" in data and data["url"] is None:
            raise ValidationError("链接资料须填写地址。", "url")


class CourseSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=128), metadata={"example": "行政处罚法解读"}
    )
    category = fields.String(required=True, metadata={"description": "学时类别代码", "example": "online"})
    credit_hours = Decimal(required=True, **HOURS, metadata={"example": "2.0"})
    teacher_id = Id(allow_none=True)
    description = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list,
                            metadata={"description": f"每门课程最多 {operations.MAX_MATERIALS} 份资料（示例默认值）"})
    district_id = CityWide("全市课程（各区均可见）")


class MaterialUploadSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    file = File(required=True)


class CourseBriefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    credit_hours = Decimal(as_string=True)


class CourseFilterSchema(Schema):
    category = fields.String()


class CompletionsSchema(Schema):
    officer_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=5000))
    completed_on = Date(required=True, latest=days(0),
                        metadata={"description": "线下培训完成日期：已过去（往年的学时也可补登）"})


class CompletionsResultSchema(Schema):
    recorded = fields.Integer(metadata={"description": "新记录的人数（已记录过的不重复计）"})


class PlanSchema(Schema):
    id = fields.Integer(dump_only=True)
    year = Int(required=True, min=2000, max=2100)
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    role = fields.Enum(Role, allow_none=True, load_default=None, metadata={"description": "为空表示全体人员"})
    course_ids = fields.List(Id(), required=True, load_only=True)
    courses = fields.List(fields.Nested(CourseBriefSchema),
                          dump_only=True)
    district_id = CityWide("全市计划（各区人员均须完成）")


class YearSchema(Schema):
    year = Int(min=2000, max=2100)


class RequirementSchema(Schema):
    category = fields.String(required=True, validate=Pattern(r"^[a-z][a-z0-9_]{0,31}$",
                                                                       error="类别代码应为小写字母、数字或下划线。"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    hours = Decimal(required=True, **HOURS)


class RequirementsSchema(Schema):
    categories = fields.List(fields.Nested(RequirementSchema), required=True, validate=validate.Length(min=1, max=10))


class CategoryProgressSchema(Schema):
    category = fields.String()
    name = fields.String()
    required = Decimal(as_string=True)
    earned = Decimal(as_string=True)
    expected = Decimal(as_string=True, metadata={"description": "按今日应完成的学时"})
    remaining = Decimal(as_string=True)
    behind = fields.Boolean()


class OfficerBriefSchema(Schema):
    id = fields.Integer()
    badge_no = fields.String()
    name = fields.String()
    squad_id = fields.Integer(allow_none=True)


class ProgressSchema(Schema):
    officer = fields.Nested(OfficerBriefSchema)
    year = fields.Integer()
    categories = fields.List(fields.Nested(CategoryProgressSchema))
    behind = fields.Boolean()
    outstanding_courses = fields.List(fields.Nested(CourseBriefSchema))


class ProgressQuerySchema(YearSchema):
    officer_id = Id()


class SquadProgressQuerySchema(YearSchema):
    squad_id = Id()
    behind = fields.Boolean(metadata={"description": "只看落后的人"})


class SquadProgressSchema(Schema):
    officer = fields.Nested(OfficerBriefSchema)
    categories = fields.List(fields.Nested(CategoryProgressSchema))
    behind = fields.Boolean()


@blp.route("/teachers", endpoint="teachers")
class Teachers(MethodView):
    get = listing(blp, queries.teachers, None, TeacherSchema, "师资库列表")
    post = creation(blp, TeacherSchema, TeacherSchema, "添加教师（教员、区局管理员；市局培训管理员添加全市教师）",
                    operations.create_teacher, "training_teacher", *TRAINING_AUTHORS)


class TeacherUpdateSchema(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=64), validate.Regexp(r"\s*\S", error="不能只填空格。")])
    title = fields.String(allow_none=True, validate=validate.Length(max=64))
    organisation = fields.String(allow_none=True, validate=validate.Length(max=128))
    specialty = fields.String(allow_none=True, validate=validate.Length(max=256), metadata={"example": "行政处罚程序"})
    officer_id = Id(allow_none=True, metadata={"description": "教师是本区人员时，其人员 id（null：外聘）"})


@blp.route("/teachers/<int:teacher_id>", endpoint="teacher")
class TeacherById(MethodView):
    get = detail(blp, TeacherSchema, "教师详情", visible(Teacher, "教师"))
    patch = change(blp, TeacherUpdateSchema, TeacherSchema,
                   "修改教师信息（教员、区局管理员；全市教师由市局培训管理员修改）",
                   operations.update_teacher, "training_teacher", *TRAINING_AUTHORS)


@blp.route("/courses", endpoint="courses")
class Courses(MethodView):
    get = listing(blp, queries.courses, CourseFilterSchema, CourseSchema, "课程库列表（本区及全市）")

    post = creation(blp, CourseSchema, CourseSchema,
                    "添加课程及资料链接（教员、区局管理员；市局培训管理员添加全市课程）", operations.create_course,
                    "training_course", *TRAINING_AUTHORS)


class CourseUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=128))
    category = fields.String(metadata={"description": "学时类别代码（已有人员完成后不能改）"})
    credit_hours = Decimal(**HOURS, metadata={"description": "学时（已有人员完成后不能改）"})
    teacher_id = Id(allow_none=True)
    description = fields.String(allow_none=True)


@blp.route("/courses/<int:course_id>", endpoint="course")
class CourseById(MethodView):
    get = detail(blp, CourseSchema, "课程详情", visible(Course, "课程"))
    patch = change(blp, CourseUpdateSchema, CourseSchema, "修改课程（已有人员完成后，学时类别和学时不能改）",
                   operations.update_course, "training_course", *TRAINING_AUTHORS)


@blp.route("/courses/<int:course_id>/materials", endpoint="course_materials")
class CourseMaterials(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.arguments(MaterialUploadSchema, location="form")
    @blp.response(201, MaterialSchema)
    def post(self, form, course_id):
        """上传课程资料文件（课件、讲义、录播视频）"""
        upload = form["file"]
        data = read_upload(upload, operations.MAX_MATERIAL_BYTES)
        audit_object("training_course", course_id)
        return operations.add_material_file(current_actor(), course_id, title=form["title"], data=data,
                                            content_type=upload.mimetype or "application/octet-stream")


@blp.route("/courses/<int:course_id>/materials/<int:material_id>/file", endpoint="course_material_file")
@download
class CourseMaterialFile(MethodView):
    @auth_required(blp)
    @blp.response(200, description="资料文件（下载）", content_type="application/octet-stream")
    def get(self, course_id, material_id):
        """下载课程资料文件"""
        material, data = operations.material_file(current_actor(), course_id, material_id)
        return Response(data, mimetype=material.content_type, headers={
            "Content-Disposition": f"attachment; filename=material-{material.id}",
            "X-Content-Type-Options": "nosniff"})


class CompletionSchema(Schema):
    officer = fields.Nested(OfficerBriefSchema)
    completed_on = fields.Date()
    category = fields.String(metadata={"description": "学时类别代码（课程的）"})
    credit_hours = Decimal(as_string=True, metadata={"description": "计入的学时（课程的）"})


def _completions_call(body, course_id):
    audit_object("training_course", course_id)
    return {"recorded": operations.record_completions(current_actor(), course_id, **body)}


@blp.route("/courses/<int:course_id>/completions", endpoint="course_completions")
class CourseCompletions(MethodView):
    get = listing(blp, queries.course_completions, None, CompletionSchema,
                  "完成该课程的人员、完成日期与计入的学时（按完成日期，新的在前；各人只见其数据范围内的人员）")
    post = method(blp, _completions_call, "登记完成课程的人员（教员本区人员；市局培训管理员登记全市课程）",
                  CompletionsResultSchema, *TRAINING_AUTHORS,
                  arguments=CompletionsSchema, status=201)


@blp.route("/plans", endpoint="plans")
class Plans(MethodView):
    get = method(blp, lambda filters: session.scalars(queries.plans(current_actor(), **filters)).all(),
                 "年度必修计划（本区及全市）",
                 PlanSchema(many=True), arguments=YearSchema, location="query")
    post = creation(blp, PlanSchema, PlanSchema,
                    "制定年度必修计划：某角色（或全体）今年必须完成的课程（市局培训管理员制定全市计划，只含全市课程）",
                    operations.create_plan, "training_plan", *TRAINING_AUTHORS)


def _requirements_district(district_id: int | None) -> int | None:
    """Whose requirements are read: a district's (the city's merged in), or the city's own when the city trainer, who
    sets them, names no district (the city's other staff name one: they read a district's settings)."""
    actor = current_actor()
    if district_id is None and actor.role in CITY_TRAINING_STAFF:
        return None
    return settings_district(actor, district_id)


@blp.route("/credit-requirements/<int(min=2000, max=2100):year>", endpoint="credit_requirements")
class CreditRequirements(MethodView):
    get = method(blp, lambda filters, year: [
        {"category": c.code, "name": c.name, "hours": c.hours}
        for c in credits.requirements(_requirements_district(filters.get("district_id")), year)],
                 "本区某年的学时要求：全市要求与本区要求合并，同一类别取较高学时（均未设置时为默认“60+24”）；"
                 "市局人员指定区局；市局培训管理员不指定区局时为全市要求本身（未设置时为默认“60+24”）",
                 RequirementSchema(many=True),
                 arguments=DistrictChoiceSchema, location="query", alt_responses=((404, "区局不存在或不在管辖范围内"),))
    put = change(blp, RequirementsSchema, RequirementSchema(many=True),
                 "设置本区某年的学时类别与学时数（区局管理员）；市局培训管理员设置全市要求，各区人员均须达到",
                 operations.set_requirements, "training_credit_requirement", *CREDIT_REQUIREMENT_SETTERS)


@blp.route("/credits", endpoint="credits")
class Credits(MethodView):
    @auth_required(blp)
    @blp.arguments(ProgressQuerySchema, location="query")
    @blp.response(200, ProgressSchema)
    def get(self, query):
        """学时进度：本人（或数据权限内某人）各类别已得、应得、差额与未完成的必修课"""
        actor = current_actor()
        officer = org_queries.person(actor, query.get("officer_id", actor.id))
        return credits.officer_progress(officer, query.get("year", local_day().year))


@blp.route("/credits/squad", endpoint="squad_credits")
class SquadCredits(MethodView):
    @auth_required(blp, *CREDIT_PROGRESS_READERS)
    @blp.arguments(SquadProgressQuerySchema, location="query")
    @blp.response(200, SquadProgressSchema(many=True))
    def get(self, query):
        """中队学时进度与落后人员（中队长看本中队，区局可指定中队）"""
        actor = current_actor()
        squad_id = query.get("squad_id", actor.squad_id)
        if squad_id is None:
            raise Invalid("请指定中队", code="squad_required")
        squad = get_visible(Squad, squad_id, actor, what="中队")  # the city's staff and town leaders read others'
        officers = org_queries.officers(actor, squad_id=squad.id, active=True)
        return credits.squad_progress(officers, squad.district_id, query.get("year", local_day().year),
                                      behind_only=query.get("behind", False))
