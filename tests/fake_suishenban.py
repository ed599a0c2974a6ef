"""A fake 随申办 (一网通办) document interface on 127.0.0.1, driven by tests.

It takes documents as the adapter sends them (POST /documents, signed with the shared key: a wrong or
missing signature answers 401), keeps what it accepted, can be down (503), and signs the callbacks it
would send back (delivery, payment) for the test to post to the backend.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from abc import ABC, abstractmethod

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


def _sign(key: str, stamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), stamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class SignedFake(ABC):
    """A fake outside system on 127.0.0.1 that checks and makes signatures with one shared key."""

    def __init__(self, key: str):
        self.key = key
        self.app = self._make_app()
        self._server = None
        self.reset()

    @abstractmethod
    def reset(self) -> None:
        """Forget what was received (each test starts empty)."""

    @abstractmethod
    def _make_app(self) -> Flask:
        """The Flask app that speaks the platform's protocol."""

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()


class FakeSuishenban(SignedFake):
    def reset(self) -> None:
        self.documents: list[dict] = []
        self.down = False

    def _make_app(self) -> Flask:
        app = Flask("fake_suishenban")

        @app.post("/documents")
        def documents():
            if self.down:
                return jsonify({"code": 503, "message": "service unavailable"}), 503
            stamp, body = request.headers.get("X-Timestamp", ""), request.get_data()
            if not hmac.compare_digest(_sign(self.key, stamp, body), request.headers.get("X-Signature", "")):
                return jsonify({"code": 401, "message": "bad signature"}), 401
            self.documents.append(json.loads(body))
            return jsonify({"code": 0, "message": "ok"})

        return app

    def callback(self, event: str, number: str, at: str, amount: int | None = None, **extra) -> tuple[bytes, dict]:
        """The body and headers of a signed callback, as 随申办 would post it."""
        payload = {"event": event, "number": number, "at": at, **extra}
        if amount is not None:
            payload["amount"] = amount
        body, stamp = json.dumps(payload, ensure_ascii=False).encode(), str(int(time.time()))
        return body, {"X-Sender": "suishenban", "X-Timestamp": stamp, "X-Signature": _sign(self.key, stamp, body)}
