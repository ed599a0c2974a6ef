"""The classroom big screen: the static page in classroom/ and the JSON it polls, behind the screen key."""
from flask import Response, send_from_directory
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.boundary import Blueprint
from backend.api.schemas import Schema
from backend.api.training.drills import DrillLeaderSchema
from backend.api.training.live_classes import DistributionSchema
from backend.config import ROOT
from backend.training.live import classes, screen

blp = Blueprint("classroom", __name__, url_prefix="/classroom", description="智慧教室大屏（凭大屏链接密钥访问）")

PAGE_DIR = ROOT / "classroom"
ASSETS = {"screen.js", "screen.css"}


class KeySchema(Schema):
    key = fields.String(required=True, validate=validate.Length(max=64), metadata={"description": "大屏链接中的密钥"})


class QrQuerySchema(KeySchema):
    code = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "页面当前显示的签到码，仅用于在签到码更换时刷新图片；图片总是当前时段的签到码"},
    )


class ScreenLeaderSchema(DrillLeaderSchema):
    class Meta(Schema.Meta):
        exclude = ("officer_id",)  # the screen hangs in a classroom: names and badge numbers only


class ScreenStateSchema(Schema):
    live_class_id = fields.Integer()
    title = fields.String()
    classroom = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String(metadata={"description": "未开始 / 进行中 / 已结束"})
    joined = fields.Integer()
    present = fields.Integer()
    quiz = fields.Nested(DistributionSchema, allow_none=True, metadata={"description": "最近一道随堂测验及其答题分布"})
    leaderboard = fields.List(fields.Nested(ScreenLeaderSchema))
    poll_seconds = fields.Integer()
    join_code = fields.String(metadata={"description": "当前时段的扫码签到码（即二维码中的 sig）；"
                                        "每 join_code_seconds 秒更换，当前与上一时段的签到码有效"})
    join_code_seconds = fields.Integer(metadata={"description": "签到码更换间隔（秒，TRAINING_JOIN_CODE_SECONDS）"})
    server_time = fields.DateTime()


@blp.route("/<int:live_class_id>", endpoint="page")
class ScreenPage(MethodView):
    @blp.doc(summary="大屏页面（HTML）")
    def get(self, live_class_id):
        """大屏页面：扫码加入二维码、在线人数、随堂测验答题分布、演练排行榜，自动刷新"""
        return _no_store(send_from_directory(PAGE_DIR, "index.html", max_age=0))


@blp.route("/assets/<name>", endpoint="asset")
class ScreenAsset(MethodView):
    @blp.doc(summary="大屏页面的脚本与样式")
    def get(self, name):
        if name not in ASSETS:
            return Response(status=404)
        return _no_store(send_from_directory(PAGE_DIR, name, max_age=0))


@blp.route("/<int:live_class_id>/state", endpoint="state")
class ScreenState(MethodView):
    @blp.arguments(KeySchema, location="query")
    @blp.response(200, ScreenStateSchema)
    def get(self, query, live_class_id):
        """大屏数据（页面每 CLASSROOM_POLL_SECONDS 秒轮询一次）"""
        return screen.state(screen.screen_class(live_class_id, query["key"]))


@blp.route("/<int:live_class_id>/qr.png", endpoint="qr")
class ScreenQr(MethodView):
    @blp.arguments(QrQuerySchema, location="query")
    @blp.response(200, description="PNG：当前时段的扫码签到二维码（每 TRAINING_JOIN_CODE_SECONDS 秒更换）",
                  content_type="image/png")
    def get(self, query, live_class_id):
        """扫码加入课堂的二维码（当前时段的签到码，与教员端此刻下载的相同）"""
        png = classes.join_qr_png(screen.screen_class(live_class_id, query["key"]))
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    return response
