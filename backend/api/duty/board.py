"""Today's duty board for the squad leader and the district: who is on post, late, absent, out of area."""
from flask.views import MethodView
from marshmallow import fields

from backend.api.boundary import Blueprint
from backend.api.duty.attendance import CheckSchema
from backend.api.fields import Date, Id
from backend.api.schemas import Schema, Text
from backend.api.security import auth_required, current_actor
from backend.db import local_day, utcnow
from backend.duty.board import STATE_NAMES, board
from backend.duty.models import DUTY_TYPE_NAMES, DutyType

blp = Blueprint("duty_board", __name__, url_prefix="/api/duty", description="勤务：今日勤务看板")


class BoardQuerySchema(Schema):
    day = Date(metadata={"description": "哪一天（上海时间），默认今天"})
    squad_id = Id(metadata={"description": "只看一个中队（区局）"})


class BoardRowSchema(Schema):
    shift_id = fields.Integer(attribute="shift.id")
    officer_id = fields.Integer(attribute="shift.officer_id")
    officer_name = fields.String()
    badge_no = fields.String()
    squad_id = fields.Integer(attribute="shift.squad_id")
    duty_type = fields.Enum(DutyType, attribute="shift.duty_type")
    duty_type_name = Text(lambda row: DUTY_TYPE_NAMES[row["shift"].duty_type])
    post_name = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime(attribute="shift.starts_at")
    ends_at = fields.AwareDateTime(attribute="shift.ends_at")
    state = fields.String(metadata={"description": " / ".join(f"{code} {name}" for code, name in STATE_NAMES.items())})
    state_name = fields.String()
    check_in = fields.Nested(CheckSchema, allow_none=True)
    check_out = fields.Nested(CheckSchema, allow_none=True)


@blp.route("/board", endpoint="board")
class Board(MethodView):
    @auth_required(blp)
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200, BoardRowSchema(many=True))
    def get(self, args):
        """今日勤务看板：每个班次的队员、点位、签到签退与当前状态（外勤待审批的附签到记录，可就地审批）

        状态由服务器按签到宽限时间（DUTY_GRACE_MINUTES）判定；数据权限内（中队长看本中队，区局看全区）。
        """
        return board(current_actor(), args.get("day") or local_day(), utcnow(), squad_id=args.get("squad_id"))
