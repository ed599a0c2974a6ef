"""A fake city operations platform (区城运中心 / 一网统管) on 127.0.0.1: it signs the orders it sends and
receives the district's signed answers on its callback URL, as the real platform's interface does.

Signing both ways: HMAC-SHA256 with the shared key over `<unix seconds>.<body>`, hex, in X-Signature, the
seconds in X-Timestamp. Tests can take it down (answers get 503) and read the answers it accepted.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

STATUS_MAP = {"待受理": "received", "已受理": "accepted", "已派遣": "assigned", "处置中": "in_progress",
              "已办结": "resolved", "已结案": "closed", "已退回": "returned", "已移送": "referred"}
CATEGORY_MAP = {"A0101": "street_vending", "A0203": "road_obstruction", "B0301": "illegal_building"}


def sign(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class FakeCityPlatform:
    """The platform's key, its answers received, and whether it is up; `start()` serves it on a free port."""

    def __init__(self, key: str):
        self.key = key
        self.up = True
        self.answers: list[dict] = []
        self._lock = threading.Lock()
        self.app = Flask(__name__)
        self.photos: dict[str, tuple[bytes, str]] = {}  # what /photos/<name> serves: (bytes, content type)
        self.app.add_url_rule("/callback", "callback", self._callback, methods=["POST"])
        self.app.add_url_rule("/photos/<name>", "photo", self._photo)

    def _callback(self):
        if not self.up:
            return jsonify(code=503, msg="平台维护中"), 503
        body, timestamp = request.get_data(), request.headers.get("X-Timestamp", "")
        if not hmac.compare_digest(sign(self.key, timestamp, body), request.headers.get("X-Signature", "")):
            return jsonify(code=401, msg="签名错误"), 401
        with self._lock:
            self.answers.append(json.loads(body))
        return jsonify(code=0, msg="ok")

    def _photo(self, name):
        if name not in self.photos:
            return "not found", 404
        data, content_type = self.photos[name]
        return data, 200, {"Content-Type": content_type}

    def photo_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/photos/{name}"

    @property
    def callback_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/callback"

    def start(self) -> FakeCityPlatform:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def reset(self) -> None:
        self.up, self.answers, self.photos = True, [], {}

    def signed(self, order: dict | bytes, *, at: float | None = None, key: str | None = None) -> dict:
        """The body and headers of an order as the platform sends it (signed at `at`, by default now)."""
        body = order if isinstance(order, bytes) else json.dumps(order, ensure_ascii=False).encode()
        timestamp = str(int(time.time() if at is None else at))
        return {"data": body, "content_type": "application/json",
                "headers": {"X-Timestamp": timestamp, "X-Signature": sign(key or self.key, timestamp, body)}}

    def answers_for(self, order_id: str) -> list[dict]:
        with self._lock:
            return [answer for answer in self.answers if answer["order_id"] == order_id]
