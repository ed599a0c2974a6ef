"""The district's data for non-site cases: its working-day calendar and the registry of parties and vehicles."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.fields import Date
from backend.api.nonsite.common import blp
from backend.api.pagination import listing
from backend.api.schemas import DistrictChoiceSchema, Schema, Text, Texts
from backend.api.security import current_actor
from backend.api.views import creation, detail, method
from backend.nonsite import calendar, parties, queries
from backend.nonsite.models import PartyKind
from backend.org.roles import DISTRICT_ADMINS, NONSITE_CASE_READERS


class CalendarDaySchema(Schema):
    day = Date(required=True, metadata={"example": "2026-10-01"})
    working = fields.Boolean(required=True, metadata={
        "description": "false 节假日（不计工作日）/ true 调休上班的周末（计工作日）", "example": False})
    name = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={"example": "国庆节"})


class CalendarSchema(Schema):
    days = fields.List(fields.Nested(CalendarDaySchema), required=True, validate=validate.Length(max=366))


def _load_calendar(body: dict, year: int) -> dict:
    days = [(item["day"], item["working"], item["name"]) for item in body["days"]]
    return {"days": calendar.load(current_actor(), year, days)}


@blp.route("/calendar/<int:year>", endpoint="calendar")
class Calendar(MethodView):
    get = detail(blp, CalendarSchema,
                 "本区工作日历（只列与“周一至周五上班”不同的日子）：陈述申辩、听证期限按此计算工作日",
                 lambda actor, year, district_id=None: {"days": calendar.of_year(actor, year, district_id)},
                 filters=DistrictChoiceSchema, alt_responses=((404, "区局不存在或不在管辖范围内"),))
    put = method(blp, _load_calendar, "登记本区一年的节假日与调休（整年替换）；种子文件未给出日历，演示数据仅为示例",
                 CalendarSchema, *DISTRICT_ADMINS, arguments=CalendarSchema)


class PartyInSchema(Schema):
    kind = fields.Enum(PartyKind, required=True, metadata={"description": "company 单位 / person 个人"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"example": "上海某某渣土运输有限公司"})
    credit_code = fields.String(validate=validate.Length(equal=18), metadata={
        "description": "统一社会信用代码（单位必填）", "example": "91310106MA1FY0XX3K"})
    disposal_permit = fields.String(validate=validate.Length(min=1, max=40),
                                    metadata={"description": "建筑垃圾处置证号", "example": "沪渣处字2026-001"})
    phone = fields.String(load_only=True, validate=validate.Length(max=20),
                          metadata={"description": "联系电话（加密存储）", "example": "13812341234"})
    suishenban_account = fields.Boolean(load_default=True, metadata={"description": "能否经随申办送达"})
    plates = fields.List(fields.String(validate=validate.Length(min=1, max=16)), load_default=list,
                         validate=validate.Length(max=500), metadata={"example": ["沪A12345"]})


class PartySchema(PartyInSchema):
    id = fields.Integer()
    credit_code = fields.String(allow_none=True, metadata={"description": "统一社会信用代码（个人无）"})
    disposal_permit = fields.String(allow_none=True, metadata={"description": "建筑垃圾处置证号（未登记为空）"})
    plates = Texts(lambda p: [vehicle.plate for vehicle in p.vehicles])
    phone = Text(lambda p: parties.phone_for(p, current_actor()), allow_none=True,
                 metadata={"description": "中队长、区局管理员见全号，其他人见掩码"})


class PartyFilterSchema(Schema):
    plate = fields.String(validate=validate.Length(min=1, max=16))


@blp.route("/parties", endpoint="parties")
class Parties(MethodView):
    post = creation(blp, PartyInSchema, PartySchema, "登记当事人（单位或个人）及其车辆：告警中的车牌据此找到当事人",
                    parties.register, "nonsite_party", *DISTRICT_ADMINS,
                    alt_responses=((409, "车牌已登记在其他当事人名下"),))
    get = listing(blp, queries.parties, PartyFilterSchema, PartySchema, "当事人登记表（可按车牌查）",
                  *NONSITE_CASE_READERS)
