"""Drills (实战模拟): scenario and gesture drills, reference gestures, attempts, the class leaderboard."""
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from backend.api.audit import audit_object
from backend.api.fields import CityWide, Decimal, File, Float, Id, Int, Pattern
from backend.api.links import download
from backend.api.multipart import Blueprint, read_upload
from backend.api.pagination import listing
from backend.api.schemas import Flag, Record, Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import change, creation, detail, method
from backend.config import settings
from backend.errors import Invalid
from backend.org.roles import TRAINING_AUTHORS
from backend.training.drills import operations, pose, queries
from backend.training.drills.models import DrillKind
from backend.training.live import classes, screen

blp = Blueprint(
    "drills", __name__, url_prefix="/api/training", description="培训：实战模拟（情景演练、手势与队列动作评分）"
)

KEY = dict(validate=validate.Length(min=1, max=32))


class ChoiceSchema(Schema):
    key = fields.String(required=True, **KEY, metadata={"example": "badge"})
    label = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "出示执法证件，表明身份"}
    )
    action = fields.String(required=True, **KEY, metadata={"description": "该选择代表的处置动作", "example": "亮证"})
    next = fields.String(required=True, **KEY, metadata={"description": "选择后进入的步骤编号"})


class StepSchema(Schema):
    key = fields.String(required=True, **KEY)
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=500))
    end = fields.Boolean(load_default=False)
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list, validate=validate.Length(max=8))


class ScenarioSchema(Schema):
    start = fields.String(required=True, **KEY)
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=2, max=100))
    standard = fields.List(
        fields.String(**KEY),
        required=True,
        validate=validate.Length(min=1, max=30),
        metadata={"description": "标准处置流程（动作序列）", "example": ["亮证", "告知", "劝离", "取证", "处罚"]},
    )


def _scenario_for_reader(drill):
    """Trainees see the steps and choices, never the standard procedure."""
    if drill.scenario is None or current_actor().role in TRAINING_AUTHORS:
        return drill.scenario
    return {key: value for key, value in drill.scenario.items() if key != "standard"}


class DrillSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=128), metadata={"example": "无证摊贩现场处置"}
    )
    kind = fields.Enum(DrillKind, required=True, metadata={"description": "scenario 情景演练；gesture 手势/队列动作"})
    category = fields.String(required=True, metadata={"description": "学时类别代码", "example": "classroom"})
    credit_hours = Decimal(required=True, as_string=True, places=1,
                                  metadata={"description": "通过后计入的学时（0–24）", "example": "0.5"})
    pass_score = Int(load_default=60, min=0, max=100)
    scenario = fields.Nested(ScenarioSchema, allow_none=True, load_only=True)
    gesture_code = fields.String(allow_none=True, **KEY, metadata={"example": "salute"})
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    district_id = CityWide("全市演练（各区人员均可参加，只用标准手势和全市参考手势）")


class DrillOutSchema(DrillSchema):
    scenario = Record(_scenario_for_reader, dump_only=True, allow_none=True)


class DrillFilterSchema(Schema):
    kind = fields.Enum(DrillKind)


class ScenarioAttemptSchema(Schema):
    path = fields.List(fields.String(**KEY), required=True, validate=validate.Length(min=1, max=operations.MAX_PATH),
                       metadata={"description": "依次选择的选项编号", "example": ["badge", "inform", "persuade"]})
    live_class_id = Id(allow_none=True, metadata={"description": "在直播课中进行时填写（计入大屏排行榜）"})


class PhotoAttemptSchema(Schema):
    live_class_id = Id(allow_none=True)
    photos = fields.List(File(), required=True, metadata={"description": "一张照片或连拍的几帧（JPEG/PNG）"})


class DrillAttemptSchema(Schema):
    id = fields.Integer()
    drill_id = fields.Integer()
    drill_title = fields.String(attribute="drill.title")
    officer_id = fields.Integer()
    live_class_id = fields.Integer(allow_none=True)
    status = fields.String(
        attribute="status.value", metadata={"description": "scored 已评分；retake 关节不可见，请重拍"}
    )
    score = fields.Integer(allow_none=True)
    passed = fields.Boolean()
    path = fields.List(fields.String(), allow_none=True)
    feedback = Text(lambda a: a.result["feedback"], metadata={"description": "中文反馈"})
    result = fields.Dict(metadata={"description": "情景：缺少/顺序错误/不规范的动作；手势：各关节角度与得分"})
    image_url = Text(lambda a: f"/api/training/drill-attempts/{a.id}/image.jpg" if a.image_key else None,
                     allow_none=True)
    done_at = fields.DateTime()


class DrillAttemptFilterSchema(Schema):
    drill_id = Id()
    officer_id = Id()


class TargetSchema(Schema):
    angle = Float(required=True, metadata={"description": "目标角度（0–180°）", "example": 40})
    tolerance = Float(load_default=15, metadata={"description": "容差（度）", "example": 20})


JOINT_NAMES = "、".join(f"{key} {value[0]}" for key, value in pose.JOINTS.items())


def _code_field() -> fields.String:
    return fields.String(
        required=True,
        validate=Pattern(
            r"^[a-z][a-z0-9_]{0,31}$", error="编号应为小写字母开头的字母、数字或下划线，最长 32 位。"
        ),
        metadata={"example": "left_turn"},
    )


def _name_field() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "左转弯手势"})


class GestureSchema(Schema):
    code = _code_field()
    name = _name_field()
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    joints = fields.Dict(keys=fields.String(), values=fields.Nested(TargetSchema), required=True,
                         metadata={"description": f"关节 → 目标角度与容差；关节：{JOINT_NAMES}"})
    standard = Flag(lambda g: g.code in pose.STANDARD_GESTURES, dump_only=True,
                               metadata={"description": "是否为内置标准手势"})


class GestureOutSchema(GestureSchema):
    id = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "参考手势编号；标准手势为空"})
    joints = Record(lambda g: {j: {"angle": t.angle, "tolerance": t.tolerance, "name": pose.JOINTS[j][0]}
                                        for j, t in g.joints.items()})
    captured_from_photo = fields.Boolean(dump_only=True, metadata={"description": "目标角度是否从示范照片测得"})
    district_id = CityWide("全市参考手势（市局培训管理员维护，各区演练均可使用）或标准手势")


class GestureChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64), metadata={"example": "左转弯手势"})
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    joints = fields.Dict(keys=fields.String(), values=fields.Nested(TargetSchema), validate=validate.Length(min=1),
                         metadata={"description": f"关节 → 目标角度与容差（整体替换）；关节：{JOINT_NAMES}"})


class CaptureSchema(Schema):
    code = _code_field()
    name = _name_field()
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    joints = DelimitedList(fields.String(), required=True, metadata={"description": "要测量的关节，逗号分隔",
                                                                           "example": "right_shoulder,right_elbow"})
    tolerance = Float(load_default=15)
    photo = File(required=True)


class DrillLeaderSchema(Schema):
    rank = fields.Integer()
    officer_id = fields.Integer()
    name = fields.String()
    badge_no = fields.String()
    score = fields.Integer(metadata={"description": "各演练最好成绩之和"})
    drills = fields.Integer(metadata={"description": "完成的演练数"})


class ScreenLinkSchema(Schema):
    url = fields.String(metadata={"description": "大屏页面地址（含签名密钥，仅限本课堂）"})


@blp.route("/drills", endpoint="drills")
class Drills(MethodView):
    get = listing(blp, queries.drills, DrillFilterSchema, DrillOutSchema, "演练列表（本区及全市）")

    post = creation(blp, DrillSchema, DrillOutSchema,
                    "编写演练（教员；市局培训管理员编写全市演练）：情景演练的步骤图须能从开始走到结束，并包含标准流程",
                    operations.create_drill, "training_drill", *TRAINING_AUTHORS)


@blp.route("/drills/<int:drill_id>", endpoint="drill")
class DrillById(MethodView):
    get = detail(blp, DrillOutSchema, "演练详情（学员看不到标准流程）", operations.drill_for)


@transition(blp, "/drills/<int:drill_id>/close", "drill_close", DrillOutSchema, *TRAINING_AUTHORS,
            audit="training_drill")
def drill_close(drill_id):
    """关闭演练（不再接受提交）"""
    return operations.close_drill(current_actor(), drill_id)


@blp.route("/drills/<int:drill_id>/attempts", endpoint="drill_attempts")
class DrillAttempts(MethodView):
    post = creation(blp, ScenarioAttemptSchema, DrillAttemptSchema, "提交情景演练的选择路线，按标准流程评分",
                    operations.attempt_scenario, "training_drill_attempt")


@blp.route("/drills/<int:drill_id>/photo-attempts", endpoint="drill_photo_attempts")
class DrillPhotoAttempts(MethodView):
    @auth_required(blp)
    @blp.arguments(PhotoAttemptSchema, location="form")
    @blp.response(201, DrillAttemptSchema)
    def post(self, form, drill_id):
        """上传手势照片（或连拍几帧）评分：逐关节反馈与骨架标注图；关节不可见时提示重拍"""
        uploads = form["photos"]
        if not 1 <= len(uploads) <= settings().DRILL_MAX_FRAMES:
            raise Invalid(f"请上传 1 到 {settings().DRILL_MAX_FRAMES} 张照片", code="frame_count")
        limit = settings().DRILL_PHOTO_MAX_BYTES
        photos = [read_upload(upload, limit) for upload in uploads]
        attempt = operations.attempt_gesture(current_actor(), drill_id, photos, live_class_id=form.get("live_class_id"))
        audit_object("training_drill_attempt", attempt.id)
        return attempt


@blp.route("/drill-attempts", endpoint="drill_attempt_list")
class DrillAttemptList(MethodView):
    get = listing(blp, queries.attempts, DrillAttemptFilterSchema, DrillAttemptSchema, "演练记录（本人、中队长、区局）")


@blp.route("/drill-attempts/<int:attempt_id>", endpoint="drill_attempt")
class DrillAttemptById(MethodView):
    get = detail(blp, DrillAttemptSchema, "演练记录详情", operations.attempt_for)


@blp.route("/drill-attempts/<int:attempt_id>/image.jpg", endpoint="drill_attempt_image")
@download
class DrillAttemptImage(MethodView):
    @auth_required(blp)
    @blp.response(200, description="JPEG：照片叠加骨架、各关节角度与目标", content_type="image/jpeg")
    def get(self, attempt_id):
        """手势演练的标注图"""
        return Response(operations.attempt_image(current_actor(), attempt_id), mimetype="image/jpeg")


@blp.route("/gestures", endpoint="gestures")
class Gestures(MethodView):
    get = method(blp, lambda: operations.gestures(current_actor()),
                 "参考手势：内置标准手势（敬礼、立正、停止、直行、减速慢行）、全市参考手势和本区自定义手势",
                 GestureOutSchema(many=True))

    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.arguments(GestureSchema)
    @blp.response(201, GestureOutSchema)
    def post(self, body):
        """新增参考手势（教员；市局培训管理员新增全市参考手势）：各关节目标角度 0–180°与容差"""
        audit_object("training_gesture", body["code"])
        return operations.add_gesture(current_actor(), **body)


@blp.route("/gestures/<int:gesture_id>", endpoint="gesture")
class GestureById(MethodView):
    patch = change(blp, GestureChangeSchema, GestureOutSchema,
                   "修改参考手势的名称、说明或目标角度（编号不变）：本区的由教员修改，全市的由市局培训管理员修改",
                   operations.update_gesture, "training_gesture", *TRAINING_AUTHORS)


@blp.route("/gestures/capture", endpoint="gesture_capture")
class GestureCapture(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.arguments(CaptureSchema, location="form")
    @blp.response(201, GestureOutSchema)
    def post(self, form):
        """从示范照片采集参考手势（教员；市局培训管理员采集全市参考手势）：测量所选关节的角度作为目标"""
        audit_object("training_gesture", form["code"])
        photo = read_upload(form.pop("photo"), settings().DRILL_PHOTO_MAX_BYTES)
        return operations.capture_gesture(current_actor(), photo=photo, **form)


@blp.route("/live-classes/<int:live_class_id>/drill-leaderboard", endpoint="drill_leaderboard")
class DrillLeaderboard(MethodView):
    get = detail(blp, DrillLeaderSchema(many=True), "本节课演练排行榜（前 10 名）",
                 lambda actor, live_class_id: queries.leaderboard(classes.live_class_for(actor, live_class_id).id))


@blp.route("/live-classes/<int:live_class_id>/screen", endpoint="classroom_screen_link")
class ClassroomScreenLink(MethodView):
    get = detail(blp, ScreenLinkSchema, "智慧教室大屏链接（教员在教室电脑上打开）",
                 lambda actor, live_class_id: {
                     "url": screen.screen_url(classes.managed_class(actor, live_class_id, change=False))},
                 *TRAINING_AUTHORS)
