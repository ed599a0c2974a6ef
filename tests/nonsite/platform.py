"""The video analysis platform (智能视觉中枢) as the tests play it: alerts signed with its key, real photos."""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from backend.db import session
from backend.evidence.models import Evidence
from backend.nonsite.models import Alert
from backend.nonsite.signing import signature
from backend.org.models import Role
from tests.evidence.helpers import unique_jpeg

KEYS = "vision=vision-key,boxco=boxco-key"
KEY_OF = {"vision": "vision-key", "boxco": "boxco-key"}


def stored() -> tuple[int, int]:
    """How many alerts and evidence records there are: nothing half-stored is the same numbers after a refusal."""
    return session.scalar(select(func.count()).select_from(Alert)), session.scalar(
        select(func.count()).select_from(Evidence))


def camera(client, make, squad, *, code: str | None = None, sender: str = "vision",
           kinds=("muck_uncovered", "muck_route")) -> dict:
    """Register a camera through the API, as the district's administrator does."""
    admin = make.officer(Role.district_admin, district=squad.district)
    response = client.post("/api/nonsite/cameras", headers=make.headers(admin), json={
        "code": code or f"CAM{uuid.uuid4().hex[:8]}", "name": "共和新路口", "sender": sender,
        "place": "静安区共和新路 1 号", "lat": 31.27, "lng": 121.45, "kinds": list(kinds), "squad_id": squad.id})
    assert response.status_code == 201, response.json
    return response.json


def alert(camera_code: str, *, images: list[bytes] | None = None, kind: str = "muck_uncovered",
          plate: str | None = "沪A12345", at: datetime | None = None, **fields) -> dict:
    body = {"alert_id": uuid.uuid4().hex, "camera_id": camera_code,
            "occurred_at": (at or datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "kind": kind, "confidence": 0.91,
            "images": [{"data": base64.b64encode(data).decode(), "content_type": "image/jpeg"}
                       for data in (images if images is not None else [unique_jpeg()])], **fields}
    if plate is not None:
        body["plate"] = plate
    return body


def send(client, body: dict | bytes, *, sender: str = "vision", key: str | None = None,
         timestamp: int | None = None):
    """POST an alert signed as `sender` (with its key unless another is given)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signed = signature(key or KEY_OF.get(sender, "none"), stamp, raw)
    return client.post("/api/nonsite/alerts", data=raw, content_type="application/json",
                       headers={"X-Sender": sender, "X-Timestamp": stamp, "X-Signature": signed})


def triage_to_case(client, make, leader, sent: dict) -> int:
    """Confirm the alert; a kind that needs a visit is verified on site through its work order (an officer of
    the squad is sent and resolves it)."""
    response = client.post(f"/api/nonsite/alerts/{sent['id']}/triage", headers=make.headers(leader),
                           json={"decision": "confirmed", "reason": "违法事实清楚"})
    assert response.status_code == 200, response.json
    case = client.get(f"/api/nonsite/cases/{response.json['case_id']}", headers=make.headers(leader)).json
    if case["verification"] == "pending":
        order_id, officer = case["verification_order_id"], make.officer(squad=leader.squad)
        for who, action, fields in ((leader, "assign", {"officer_id": officer.id}), (officer, "start", {}),
                                    (officer, "resolve", {"text": "现场核实属实"})):
            acted = client.post(f"/api/orders/{order_id}/actions", headers=make.headers(who),
                                json={"action": action, **fields})
            assert acted.status_code == 200, acted.json
    return case["id"]


def to_notice(client, make, leader, reviewer, case_id: int, fine: int = 2000) -> dict:
    """Submit the case and approve it in 法制审核: the notice is queued to 随申办; the case as then."""
    submitted = client.post(f"/api/nonsite/cases/{case_id}/submit", headers=make.headers(leader), json={
        "facts": "违法事实", "legal_basis": "《上海市市容环境卫生管理条例》", "fine": fine})
    assert submitted.status_code == 200, submitted.json
    approved = client.post(f"/api/nonsite/cases/{case_id}/review", headers=make.headers(reviewer),
                           json={"approve": True, "comment": "同意"})
    assert approved.status_code == 200, approved.json
    return approved.json


def callback(client, suishenban, event: str, number: str, at: datetime, amount: int | None = None, **extra):
    body, headers = suishenban.callback(event, number, at.isoformat(), amount, **extra)
    return client.post("/api/nonsite/suishenban/callbacks", data=body, content_type="application/json",
                       headers=headers)


class FakeMediaHost:
    """Where the platform keeps its snapshots and clips, on 127.0.0.1: what each name serves, and how slowly
    (`slow` seconds before the first byte)."""

    def __init__(self):
        self.files: dict[str, tuple[bytes, str]] = {}
        self.slow = 0.0
        self.requests: list[str] = []
        self.app = Flask(__name__)
        self.app.add_url_rule("/media/<name>", "media", self._serve)

    def _serve(self, name):
        self.requests.append(name)
        time.sleep(self.slow)
        if name not in self.files:
            return "not found", 404
        data, content_type = self.files[name]
        return data, 200, {"Content-Type": content_type}

    def url(self, name: str, data: bytes | None = None, content_type: str = "image/jpeg") -> str:
        """The address of `name`, serving `data` from now on when given."""
        if data is not None:
            self.files[name] = (data, content_type)
        return f"http://127.0.0.1:{self._server.server_port}/media/{name}"

    def start(self) -> FakeMediaHost:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
