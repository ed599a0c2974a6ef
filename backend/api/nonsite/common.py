"""The non-site blueprint and what its modules share."""
import functools
from collections.abc import Callable

from flask import g, request

from backend.api.multipart import Blueprint
from backend.api.views import method
from backend.db import utcnow
from backend.nonsite import signing

blp = Blueprint("nonsite", __name__, url_prefix="/api/nonsite",
                description="非现场执法：摄像头登记、视频分析平台告警（签名）、证据锁定、研判")


def signature_headers(sender: str) -> list[dict]:
    """The headers of a signed inbound call, for the API document."""
    return [
        {"in": "header", "name": "X-Sender", "required": True, "schema": {"type": "string"},
         "description": f"发送方名称（{sender}）"},
        {"in": "header", "name": "X-Timestamp", "required": True, "schema": {"type": "string"},
         "description": "Unix 秒；与服务器时间相差超过 NONSITE_REPLAY_SECONDS 拒收"},
        {"in": "header", "name": "X-Signature", "required": True, "schema": {"type": "string"},
         "description": "hex(HMAC-SHA256(发送方密钥, X-Timestamp + \"\\n\" + 请求体))"},
    ]


def signed_by(keys: Callable[[], dict[str, str] | None], who: str):
    """Verify the sender's signature over the raw body before the body is even parsed; the sender in g."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            headers = request.headers
            g.nonsite_sender = signing.verify(headers.get("X-Sender"), headers.get("X-Timestamp"),
                                              headers.get("X-Signature"), request.get_data(cache=True), utcnow(),
                                              keys())
            return view(*args, **kwargs)

        return blp.doc(parameters=signature_headers(who),
                       responses={"401": {"description": "未知发送方、签名错误或时间戳超出窗口"}})(wrapper)

    return decorator


def signed(keys: Callable[[], dict[str, str] | None], who: str, call, summary: str, schema, arguments, *,
           status: int = 200, alt_responses: tuple = ()):
    """A POST from a platform that signs its calls (`signed_by`), answering `call(body)` in `schema`."""
    return signed_by(keys, who)(method(blp, call, summary, schema, arguments=arguments, status=status,
                                       alt_responses=alt_responses, signed_in=False))
