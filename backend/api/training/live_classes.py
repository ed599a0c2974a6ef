"""Live classes: schedule, join QR code, join / heartbeat / leave, attendance and its CSV, in-class quizzes."""
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_actor, audit_params, audit_written
from backend.api.boundary import Blueprint
from backend.api.fields import Answer, AwareDateTime, CityWide, Date, Decimal, Id, Int, from_now
from backend.api.links import download
from backend.api.pagination import listing
from backend.api.schemas import Count, Flag, Schema, Text
from backend.api.security import auth_required, authorised_actor, bearer_token, current_actor
from backend.api.transitions import transition
from backend.api.views import creation, detail
from backend.config import settings
from backend.db import local_day
from backend.org.roles import TRAINEES, TRAINING_AUTHORS
from backend.training import queries
from backend.training.common import require_author
from backend.training.live import classes, quizzes

blp = Blueprint("live_classes", __name__, url_prefix="/api/training", description="培训：直播课、考勤与随堂测验")



# A class is put on the timetable up to a year ahead, or recorded up to a month after it was held.
CLASS_EARLIEST, CLASS_LATEST = from_now(days=-31), from_now(days=366)


class LiveClassSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata={"example": "执法文书规范"})
    classroom = fields.String(
        required=True, validate=validate.Length(min=1, max=128), metadata={"example": "区局智慧教室"}
    )
    starts_at = AwareDateTime(required=True, earliest=CLASS_EARLIEST, latest=CLASS_LATEST)
    ends_at = AwareDateTime(required=True, earliest=CLASS_EARLIEST, latest=CLASS_LATEST)
    category = fields.String(required=True, metadata={"example": "classroom"})
    credit_hours = Decimal(required=True, as_string=True, places=1, validate=validate.Range(min=0, max=24))
    course_id = Id(allow_none=True)
    teacher_id = Id(allow_none=True)
    stream_url = fields.URL(allow_none=True, schemes={"http", "https", "rtmp", "rtmps"},
                            metadata={"description": "外部直播服务的播放地址"})
    min_presence_percent = Int(allow_none=True, min=1, max=100,
                                          metadata={"description": "计学时所需在线比例，默认取配置"})
    held_on = fields.Date(dump_only=True)
    district_id = CityWide("全市直播课（各区人员均可加入）")
    join_url = Text(lambda live_class: classes.join_url(live_class) if current_actor().role in TRAINING_AUTHORS
                    else None,
                    allow_none=True, metadata={"description": "签名的扫码加入地址（仅教员、区局可见，学员须扫码）"})
    managed = Flag(lambda live_class: classes.runs(current_actor(), live_class), dump_only=True, metadata={
        "description": "本人管理该课：可取其二维码、人数、考勤与大屏链接（区局教员、管理员：本区及全市的课；"
                       "市局培训管理员：全市的课；其他角色为 false）"})


class LiveClassFilterSchema(Schema):
    day = Date(metadata={"description": "上课日期（查询条件）"})


class JoinSchema(Schema):
    sig = fields.String(required=True, validate=validate.Length(max=128),
                        metadata={"description": "二维码中的签到码：每 TRAINING_JOIN_CODE_SECONDS 秒（默认 60）更换，"
                                                 "当前与上一时段的有效，即有效期 1–2 个时段；过期或伪造的答 403"})


class AttendanceSchema(Schema):
    live_class_id = fields.Integer()
    officer_id = fields.Integer()
    badge_no = fields.String(attribute="officer.badge_no")
    name = fields.String(attribute="officer.name")
    joined_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    left_at = fields.DateTime(allow_none=True)
    presence_seconds = fields.Integer()
    credited = fields.Boolean(metadata={"description": "在线比例达到要求，计学时"})
    heartbeat_seconds = Count(lambda _a: settings().TRAINING_HEARTBEAT_SECONDS,
                                        metadata={"description": "客户端应按此间隔发送心跳"})


class HeadCountSchema(Schema):
    live_class_id = fields.Integer()
    joined = fields.Integer(metadata={"description": "已扫码加入的人数"})
    present = fields.Integer(metadata={"description": "未离开且心跳未中断的人数"})


class QuizPushSchema(Schema):
    question_id = Id(required=True)
    seconds = Int(load_default=60, min=5, max=1800)


class QuizSchema(Schema):
    id = fields.Integer()
    live_class_id = fields.Integer()
    question_id = fields.Integer()
    kind = Text(lambda q: q.question.kind.value)
    stem = Text(lambda q: q.question.stem)
    options = fields.List(fields.String(), attribute="question.options")
    opened_at = fields.DateTime()
    closes_at = fields.DateTime()


class QuizAnswerSchema(Schema):
    answer = Answer(required=True, validate=validate.Length(min=1, max=8),
                         metadata={"description": "选项序号（从 0 起），填空题为一个文本", "example": [1]})


class QuizAnswerResultSchema(Schema):
    quiz_id = fields.Integer()
    answered_at = fields.DateTime()


class OptionCountSchema(Schema):
    label = fields.String()
    text = fields.String()
    count = fields.Integer()


class DistributionSchema(Schema):
    quiz_id = fields.Integer()
    live_class_id = fields.Integer()
    question_id = fields.Integer()
    kind = fields.String()
    stem = fields.String()
    opened_at = fields.DateTime()
    closes_at = fields.DateTime()
    closed = fields.Boolean()
    present = fields.Integer(metadata={"description": "当前在线人数（未离开且心跳未中断）"})
    answered = fields.Integer()
    correct = fields.Integer()
    options = fields.List(fields.Nested(OptionCountSchema))
    correct_answer = Answer(allow_none=True, metadata={"description": "测验结束后才公布"})


@blp.route("/live-classes", endpoint="live_classes")
class LiveClasses(MethodView):
    get = listing(blp, queries.live_classes, LiveClassFilterSchema, LiveClassSchema, "直播课列表（本区及全市）")

    post = creation(blp, LiveClassSchema, LiveClassSchema,
                    "安排直播课（教员、区局管理员；市局培训管理员安排全市直播课）",
                    classes.create_live_class, "training_live_class", *TRAINING_AUTHORS)


@blp.route("/live-classes/<int:live_class_id>", endpoint="live_class")
class LiveClassById(MethodView):
    get = detail(blp, LiveClassSchema, "直播课详情", classes.live_class_for)


@blp.route("/live-classes/<int:live_class_id>/qr.png", endpoint="live_class_qr")
@download
class LiveClassQr(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.response(200, description="PNG 图片", content_type="image/png")
    def get(self, live_class_id):
        """课堂扫码加入二维码（PNG，签名防伪造；当前时段的签到码，1–2 个 TRAINING_JOIN_CODE_SECONDS 后失效）"""
        png = classes.join_qr_png(classes.managed_class(current_actor(), live_class_id, change=False))
        return Response(png, mimetype="image/png")


@transition(blp, "/live-classes/<int:live_class_id>/join", "live_class_join", AttendanceSchema, arguments=JoinSchema,
            audit="training_live_class")
def live_class_join(body, live_class_id):
    """扫码加入课堂"""
    return classes.join(current_actor(), live_class_id, body["sig"])


@transition(blp, "/live-classes/<int:live_class_id>/heartbeat", "live_class_heartbeat", AttendanceSchema)
def live_class_heartbeat(live_class_id):
    """在线心跳（每 TRAINING_HEARTBEAT_SECONDS 秒一次；超过 TRAINING_HEARTBEAT_GAP_SECONDS 无信号记为中断）"""
    return classes.heartbeat(current_actor(), live_class_id)


@transition(blp, "/live-classes/<int:live_class_id>/leave", "live_class_leave", AttendanceSchema,
            audit="training_live_class")
def live_class_leave(live_class_id):
    """离开课堂"""
    return classes.leave(current_actor(), live_class_id)


@blp.route("/live-classes/<int:live_class_id>/head-count", endpoint="live_class_head_count")
class LiveClassHeadCount(MethodView):
    get = detail(blp, HeadCountSchema, "课堂人数：已加入、当前在线（大屏轮询）",
                 lambda actor, live_class_id: classes.head_count(
                     classes.managed_class(actor, live_class_id, change=False).id),
                 *TRAINING_AUTHORS)


@blp.route("/live-classes/<int:live_class_id>/attendance", endpoint="live_class_attendance")
class LiveClassAttendance(MethodView):
    get = detail(blp, AttendanceSchema(many=True), "本节课考勤（在线时长、比例、是否计学时）",
                 classes.attendance_of_class, *TRAINING_AUTHORS)


@blp.route("/live-classes/<int:live_class_id>/attendance.csv", endpoint="live_class_attendance_csv")
class LiveClassAttendanceCsv(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.response(200, description="CSV（UTF-8 带 BOM）", content_type="text/csv")
    def get(self, live_class_id):
        """导出本节课考勤 CSV"""
        rows = classes.attendance_of_class(current_actor(), live_class_id)
        return _csv(classes.attendance_csv(rows), f"attendance-class-{live_class_id}.csv")


@blp.route("/officers/<int:officer_id>/attendance", endpoint="officer_attendance")
class OfficerAttendance(MethodView):
    get = detail(blp, AttendanceSchema(many=True), "某人各节直播课的考勤（本人、中队长、区局）",
                 classes.attendance_of_officer)


@blp.route("/officers/<int:officer_id>/attendance.csv", endpoint="officer_attendance_csv")
@download
class OfficerAttendanceCsv(MethodView):
    @auth_required(blp)
    @blp.response(200, description="CSV（UTF-8 带 BOM）", content_type="text/csv")
    def get(self, officer_id):
        """导出某人各节直播课考勤 CSV"""
        rows = classes.attendance_of_officer(current_actor(), officer_id)
        return _csv(classes.attendance_csv(rows), f"attendance-officer-{officer_id}-{local_day()}.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/live-classes/<int:live_class_id>/quizzes", endpoint="live_class_quizzes")
class LiveClassQuizzes(MethodView):
    post = creation(blp, QuizPushSchema, QuizSchema,
                    "推送随堂测验题到课堂（教员；全市直播课由市局培训管理员推送市局题库的题目）", quizzes.push_quiz,
                    "training_live_quiz", *TRAINING_AUTHORS)


@blp.route("/live-classes/<int:live_class_id>/quiz", endpoint="live_class_current_quiz")
class LiveClassCurrentQuiz(MethodView):
    @auth_required(blp)
    @blp.response(200, QuizSchema)
    @blp.alt_response(204, description="当前没有进行中的测验")
    def get(self, live_class_id):
        """当前进行中的随堂测验（学员端每 3 秒左右轮询一次；不含答案）"""
        quiz = quizzes.current_quiz_for(current_actor(), live_class_id)
        return quiz if quiz is not None else Response(status=204)


# The body's schema an instance: given a class, webargs builds a new one (its fields copied) for every request.
@transition(blp, "/quizzes/<int:quiz_id>/answers", "quiz_answers", QuizAnswerResultSchema, *TRAINEES,
            arguments=QuizAnswerSchema(), status=201, deferred_auth=True)
def quiz_answers(body, quiz_id):
    """作答随堂测验（每人一次，限时）"""
    # The hot path of a city-wide class: the token checked, the answer stored and (PostgreSQL) audited in one
    # statement, no officer loaded; whatever it refuses is answered by the full path, which says why.
    token, audit = bearer_token(), audit_params(201)
    stored = quizzes.answer_by_token(token, quiz_id, body["answer"], audit) if token else None
    if stored is not None:
        answered, officer_id = stored
        audit_actor(officer_id)
    else:
        actor = authorised_actor()
        audit = audit_params(201)  # with the actor now known
        answered = quizzes.answer_quiz(actor, quiz_id, body["answer"], audit)
    if audit is not None:
        audit_written(201)
    return answered


def _distribution(actor, quiz_id: int):
    require_author(actor)
    quiz = quizzes.quiz_for(actor, quiz_id)
    require_author(actor, quiz, change=False)
    return quizzes.distribution(quiz)


@blp.route("/quizzes/<int:quiz_id>/distribution", endpoint="quiz_distribution")
class QuizDistribution(MethodView):
    get = detail(blp, DistributionSchema, "答题分布（大屏轮询）：各选项人数、已答、答对人数", _distribution,
                 *TRAINING_AUTHORS)
