"""The registry of regulated objects (执法检查对象名录库): kinds, objects, import from CSV or Excel; risk grades,
their history and how often each grade is inspected."""
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.duty.views import PointSchema
from backend.api.fields import FIRST_DAY, CoordSystem, Date, Float, Id, Int, Pattern, days
from backend.api.multipart import Blueprint
from backend.api.pagination import listing
from backend.api.schemas import Count, DistrictChoiceSchema, Record, Rows, Schema, Text
from backend.api.security import current_actor
from backend.api.views import change, creation, detail, method, visible
from backend.db import local_day
from backend.errors import Invalid
from backend.inspections import boundary, grades, queries, registry, scoring
from backend.inspections.models import GRADE_NAMES, Grade, RegulatedObject
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS
from backend.org.scope import settings_district

blp = Blueprint("inspection_objects", __name__, url_prefix="/api/inspections",
                description="执法检查对象名录库：对象类型、检查对象、批量导入、风险等级与检查频次")
GRADE = fields.Enum(Grade, required=True, metadata={"description": "high 高风险 / medium 中风险 / low 低风险"})

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ChecklistTemplateItemSchema(Schema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "跨门营业"})
    basis = fields.String(load_default="", validate=validate.Length(max=500),
                          metadata={"description": "法律依据", "example": "《上海市市容环境卫生管理条例》第二十二条"})
    judge = fields.String(load_default="", validate=validate.Length(max=500),
                          metadata={"description": "判定方法", "example": "商品、设施超出门窗外墙即为不合格"})
    opens_case = fields.Boolean(load_default=False, metadata={"description": "该项不合格即立案"})


class ObjectKindSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=Pattern(r"^[a-z][a-z0-9_]{0,31}$"),
                         metadata={"example": "street_shop"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "沿街商户"})
    checklist = fields.List(fields.Nested(ChecklistTemplateItemSchema), load_default=list,
                            validate=validate.Length(max=100), metadata={"description": "标准化检查表单（可为空）"})


class ObjectInputSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "对象类型的代码或名称", "example": "street_shop"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata={"example": "老王面馆"})
    credit_code = fields.String(required=True, metadata={"description": "统一社会信用代码（18 位，含校验位）",
                                                         "example": "91330100716105852F"})
    licence_numbers = fields.List(fields.String(), load_default=list, metadata={"description": "许可证号"})
    address = fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "南京西路 1 号"})
    lat = Float(allow_none=True, load_default=None)
    lng = Float(allow_none=True, load_default=None)
    coord_system = CoordSystem()
    contact_name = fields.String(allow_none=True, load_default=None, metadata={"example": "王建国"})
    contact_phone = fields.String(allow_none=True, load_default=None, metadata={
        "description": "手机号或带区号的固定电话", "example": "13812345678"})
    squad_id = Id(required=True, metadata={"description": "责任中队"})
    grid_cell = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=32),
                              metadata={"description": "责任网格编号", "example": "JA-03-12"})


class ObjectSchema(Schema):
    id = fields.Integer()
    kind_id = fields.Integer()
    kind_name = Text(lambda o: o.kind.name)
    name = fields.String()
    credit_code = fields.String()
    licence_numbers = fields.List(fields.String())
    address = fields.String()
    lat = Float(allow_none=True)
    lng = Float(allow_none=True)
    contact_masked = fields.String(
        allow_none=True, metadata={"description": "联系人（脱敏）", "example": "王** 138****1234"}
    )
    contact = Record(lambda o: registry.contact_of(o, current_actor()), allow_none=True, metadata={
        "description": "联系人姓名与电话全文（name, phone），仅中队人员和区局管理员可见，否则为 null"})
    squad_id = fields.Integer()
    squad_name = Text(lambda o: o.squad.name)
    grid_cell = fields.String(allow_none=True)
    grade = fields.Enum(Grade)
    grade_name = Text(lambda o: GRADE_NAMES[o.grade])
    outside_boundary = fields.Boolean(metadata={
        "description": "true：设定区界时其坐标在区界外（请核对坐标或管辖；移入区界内后自动取消）"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GradeChangeInputSchema(Schema):
    grade = GRADE
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"example": "近三个月两次被投诉跨门营业，检查发现未整改"})


class GradeChangeSchema(Schema):
    id = fields.Integer()
    object_id = fields.Integer()
    grade_from = fields.Enum(Grade, allow_none=True)
    grade_to = fields.Enum(Grade)
    grade_to_name = Text(lambda c: GRADE_NAMES[c.grade_to])
    reason = fields.String()
    changed_by_id = fields.Integer()
    changed_at = fields.DateTime()


class IntervalSchema(Schema):
    grade = fields.Enum(Grade)
    grade_name = fields.String()
    interval_months = fields.Integer(metadata={"description": "每隔几个月检查一次"})
    source = fields.String(
        metadata={"description": "example_default 示例默认值（由区局确认或修改） / district 区局设定"}
    )
    effective_from = fields.Date(allow_none=True)


class GradeRuleInputSchema(Schema):
    grade = GRADE
    interval_months = Int(required=True, min=1, max=60, metadata={"example": 3})
    effective_from = Date(required=True, earliest=FIRST_DAY, latest=days(366),
                          metadata={"description": "规则生效日，不早于本系统保存记录的第一天", "example": "2027-01-01"})


def _term(low: int, high: int, example: int, description: str):
    return Int(required=True, min=low, max=high,
                          metadata={"description": description, "example": example})


class ScoringTermsSchema(Schema):
    failed_inspection = _term(-100, 100, 3, "每次检查不合格的分值")
    clean_inspection = _term(-100, 100, -2, "每次检查合格的分值（负数为降低风险）")
    case = _term(-100, 100, 3, "每起非现场执法立案（告警所指商户为该对象）的分值")
    complaint = _term(-100, 100, 1, "每件对象附近的市民投诉的分值")
    work_order = _term(-100, 100, 1, "每件对象附近的工单的分值")
    raise_at = _term(-1000, 1000, 3, "计分达到此值升一级")
    lower_at = _term(-1000, 1000, -2, "计分不高于此值降一级")
    window_days = _term(1, 3660, 365, "统计最近多少天（且自上次等级变更起）")
    quiet_days = _term(1, 3660, 365, "连续多少天无违法违规记录降一级")
    radius_m = _term(1, 1000, 30, "投诉、工单在对象多少米内算作关于该对象")


class ScoringInputSchema(Schema):
    terms = fields.Nested(ScoringTermsSchema, required=True)
    effective_from = Date(required=True, earliest=FIRST_DAY, latest=days(366),
                          metadata={"description": "规则生效日，不早于本系统保存记录的第一天", "example": "2027-01-01"})


class ScoringSchema(Schema):
    terms = fields.Nested(ScoringTermsSchema)
    source = fields.String(
        metadata={"description": "example_default 示例默认值（由区局确认或修改） / district 区局设定"}
    )
    effective_from = fields.Date(allow_none=True)


class GradeRuleFilterSchema(DistrictChoiceSchema):
    on = Date(metadata={"description": "哪一天的规则（默认今天）"})


class ObjectFilterSchema(Schema):
    kind_id = Id()
    squad_id = Id()
    q = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "名称、地址或信用代码中包含"})
    outside_boundary = fields.Boolean(metadata={"description": "true：只列区界外的对象；false：只列区界内或无坐标的"})


class ObjectImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV（UTF-8 或 GBK）或 Excel（.xlsx）文件，格式见 README"})


class ObjectImportRowSchema(Schema):
    row = fields.Integer()
    credit_code = fields.String()
    action = fields.String(metadata={"description": "created 新增 / updated 按信用代码更新"})


class ObjectImportResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    rows = fields.List(fields.Nested(ObjectImportRowSchema))


@blp.route("/kinds", endpoint="kinds")
class Kinds(MethodView):
    get = detail(blp, ObjectKindSchema(many=True), "检查对象类型（本区；市局人员指定区局）", registry.kinds,
                 filters=DistrictChoiceSchema, alt_responses=((404, "区局不存在或不在管辖范围内"),))
    post = creation(blp, ObjectKindSchema, ObjectKindSchema, "新增检查对象类型（区局管理员）", registry.create_kind,
                    "inspection_object_kind", *DISTRICT_ADMINS, alt_responses=((409, "类型代码已存在"),))


@blp.route("/objects", endpoint="objects")
class Objects(MethodView):
    get = listing(blp, queries.objects, ObjectFilterSchema, ObjectSchema,
                  "检查对象列表（区局人员看全区，中队看本中队）")
    post = creation(blp, ObjectInputSchema, ObjectSchema, "登记检查对象", registry.create_object, "inspection_object",
                    *SQUAD_MANAGERS, alt_responses=((409, "统一社会信用代码已登记"),))


@blp.route("/objects/<int:object_id>", endpoint="object")
class Object(MethodView):
    get = detail(blp, ObjectSchema, "检查对象详情", visible(RegulatedObject, "检查对象"))
    put = change(blp, ObjectInputSchema, ObjectSchema, "修改检查对象", registry.update_object, "inspection_object",
                 *SQUAD_MANAGERS)
    delete = change(blp, None, None, "删除检查对象（已被抽取检查或有非现场执法案件的不能删除）", registry.delete_object,
                    "inspection_object", *SQUAD_MANAGERS, status=204,
                    alt_responses=((409, "已有检查记录或非现场执法案件"),))


def _import_file(file) -> bytes:
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise Invalid("导入文件不能超过 20 MB", code="file_too_large")
    return data


@blp.route("/objects/import", endpoint="objects_import")
class ObjectsImport(MethodView):
    post = method(blp, lambda files: registry.import_objects(current_actor(), _import_file(files["file"])),
                  "从 CSV 或 Excel 导入检查对象（逐行报告错误，全部无误才导入；按统一社会信用代码去重更新）",
                  ObjectImportResultSchema, *SQUAD_MANAGERS, arguments=ObjectImportFileSchema, location="files",
                  status=201)


@blp.route("/objects/<int:object_id>/grades", endpoint="object_grades")
class ObjectGrades(MethodView):
    get = detail(blp, GradeChangeSchema(many=True), "风险等级变更记录（含每次变更的理由）", grades.history)
    post = change(blp, GradeChangeInputSchema, GradeChangeSchema, "调整风险等级（须写明理由）", grades.change_grade,
                  "inspection_object", *SQUAD_MANAGERS, status=201, alt_responses=((409, "等级未变"),))


@blp.route("/grade-scoring", endpoint="grade_scoring")
class GradeScoring(MethodView):
    get = detail(blp, ScoringSchema, "风险等级升降规则：各类事件的分值、升降分数线"
                 "（source=example_default 为示例默认值，由区局确认或修改）",
                 lambda actor, on=None, district_id=None: scoring.scoring(settings_district(actor, district_id),
                                                                          on or local_day()),
                 filters=GradeRuleFilterSchema, alt_responses=((404, "区局不存在或不在管辖范围内"),))
    post = creation(blp, ScoringInputSchema, ScoringSchema,
                    "设定风险等级升降规则（新版本，自生效日起适用；已生效的版本不改）", scoring.add_scoring,
                    None, *DISTRICT_ADMINS, alt_responses=((409, "该日已有版本"),))


@blp.route("/grade-rules", endpoint="grade_rules")
class GradeRules(MethodView):
    get = detail(blp, IntervalSchema(many=True),
                 "各风险等级的检查频次（source=example_default 为示例默认值，由区局确认或修改）",
                 lambda actor, on=None, district_id=None: list(grades.intervals(
                     settings_district(actor, district_id), on or local_day()).values()),
                 filters=GradeRuleFilterSchema, alt_responses=((404, "区局不存在或不在管辖范围内"),))
    post = creation(blp, GradeRuleInputSchema, IntervalSchema,
                    "设定某风险等级的检查频次（新版本，自生效日起适用；已生效的版本不改）", grades.add_rule, None,
                    *DISTRICT_ADMINS, alt_responses=((409, "该等级在该日已有版本"),))


class BoundaryInputSchema(Schema):
    points = fields.List(fields.Nested(PointSchema), required=True,
                         validate=validate.Length(max=boundary.MAX_BOUNDARY_POINTS),
                         metadata={"description": "区界顶点，按顺序（至少 3 个不同的点，边不交叉）"})
    coord_system = CoordSystem(metadata={"description": "输入坐标系；存储时统一为 gcj02"})
    note = fields.String(load_default="", validate=validate.Length(max=200),
                         metadata={"description": "来源说明", "example": "区规划资源局提供的行政区界（2026 年版）"})


class BoundarySchema(Schema):
    points = Rows(lambda b: [{"lat": lat, "lng": lng} for lat, lng in b.points],
                  metadata={"description": "区界顶点（gcj02），按顺序"})
    note = fields.String()
    example = fields.Boolean(metadata={"description": "true：示例边界（演示数据），不是本区真实的行政区界"})
    created_by_id = fields.Integer(metadata={"description": "设定人"})
    created_at = fields.DateTime(metadata={"description": "设定时间"})
    objects_outside = Count(lambda b: boundary.objects_outside(current_actor(), b.district_id), metadata={
        "description": "坐标在区界外的检查对象数（您可见的范围内；列表用 outside_boundary=true 筛选）"})


def _set_boundary(body):
    found = boundary.set_boundary(current_actor(), **body)
    audit_object("inspection_district_boundary", found.id)
    return found


def _remove_boundary():
    audit_object("inspection_district_boundary", boundary.remove_boundary(current_actor()))


@blp.route("/boundary", endpoint="boundary")
class Boundary(MethodView):
    get = detail(blp, BoundarySchema, "本区区界（检查对象的坐标须在区界内；未设定时只核对是否在上海市范围内）",
                 boundary.district_boundary, filters=DistrictChoiceSchema,
                 alt_responses=((404, "尚未设定区界，或区局不存在"),))
    put = method(blp, _set_boundary, "设定本区区界（替换原有的；此后登记、修改、导入检查对象时坐标须在区界内；"
                 "已在区界外的对象标记 outside_boundary，数量见 objects_outside）",
                 BoundarySchema, *DISTRICT_ADMINS, arguments=BoundaryInputSchema)
    delete = method(blp, _remove_boundary, "删除本区区界（此后只核对是否在上海市范围内；清除对象的区界外标记）", None,
                    *DISTRICT_ADMINS, status=204, alt_responses=((404, "尚未设定区界"),))
