"""Duty: posts and their geofences, the roster, my duty today, a shift's patrol track, the archived months of
patrol positions."""

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.fields import CoordSystem, Date, Float, Id, Int, Latitude, Longitude, Month, days
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Record, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.views import change, creation, detail, method, visible
from backend.db import local_day
from backend.duty import operations, partitions, queries, today
from backend.duty.models import DUTY_TYPE_NAMES, DutyType, Post, Shift
from backend.org.roles import CITY_ADMINS, SQUAD_MANAGERS
from backend.org.scope import get_visible, scoped

blp = Blueprint("duty", __name__, url_prefix="/api/duty", description="勤务：点位、排班、今日勤务、巡查轨迹")



class PointSchema(Schema):
    lat = Latitude(required=True)
    lng = Longitude(required=True)


class FenceSchema(Schema):
    shape = fields.String(required=True, validate=validate.OneOf(["circle", "polygon"]))
    coord_system = CoordSystem(metadata={"description": "输入坐标系；存储时统一为 gcj02"})
    center = fields.Nested(PointSchema, metadata={"description": "圆心（圆形围栏）"})
    radius_m = Int(metadata={"description": "半径，米（圆形围栏）", "example": 200})
    points = fields.List(fields.Nested(PointSchema), validate=validate.Length(max=500),
                         metadata={"description": "顶点，按顺序（多边形围栏）"})


def _fence_of(post: Post) -> dict:
    fence = {"shape": post.shape, "coord_system": post.coord_system}
    if post.shape == "circle":
        fence.update(center={"lat": post.center_lat, "lng": post.center_lng}, radius_m=post.radius_m)
    else:
        fence["points"] = [{"lat": lat, "lng": lng} for lat, lng in post.polygon]
    return fence


class PostSchema(Schema):
    id = fields.Integer()
    squad_id = fields.Integer()
    name = fields.String(metadata={"example": "南京西路步行街"})
    fence = Record(_fence_of)
    selfie_required = fields.Boolean()
    active = fields.Boolean()


class PostCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    squad_id = Id(metadata={"description": "中队；中队长可省略（本中队）"})
    fence = fields.Nested(FenceSchema, required=True)
    selfie_required = fields.Boolean(load_default=False)


class PostUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    fence = fields.Nested(FenceSchema)
    selfie_required = fields.Boolean()
    active = fields.Boolean()


class PostFilterSchema(Schema):
    squad_id = Id()
    active = fields.Boolean()


# A roster is planned up to half a year ahead and corrected up to a quarter back.
SHIFT_EARLIEST, SHIFT_LATEST = days(-92), days(183)


class ShiftLineSchema(Schema):
    officer_id = Id(required=True)
    day = Date(required=True, earliest=SHIFT_EARLIEST, latest=SHIFT_LATEST, metadata={"description": "排班日"})
    start = fields.Time(required=True, metadata={"example": "08:00"})
    end = fields.Time(required=True, metadata={"example": "17:00"})
    ends_next_day = fields.Boolean(load_default=False, metadata={"description": "跨零点：结束时间在次日"})
    duty_type = fields.Enum(DutyType, required=True, metadata={"description": "patrol 监察 / fixed_post 固守 / "
                                                                              "office 值班 / standby 备勤"})
    post_id = Id(allow_none=True, load_default=None)


class RosterSchema(Schema):
    shifts = fields.List(fields.Nested(ShiftLineSchema), required=True, validate=validate.Length(min=1, max=1000))


class CopyWeekSchema(Schema):
    week_start = Date(required=True, earliest=SHIFT_EARLIEST, latest=SHIFT_LATEST,
                      metadata={"description": "要排班的那一周的周一；复制它前一周的排班"})
    squad_id = Id(metadata={"description": "中队；中队长可省略"})


class ShiftUpdateSchema(Schema):
    officer_id = Id(metadata={"description": "换给本中队的另一名在岗人员"})
    day = Date(earliest=SHIFT_EARLIEST, latest=SHIFT_LATEST, metadata={"description": "排班日"})
    start = fields.Time()
    end = fields.Time()
    ends_next_day = fields.Boolean()
    duty_type = fields.Enum(DutyType)
    post_id = Id(allow_none=True)


class ShiftSchema(Schema):
    id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = Text(lambda s: s.officer.name)
    squad_id = fields.Integer()
    day = fields.Date()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    scheduled_minutes = fields.Integer()
    duty_type = fields.Enum(DutyType)
    duty_type_name = Text(lambda s: DUTY_TYPE_NAMES[s.duty_type])
    post_id = fields.Integer(allow_none=True)
    post_name = Text(lambda s: s.post.name if s.post is not None else None, allow_none=True)
    attended_minutes = fields.Integer()
    absent = fields.Boolean()
    missing_check_out = fields.Boolean()
    closed_at = fields.AwareDateTime(allow_none=True)


class ShiftFilterSchema(Schema):
    day_from = Date()
    day_to = Date()
    officer_id = Id()
    squad_id = Id()


class BriefCheckSchema(Schema):
    id = fields.Integer()
    client_at = fields.AwareDateTime()
    timing = fields.String(attribute="timing.value")
    minutes_off = fields.Integer()
    out_of_area = fields.Boolean()
    approval = Text(lambda c: c.approval.value if c.approval else None, allow_none=True)


class MyDutySchema(Schema):
    shift = fields.Nested(ShiftSchema)
    check_in = fields.Nested(BriefCheckSchema, allow_none=True)
    check_out = fields.Nested(BriefCheckSchema, allow_none=True)
    owed = fields.List(fields.String(), metadata={"description": "还需完成：check_in 签到 / check_out 签退"})


class DayQuerySchema(Schema):
    day = Date()


class TrackPointSchema(Schema):
    lat = Float(metadata={"description": "纬度（GCJ-02）"})
    lng = Float(metadata={"description": "经度（GCJ-02）"})
    recorded_at = fields.AwareDateTime()
    inside = fields.Boolean(allow_none=True, metadata={"description": "是否在点位围栏内（无点位的班次为空）"})


class TrackSchema(Schema):
    shift_id = fields.Integer()
    positions = fields.Integer(metadata={"description": "位置点数"})
    track_metres = fields.Integer(metadata={"description": "轨迹长度，米"})
    inside_seconds = fields.Integer(metadata={"description": "在责任区内的时间，秒"})
    presence_ratio = Float(allow_none=True, metadata={"description": "固守岗在岗率（0–1）"})
    points = fields.List(fields.Nested(TrackPointSchema), metadata={"description": "轨迹各点，按时间先后"})


class FactsQuerySchema(Schema):
    day = Date(required=True, metadata={"description": "哪一天（上海时间）；收班（次日凌晨）后数据为定稿"})


class DutyFactSchema(Schema):
    officer_id = fields.Integer()
    officer_name = fields.String(metadata={"example": "周队员"})
    badge_no = fields.String()
    scheduled_minutes = fields.Integer(metadata={"description": "排班分钟数", "example": 480})
    attended_minutes = fields.Integer(
        metadata={"description": "签到至签退的在岗分钟数（外勤被驳回不计）", "example": 465}
    )
    late = fields.Integer(metadata={"description": "迟到次数", "example": 1})
    early_leave = fields.Integer(metadata={"description": "早退次数", "example": 0})
    absent = fields.Integer(metadata={"description": "缺勤班次数（收班时未签到）", "example": 0})
    out_of_area_approved = fields.Integer(metadata={"description": "外勤签到获批次数", "example": 1})
    out_of_area_rejected = fields.Integer(metadata={"description": "外勤签到被驳回次数", "example": 0})
    patrol_metres = fields.Integer(metadata={"description": "巡查轨迹长度，米", "example": 3250})


def _posts(actor, **filters):
    """The posts in scope, narrowed by the squad and the active flag the query string gives."""
    return scoped(Post, actor).filter_by(**filters).order_by(Post.id)


@blp.route("/posts", endpoint="posts")
class Posts(MethodView):
    get = listing(blp, _posts, PostFilterSchema, PostSchema, "勤务点位列表（数据权限内）")
    post = creation(blp, PostCreateSchema, PostSchema,
                    "新建勤务点位：圆形或多边形电子围栏，WGS-84 坐标自动转为 GCJ-02（中队长、区局管理员）",
                    operations.create_post, "duty_post", *SQUAD_MANAGERS)


@blp.route("/posts/<int:post_id>", endpoint="post")
class PostById(MethodView):
    get = detail(blp, PostSchema, "勤务点位详情", visible(Post, "勤务点位"))
    patch = change(blp, PostUpdateSchema, PostSchema, "修改勤务点位：名称、围栏、是否要求自拍、停用",
                   operations.update_post, "duty_post", *SQUAD_MANAGERS)


@blp.route("/shifts", endpoint="shifts")
class Shifts(MethodView):
    get = listing(
        blp, queries.shifts, ShiftFilterSchema, ShiftSchema, "排班列表（队员看自己，中队长看本中队，区局看全区）"
    )

    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.arguments(RosterSchema)
    @blp.response(201, ShiftSchema(many=True))
    @blp.alt_response(409, description="与已有班次重叠；一条不成则全部不写入")
    def post(self, body):
        """批量排班（如一周）：全部成功或全部不写入"""
        created = operations.create_shifts(current_actor(), body["shifts"])
        audit_object("duty_shift", ",".join(str(s.id) for s in created)[:64])
        return created


@blp.route("/shifts/copy-week", endpoint="shifts_copy_week")
class CopyWeek(MethodView):
    @auth_required(blp, *SQUAD_MANAGERS)
    @blp.arguments(CopyWeekSchema)
    @blp.response(201, ShiftSchema(many=True))
    def post(self, body):
        """复制上周排班到本周"""
        created = operations.copy_week(current_actor(), **body)
        audit_object("duty_week", body["week_start"].isoformat())
        return created


@blp.route("/shifts/<int:shift_id>", endpoint="shift")
class ShiftById(MethodView):
    get = detail(blp, ShiftSchema, "班次详情", visible(Shift, "班次"))
    patch = change(blp, ShiftUpdateSchema, ShiftSchema, "调整一个班次（签到前）：换人、换日、改时间、勤务类型或点位",
                   operations.update_shift, "duty_shift", *SQUAD_MANAGERS)
    delete = change(blp, None, None, "删除一个班次（签到前）", operations.delete_shift, "duty_shift", *SQUAD_MANAGERS,
                    status=204)


@blp.route("/shifts/<int:shift_id>/track", endpoint="shift_track")
class ShiftTrack(MethodView):
    get = detail(blp, TrackSchema, "班次巡查轨迹统计：轨迹长度、在责任区时间、固守在岗率",
                 lambda actor, shift_id: queries.shift_track(get_visible(Shift, shift_id, actor, what="班次")))


@blp.route("/today", endpoint="my_duty")
class MyDuty(MethodView):
    get = method(blp, lambda args: queries.my_duty(current_actor(), args.get("day") or local_day()),
                 "我的今日勤务：班次及尚需完成的签到、签退", MyDutySchema(many=True), arguments=DayQuerySchema,
                 location="query")


class TodayItemSchema(Schema):
    kind = fields.String(metadata={"description": "事项类型（各业务自定，如 inspection 检查任务）",
                                   "example": "inspection"})
    title = fields.String(metadata={"example": "检查：静安某某餐饮有限公司（沿街商户，2027 年第一季度双随机检查）"})
    due_on = fields.Date(allow_none=True, metadata={"description": "最迟完成日"})
    overdue = fields.Boolean(metadata={"description": "已过最迟完成日"})
    ref = fields.String(metadata={"description": "该事项在其业务中的编号"})
    path = fields.String(metadata={"description": "轻应用打开该事项的接口路径",
                                   "example": "/api/inspections/inspections/12"})


@blp.route("/today/items", endpoint="my_items")
class MyItems(MethodView):
    get = method(blp, lambda args: today.today_items(current_actor(), args.get("day") or local_day()),
                 "我的今日待办：各业务登记的本人尚需完成的事项（如被抽中的检查任务），超期的在前，其余按最迟完成日",
                 TodayItemSchema(many=True), arguments=DayQuerySchema, location="query")


@blp.route("/facts", endpoint="duty_facts")
class DutyFacts(MethodView):
    get = listing(blp, queries.visible_duty_facts, FactsQuerySchema, DutyFactSchema,
                  "某日勤务事实：每名队员的排班与在岗分钟、迟到、早退、缺勤、外勤批驳、巡查里程\n\n"
                  "积分引擎按同样的数字计分。队员看自己，中队长看本中队，区局看全区；收班后为定稿。")


class PositionArchiveSchema(Schema):
    id = fields.Integer()
    month = Month(metadata={"description": "所存巡查位置的月份（本地时间）"})
    part = fields.Integer(metadata={"description": "该月的第几份文件（每份至多 100 万行）"})
    rows = fields.Integer(metadata={"description": "行数"})
    bytes = fields.Integer(metadata={"description": "文件大小（gzip 压缩后）"})
    sha256 = fields.String(metadata={"description": "归档时记录的文件 SHA-256；下载前按它校验"})
    archived_at = fields.DateTime()


class PositionArchiveQuerySchema(Schema):
    month = Month(metadata={"description": "只看该月的存档", "example": "2026-11"})


@blp.route("/position-archives", endpoint="position_archives")
class PositionArchives(MethodView):
    get = listing(blp, partitions.archives, PositionArchiveQuerySchema, PositionArchiveSchema,
                  "巡查位置存档：超过保留期（DUTY_POSITION_RETENTION_MONTHS）的月份在删除分区前导出的 gzip CSV 文件，"
                  "新的月份在前（仅市局管理员）", *CITY_ADMINS)


@blp.route("/position-archives/<int:archive_id>/file", endpoint="position_archive_file")
@download
class PositionArchiveFile(MethodView):
    @auth_required(blp, *CITY_ADMINS)
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="application/gzip")
    @blp.alt_response(404, description="存档不存在，或其文件已不在存储中（file_missing）")
    @blp.alt_response(409, description="存储中的文件与归档时记录的 SHA-256 不符（archive_file_altered）")
    def get(self, archive_id):
        """下载一份巡查位置存档（gzip CSV：表头一行，其后每行一个位置），先按记录的 SHA-256 校验整份文件后逐块发送"""
        audit_object("duty_position_archive", archive_id)
        archive, chunks = partitions.archive_file(current_actor(), archive_id)
        name = f"positions-{archive.month:%Y-%m}-part-{archive.part:04d}.csv.gz"
        return Response(chunks, mimetype="application/gzip", headers={
            "Content-Disposition": f"attachment; filename={name}", "Content-Length": str(archive.bytes),
            "X-Archive-SHA256": archive.sha256, "Cache-Control": "private, no-store"})
