"""Districts, squads, officers and community offices, within the caller's data scope."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.fields import Float, Id, Pattern
from backend.api.pagination import listing
from backend.api.schemas import Schema, Text
from backend.api.security import current_actor
from backend.api.views import change, creation, detail, method, visible
from backend.db import session
from backend.org import operations, queries
from backend.org.models import ROLE_NAMES, CommunityOffice, Role, Town
from backend.org.roles import ACCOUNT_ADMINS, CITY_ADMINS, DISTRICT_ADMINS, TOWN_MANAGERS

blp = Blueprint("org", __name__, url_prefix="/api/org", description="组织与人员")


class OfficerSchema(Schema):
    id = fields.Integer(dump_only=True)
    badge_no = fields.String(metadata={"description": "工号", "example": "A0001"})
    name = fields.String(metadata={"example": "张伟"})
    phone = fields.String(allow_none=True, metadata={"example": "13800001234"})
    role = fields.Enum(Role, metadata={"description": "角色"})
    role_name = Text(lambda o: ROLE_NAMES[o.role], dump_only=True)
    district_id = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "市局人员为空"})
    squad_id = fields.Integer(allow_none=True)
    squad_name = Text(lambda o: o.squad.name if o.squad else None, allow_none=True, dump_only=True)
    town_id = fields.Integer(allow_none=True, metadata={"description": "街镇领导所属街镇"})
    active = fields.Boolean(dump_only=True)
    wechat_userid = fields.String(allow_none=True, metadata={"description": "政务微信 UserId"})


class OfficerCreateSchema(Schema):
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.Enum(Role, required=True)
    squad_id = Id(allow_none=True, load_default=None)
    town_id = Id(allow_none=True, load_default=None, metadata={"description": "街镇领导所属街镇（本区的）"})
    phone = fields.String(allow_none=True, validate=Pattern(r"^1\d{10}$", error="应为 11 位手机号。"))
    wechat_userid = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=128))


class OfficerUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    role = fields.Enum(Role)
    squad_id = Id(allow_none=True)
    town_id = Id(allow_none=True)
    phone = fields.String(allow_none=True, validate=Pattern(r"^1\d{10}$", error="应为 11 位手机号。"))
    active = fields.Boolean()
    wechat_userid = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=128))


class OfficerFilterSchema(Schema):
    squad_id = Id()
    no_squad = fields.Boolean(load_default=False,
                              metadata={"description": "true：只列不属于任何中队的区局人员（区局机关、街镇领导）"})
    active = fields.Boolean()


class SquadSchema(Schema):
    id = fields.Integer()
    district_id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()
    town_id = fields.Integer(allow_none=True, metadata={"description": "所属街镇"})
    town_name = Text(lambda squad: squad.town.name if squad.town else None, allow_none=True)
    wechat_name = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "政务微信通讯录中的部门名称（未同步为空；与 name 不同即在管理端改过名，同步不改回）"})


class DistrictSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"example": "JA"})
    name = fields.String(metadata={"example": "静安区城管执法局"})


class DistrictCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(max=32),
                         metadata={"description": "区局编码（全市唯一）", "example": "HP"})
    name = fields.String(required=True, validate=validate.Length(max=64),
                         metadata={"description": "区局名称（全市唯一）", "example": "黄浦区城管执法局"})
    wechat_department_id = Id(allow_none=True, load_default=None,
                              metadata={"description": "政务微信通讯录中本区局的部门 ID（同步通讯录用，可不填）"})


class DistrictAdminCreateSchema(Schema):
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={"example": "HP0001"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "陈明"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=128))
    phone = fields.String(allow_none=True, validate=Pattern(r"^1\d{10}$", error="应为 11 位手机号。"))
    wechat_userid = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))


class SquadTownSchema(Schema):
    town_id = Id(required=True, allow_none=True, metadata={"description": "本区的街镇；为空则不属于任何街镇"})


class TownSchema(Schema):
    id = fields.Integer(dump_only=True)
    district_id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={"example": "JA-JAS"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "静安寺街道"})
    squad_ids = fields.Pluck(SquadSchema, "id", many=True, attribute="squads", dump_only=True,
                             metadata={"description": "在本街镇的中队"})


class CommunityOfficeSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"example": "JA-001"})
    name = fields.String(metadata={"example": "静安寺街道城管社区工作室"})
    squad_id = fields.Integer()
    residential_committee = fields.String()
    address = fields.String()
    lat = Float(allow_none=True)
    lng = Float(allow_none=True)
    coord_system = fields.String(metadata={"example": "gcj02"})


class SquadNameSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=1000),
                         metadata={"description": "中队名称（本区内不重名，至多 64 字）", "example": "曹家渡街道中队"})


class SquadFilterSchema(Schema):
    squad_id = Id()


@blp.route("/officers", endpoint="officers")
class Officers(MethodView):
    get = listing(
        blp,
        queries.officers,
        OfficerFilterSchema,
        OfficerSchema,
        "人员列表（按数据权限：队员看自己，中队长看本中队，区局看全区）",
    )

    post = creation(blp, OfficerCreateSchema, OfficerSchema,
                    "添加人员（区局管理员加本区人员、街镇领导；市局管理员加市局人员）", operations.create_officer,
                    "officer", *ACCOUNT_ADMINS, alt_responses=((409, "工号或政务微信账号已被占用"),))


@blp.route("/officers/<int:officer_id>", endpoint="officer")
class OfficerById(MethodView):
    get = detail(blp, OfficerSchema, "人员详情", queries.person)
    patch = change(blp, OfficerUpdateSchema, OfficerSchema,
                   "修改人员：角色、中队、街镇、电话、停用（区局管理员本区的，市局管理员市局的）",
                   operations.update_officer, "officer", *ACCOUNT_ADMINS)


@blp.route("/squads", endpoint="squads")
class Squads(MethodView):
    get = method(blp, lambda: session.scalars(queries.squads(current_actor())).all(), "中队列表（数据权限内）",
                 SquadSchema(many=True))
    post = creation(blp, SquadNameSchema, SquadSchema, "新建中队（区局管理员）", operations.create_squad, "squad",
                    *DISTRICT_ADMINS, alt_responses=((409, "本区已有同名中队"),))


@blp.route("/squads/<int:squad_id>", endpoint="squad")
class SquadById(MethodView):
    patch = change(blp, SquadNameSchema, SquadSchema, "中队改名（区局管理员）", operations.rename_squad, "squad",
                   *DISTRICT_ADMINS, alt_responses=((409, "本区已有同名中队"),))


@blp.route("/districts", endpoint="districts")
class Districts(MethodView):
    get = method(blp, lambda: session.scalars(queries.districts(current_actor())).all(),
                 "区局列表（数据权限内：市局看全市，区局人员看本区）", DistrictSchema(many=True))
    post = creation(blp, DistrictCreateSchema, DistrictSchema, "添加区局（市局管理员；再为其设置首位区局管理员）",
                    operations.create_district, "district", *CITY_ADMINS,
                    alt_responses=((409, "区局编码、名称或政务微信部门已被占用"),))


@blp.route("/districts/<int:district_id>/admins", endpoint="district_admins")
class DistrictAdmins(MethodView):
    post = creation(blp, DistrictAdminCreateSchema, OfficerSchema,
                    "为区局设置首位区局管理员（市局管理员；该区已有在岗管理员时 409，其余人员由区局管理员添加）",
                    operations.create_district_admin, "officer", *CITY_ADMINS,
                    alt_responses=((404, "区局不存在"), (409, "该区已有管理员，或工号、政务微信账号已被占用")))


@blp.route("/squads/<int:squad_id>/town", endpoint="squad_town")
class SquadTown(MethodView):
    put = change(blp, SquadTownSchema, SquadSchema, "中队所属街镇（区局管理员）", operations.attach_squad, "squad",
                 *TOWN_MANAGERS)


@blp.route("/towns", endpoint="towns")
class Towns(MethodView):
    get = listing(blp, queries.towns, None, TownSchema,
                  "街镇列表（数据权限内：区局看本区，街镇领导看本街镇，市局看全市）")
    post = creation(blp, TownSchema, TownSchema, "添加街镇（区局管理员）", operations.create_town, "town",
                    *TOWN_MANAGERS, alt_responses=((409, "街镇编码已被占用"),))


@blp.route("/towns/<int:town_id>", endpoint="town")
class TownById(MethodView):
    get = detail(blp, TownSchema, "街镇详情", visible(Town, "街镇"))


@blp.route("/community-offices", endpoint="community_offices")
class CommunityOffices(MethodView):
    get = listing(
        blp, queries.community_offices, SquadFilterSchema, CommunityOfficeSchema, "城管社区工作室列表（数据权限内）"
    )


@blp.route("/community-offices/<int:office_id>", endpoint="community_office")
class CommunityOfficeById(MethodView):
    get = detail(blp, CommunityOfficeSchema, "城管社区工作室详情", visible(CommunityOffice, "社区工作室"))
