"""Case timeliness (两超期两随意): import from the case-handling system, flagged cases, the monthly report."""

from flask.views import MethodView
from marshmallow import fields, validate

from backend import periods
from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.fields import Date, File, Id, Pattern, days
from backend.api.multipart import read_upload
from backend.api.pagination import listing
from backend.api.schemas import Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.views import detail, method
from backend.db import local_day
from backend.org.roles import SUPERVISING_STAFF
from backend.supervision.cases import queries
from backend.supervision.cases.importing import (
    MAX_FILE_BYTES,
    MAX_IMPORT_ROWS,
    read_case_file,
)
from backend.supervision.cases.models import FLAG_NAMES, FlagKind
from backend.supervision.cases.operations import import_cases

blp = Blueprint("cases", __name__, url_prefix="/api/cases", description="案件时效监督（两超期两随意）")


# A case's dates are days that have happened: the import names a row with a later one (case_import_invalid).
TODAY = days(0, code="case_import_invalid")


class CaseRowSchema(Schema):
    number = fields.String(required=True, metadata={"description": "案件编号", "example": "沪城管静(2026)第000123号"})
    squad = fields.String(required=True, metadata={"description": "中队名称"})
    officer_badge_no = fields.String(required=True, metadata={"description": "承办人工号"})
    discovered_on = Date(required=True, latest=TODAY, metadata={"description": "发现日期"})
    registered_on = Date(allow_none=True, latest=TODAY, metadata={"description": "立案日期"})
    closed_on = Date(allow_none=True, latest=TODAY, metadata={"description": "结案日期"})
    withdrawn_on = Date(allow_none=True, latest=TODAY, metadata={"description": "撤案日期"})
    withdrawal_reason = fields.String(allow_none=True)
    withdrawal_approved_by = fields.String(allow_none=True, metadata={"description": "撤案审批人"})
    penalty_revoked_on = Date(allow_none=True, latest=TODAY, metadata={"description": "撤销处罚日期"})
    revocation_reason = fields.String(allow_none=True)
    revocation_approved_by = fields.String(allow_none=True, metadata={"description": "撤销处罚审批人"})


class CaseImportSchema(Schema):
    cases = fields.List(fields.Nested(CaseRowSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_IMPORT_ROWS))


class CaseFileSchema(Schema):
    file = File(required=True, metadata={
        "description": ".csv（UTF-8 或 GBK）或 .xlsx；表头见 backend/supervision/cases/importing.py"})


class CaseImportResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    flags = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "新产生的标记，按种类计数"}
    )


class FlagSchema(Schema):
    kind = fields.Enum(FlagKind)
    kind_name = Text(lambda f: FLAG_NAMES[f.kind])
    day = fields.Date()


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    squad_id = fields.Integer()
    squad_name = Text(lambda c: c.squad.name)
    officer_id = fields.Integer()
    officer_name = Text(lambda c: c.officer.name)
    discovered_on = fields.Date()
    registered_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    withdrawn_on = fields.Date(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
    withdrawal_approved_by = fields.String(allow_none=True)
    penalty_revoked_on = fields.Date(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    revocation_approved_by = fields.String(allow_none=True)
    registration_due_on = fields.Date()
    handling_due_on = fields.Date(allow_none=True)
    flags = fields.List(fields.Nested(FlagSchema))


class CaseFilterSchema(Schema):
    flag = fields.Enum(FlagKind, metadata={"description": "只看有此标记的案件"})
    squad_id = Id()
    officer_id = Id()
    open_only = fields.Boolean(load_default=False)


class MonthSchema(Schema):
    month = fields.String(
        validate=Pattern(r"^20\d\d-(0[1-9]|1[0-2])$", error="应为 2000 至 2099 年的年月，如 2026-11。"),
        metadata={"example": "2026-11"},
    )


class SquadMonthSchema(Schema):
    month = fields.String()
    squad_id = fields.Integer()
    name = fields.String()
    registered = fields.Integer(metadata={"description": "本月立案"})
    closed = fields.Integer(metadata={"description": "本月结案"})
    registration_overdue = fields.Integer(metadata={"description": "立案超期"})
    handling_overdue = fields.Integer(metadata={"description": "办案超期"})
    arbitrary_withdrawal = fields.Integer(metadata={"description": "随意撤案"})
    arbitrary_revocation = fields.Integer(metadata={"description": "随意撤销处罚"})


@blp.route("/import", endpoint="import_json")
class CaseImport(MethodView):
    @auth_required(blp, *SUPERVISING_STAFF)
    @blp.arguments(CaseImportSchema)
    @blp.response(200, CaseImportResultSchema)
    @blp.alt_response(422, description="有错误的行逐行列出（errors.rows，键为数组下标），不导入任何案件")
    def post(self, body):
        """从办案系统导入案件（JSON；按案件编号新增或更新）"""
        audit_object("case_import", "json")
        return import_cases(current_actor(), list(enumerate(body["cases"])))


@blp.route("/import-file", endpoint="import_file")
class CaseFileImport(MethodView):
    @auth_required(blp, *SUPERVISING_STAFF)
    @blp.arguments(CaseFileSchema, location="files")
    @blp.response(200, CaseImportResultSchema)
    @blp.alt_response(422, description="有错误的行逐行列出（errors.rows，键为文件行号），不导入任何案件")
    def post(self, files):
        """从办案系统导出的 CSV 或 Excel 文件导入案件"""
        upload = files["file"]
        audit_object("case_import", upload.filename or "file")
        rows = read_case_file(read_upload(upload, MAX_FILE_BYTES), upload.filename or "")
        return import_cases(current_actor(), rows)


@blp.route("", endpoint="cases")
class Cases(MethodView):
    get = listing(
        blp, queries.cases, CaseFilterSchema, CaseSchema, "案件列表（区局看全区，中队长看本中队，队员看自己承办的）"
    )


@blp.route("/<int:case_id>", endpoint="case")
class CaseById(MethodView):
    get = detail(blp, CaseSchema, "案件详情（含两超期两随意标记）",
                 lambda actor, case_id: queries.get_case(case_id, actor))


def _monthly_report(args: dict) -> list:
    month = periods.parse_key("month", args["month"]) if args.get("month") else local_day()
    return queries.monthly_report(current_actor(), month)


@blp.route("/reports/monthly", endpoint="monthly_report")
class MonthlyReport(MethodView):
    get = method(blp, _monthly_report, "两超期两随意月报（按中队；默认本月）", SquadMonthSchema(many=True),
                 arguments=MonthSchema, location="query")
