"""A fake SMS gateway on 127.0.0.1, driven by tests: it takes texts signed with the shared key (POST /sms;
a wrong signature answers 401), keeps them, can be down (503), and signs the delivery receipts it would
send back for the test to post to the backend."""
from __future__ import annotations

import hmac
import json
import time

from flask import Flask, jsonify, request

from tests.fake_suishenban import SignedFake, _sign


class FakeSms(SignedFake):

    def reset(self) -> None:
        self.texts: list[dict] = []
        self.down = False

    def _make_app(self) -> Flask:
        app = Flask("fake_sms")

        @app.post("/sms")
        def sms():
            if self.down:
                return jsonify({"code": 503}), 503
            stamp, body = request.headers.get("X-Timestamp", ""), request.get_data()
            if not hmac.compare_digest(_sign(self.key, stamp, body), request.headers.get("X-Signature", "")):
                return jsonify({"code": 401}), 401
            self.texts.append(json.loads(body))
            return jsonify({"code": 0})

        return app

    def receipt(self, reference: str, at: str) -> tuple[bytes, dict]:
        """The body and headers of a signed delivery receipt for the text with `reference`."""
        body, stamp = json.dumps({"number": reference, "at": at}, ensure_ascii=False).encode(), str(int(time.time()))
        return body, {"X-Sender": "sms", "X-Timestamp": stamp, "X-Signature": _sign(self.key, stamp, body)}
