"""The non-site monthly report per squad, as JSON and as an Excel workbook."""

from flask.views import MethodView
from marshmallow import fields

from backend.api.fields import Float, Month
from backend.api.links import download
from backend.api.nonsite.common import blp
from backend.api.schemas import Schema, SquadMonthQuerySchema
from backend.api.views import detail, xlsx_export
from backend.nonsite import reports
from backend.org.roles import NONSITE_REPORT_READERS


class NonsiteMonthlyRowSchema(Schema):
    squad_id = fields.Integer()
    squad = fields.String()
    district_id = fields.Integer(metadata={"description": "中队所属区局（市局人员看全市各区的中队）"})
    month = Month()
    alerts = fields.Integer(metadata={"description": "本月发生的告警事件（同一事件的多条告警计一次）"})
    confirmed = fields.Integer(metadata={"description": "其中已确认"})
    dismissed = fields.Integer(metadata={"description": "其中已排除（误报）"})
    precision = Float(allow_none=True, metadata={"description": "准确率 = confirmed / (confirmed + dismissed)"})
    cases = fields.Integer(metadata={"description": "本月立案（须现场核实的类型：核实属实时立案）"})
    not_registered = fields.Integer(metadata={"description": "本月经批准不予立案的案件"})
    withdrawn = fields.Integer(metadata={"description": "本月经批准撤案的案件"})
    dropped = fields.Integer(metadata={"description": "本月经批准告知后不予处罚的案件"})
    revoked = fields.Integer(metadata={"description": "本月经批准撤销处罚决定的案件"})
    delivered = fields.Integer(metadata={"description": "本月送达的文书（告知书与决定书，任何渠道）"})
    paid = fields.Integer(metadata={"description": "本月缴款的案件"})
    paid_amount = fields.Integer(metadata={"description": "本月缴款金额（元，含加处罚款）"})
    decisions = fields.Integer(metadata={"description": "本月作出的处罚决定"})
    days_alert_to_decision = Float(allow_none=True, metadata={
        "description": "本月作出的决定从告警到决定的平均天数（一位小数）"})


@blp.route("/reports/monthly", endpoint="monthly_report")
class NonsiteMonthlyReport(MethodView):
    get = detail(blp, NonsiteMonthlyRowSchema(many=True),
                 "非现场执法月报：各中队的告警、准确率、立案、送达、缴款、告警至决定天数（仅计数，不含车牌、当事人；"
                 "市局人员看全市、街镇领导看本街镇的中队）", reports.monthly,
                 *NONSITE_REPORT_READERS, filters=SquadMonthQuerySchema)


@blp.route("/reports/monthly/export", endpoint="monthly_report_export")
@download
class NonsiteMonthlyReportExport(MethodView):
    get = xlsx_export(blp, SquadMonthQuerySchema, "导出非现场执法月报（Excel）", reports.monthly,
                      reports.monthly_workbook, "nonsite-report-{month:%Y-%m}.xlsx", *NONSITE_REPORT_READERS)
