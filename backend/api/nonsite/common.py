"""The non-site blueprint and what its modules share."""
from flask_smorest import Blueprint

blp = Blueprint("nonsite", __name__, url_prefix="/api/nonsite",
                description="非现场执法：摄像头登记、视频分析平台告警（签名）、证据锁定、研判")
