"""A fake city operations platform (区城运中心 / 一网统管) on 127.0.0.1: it signs the orders it sends, offers
them as a list to poll, serves their photos, and receives the district's signed answers on its callback URL,
as the real platform's interface does.

Signing both ways: HMAC-SHA256 with the shared key over `<unix seconds>.<body>`, hex, in X-Signature, the
seconds in X-Timestamp. The list is polled with `GET /orders?cursor=&limit=` signed over
`<unix seconds>.<query string>`; its answer `{"orders": [...], "next_cursor": ...}` is signed as a body.
An answer carries its result photos inline (base64 with their SHA-256), under the answer's signature.

Tests can take it down (503), make it slow (`slow` seconds before answering) or answer garbage (`garbage`:
these bytes with a 200, signed), and read what it received: answers, photo requests, list requests.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

STATUS_MAP = {"待受理": "received", "已受理": "accepted", "已派遣": "assigned", "处置中": "in_progress",
              "已办结": "resolved", "已结案": "closed", "已退回": "returned", "已移送": "referred",
              "已撤单": "withdrawn", "延期通过": "extension_granted", "延期驳回": "extension_refused",
              "退单驳回": "return_rejected"}
CATEGORY_MAP = {"A0101": "street_vending", "A0203": "road_obstruction", "B0301": "illegal_building"}


def sign(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class FakeCityPlatform:
    """The platform's key, what it offers and received, and how it behaves; `start()` serves it on a free port."""

    def __init__(self, key: str):
        self.key = key
        self._lock = threading.Lock()
        self.reset()
        self.app = Flask(__name__)
        self.app.add_url_rule("/callback", "callback", self._callback, methods=["POST"])
        self.app.add_url_rule("/photos/<name>", "photo", self._photo)
        self.app.add_url_rule("/orders", "orders", self._list)

    def reset(self) -> None:
        self.up, self.slow, self.garbage = True, 0.0, None
        self.answer_key: str | None = None  # signs its list's answers with another key (an impostor)
        self.answers: list[dict] = []
        self.photos: dict[str, tuple[bytes, str]] = {}  # what /photos/<name> serves: (bytes, content type)
        self.photo_requests: list[tuple[str, str]] = []  # (name, Host header) of each photo asked for
        self.listed: list[dict] = []  # the orders its list offers, oldest first
        self.list_requests: list[str | None] = []  # the cursor of each list request that got through

    def _behave(self):
        """Down, slow or garbage, as the test set it; None when it answers properly."""
        if self.slow:
            time.sleep(self.slow)
        if not self.up:
            return jsonify(code=503, msg="平台维护中"), 503
        if self.garbage is not None:
            timestamp = str(int(time.time()))
            return self.garbage, 200, {"Content-Type": "application/json", "X-Timestamp": timestamp,
                                       "X-Signature": sign(self.key, timestamp, self.garbage)}
        return None

    def _callback(self):
        if misbehaving := self._behave():
            return misbehaving
        body, timestamp = request.get_data(), request.headers.get("X-Timestamp", "")
        if not hmac.compare_digest(sign(self.key, timestamp, body), request.headers.get("X-Signature", "")):
            return jsonify(code=401, msg="签名错误"), 401
        answer = json.loads(body)
        for photo in answer.get("photos") or []:
            if hashlib.sha256(base64.b64decode(photo["data"])).hexdigest() != photo["sha256"]:
                return jsonify(code=400, msg="照片校验失败"), 400
        with self._lock:  # kept once by its answer_id: a resent answer is acknowledged again
            if all(kept["answer_id"] != answer["answer_id"] for kept in self.answers):
                self.answers.append(answer)
        return jsonify(code=0, msg="ok")

    def _photo(self, name):
        self.photo_requests.append((name, request.headers.get("Host", "")))
        if name not in self.photos:
            return "not found", 404
        data, content_type = self.photos[name]
        return data, 200, {"Content-Type": content_type}

    def _list(self):
        query, timestamp = request.query_string, request.headers.get("X-Timestamp", "")
        if not hmac.compare_digest(sign(self.key, timestamp, query), request.headers.get("X-Signature", "")):
            return jsonify(code=401, msg="签名错误"), 401
        if misbehaving := self._behave():
            return misbehaving
        cursor = request.args.get("cursor") or None
        self.list_requests.append(cursor)
        start, limit = int(cursor or 0), int(request.args["limit"])
        page = self.listed[start:start + limit]
        more = start + limit < len(self.listed)
        body = json.dumps({"orders": page, "next_cursor": str(start + len(page)) if page else cursor,
                           "has_more": more}).encode()
        timestamp = str(int(time.time()))
        return body, 200, {"Content-Type": "application/json", "X-Timestamp": timestamp,
                           "X-Signature": sign(self.answer_key or self.key, timestamp, body)}

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def photo_url(self, name: str, host: str | None = None) -> str:
        """Where it serves a photo; `host` names it by a host name instead of its address."""
        url = self._url(f"/photos/{name}")
        return url.replace("127.0.0.1", host) if host else url

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def callback_url(self) -> str:
        return self._url("/callback")

    @property
    def list_url(self) -> str:
        return self._url("/orders")

    def start(self) -> FakeCityPlatform:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def signed(self, order: dict | bytes, *, at: float | None = None, key: str | None = None) -> dict:
        """The body and headers of an order as the platform sends it (signed at `at`, by default now)."""
        body = order if isinstance(order, bytes) else json.dumps(order, ensure_ascii=False).encode()
        timestamp = str(int(time.time() if at is None else at))
        return {"data": body, "content_type": "application/json",
                "headers": {"X-Timestamp": timestamp, "X-Signature": sign(key or self.key, timestamp, body)}}

    def answers_for(self, order_id: str) -> list[dict]:
        with self._lock:
            return [answer for answer in self.answers if answer["order_id"] == order_id]
