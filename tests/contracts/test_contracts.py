"""Replay every mini-app contract (miniapp_contracts/*.yaml) and check each answer twice:
against what the app relies on (status, the fields it reads) and against the OpenAPI response schema.

The format is explained in miniapp_contracts/README.md.
"""
from __future__ import annotations

import base64
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from sqlalchemy import select

from backend.community.operations import qr_version
from backend.community.signing import office_signature
from backend.db import local_day, session, utcnow
from backend.duty.models import Post
from backend.nonsite.models import Camera
from backend.nonsite.operations import register_camera, take_alert
from backend.orders.intake import seal_source_key, take
from backend.orders.models import OrderSource, SourceKind
from backend.org.models import CommunityOffice, Officer, Role
from backend.training.live.classes import join_signature
from backend.wechat.login import new_state
from tests import photos
from tests.fake_city_platform import CATEGORY_MAP, STATUS_MAP

CONTRACTS = sorted((Path(__file__).resolve().parents[2] / "miniapp_contracts").glob("*.yaml"))
PLACEHOLDER = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
TIME_OFFSET = re.compile(r"^now([+-]\d+)([mhd])$")
DAY_OFFSET = re.compile(r"^today([+-]\d+)d$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MISSING = object()


def _work_order(squad, spec: dict):
    """An order the squad's city operations centre sent (taken in as the webhook takes it)."""
    source = session.scalars(select(OrderSource).where(OrderSource.squad_id == squad.id)).first()
    if source is None:
        source = OrderSource(district_id=squad.district_id, squad_id=squad.id, name=f"c{uuid.uuid4().hex[:12]}",
                             title="区城运中心", kind=SourceKind.city_platform, key_encrypted=seal_source_key("k" * 40),
                             coord_system="gcj02", category_map=CATEGORY_MAP, status_map=STATUS_MAP)
        session.add(source)
    order, _ = take(source, {"order_id": f"CY{uuid.uuid4().hex[:10]}", "category": spec.get("category", "A0101"),
                             "status": "待受理", "description": spec.get("description", "流动摊贩占道经营"),
                             "place": spec.get("place", "南京西路1266号"), "lat": 31.2271, "lng": 121.4584},
                    utcnow())
    session.commit()
    return order


def _nonsite_alert(squad, spec: dict):
    """An alert the video analysis platform sent for the squad's camera (taken in as the signed API takes it)."""
    camera = session.scalars(select(Camera).where(Camera.squad_id == squad.id)).first()
    if camera is None:
        admin = Officer(badge_no=f"A{uuid.uuid4().hex[:10]}", name="区局管理员", role=Role.district_admin,
                        district_id=squad.district_id)
        session.add(admin)
        camera = register_camera(admin, code=f"CAM{uuid.uuid4().hex[:8]}", name="南京西路口", sender="vision",
                                 place="静安区南京西路 1266 号", lat=31.2271, lng=121.4584,
                                 kinds=["muck_uncovered", "out_of_store"], squad_id=squad.id)
    alert, _ = take_alert(sender="vision", body_sha256=uuid.uuid4().hex, alert_id=uuid.uuid4().hex,
                          camera_code=camera.code, occurred_at=utcnow() - timedelta(minutes=5), kind=spec["kind"],
                          confidence=0.9, plate=spec.get("plate"), shop=spec.get("shop"),
                          images=[{"data": base64.b64encode(_image("photo")).decode(), "content_type": "image/jpeg"}])
    session.commit()
    return alert


def _image(name: str) -> bytes:
    """Test images by name: `photo` (a real photo), `face` (one face, for selfies)."""
    return photos.encode(photos.astronaut() if name == "face" else photos.coffee())


class Replay:
    """The values a contract can refer to: fixtures, earlier answers, `now±N[mhd]`, `uuid`, images."""

    def __init__(self, client, make, fake_wechat):
        self.client, self.make, self.fake_wechat = client, make, fake_wechat
        self.values: dict[str, object] = {}

    # --- fixtures -------------------------------------------------------------------------------

    def build(self, fixtures: dict) -> None:
        district = self.make.district()
        squads = {name: self.make.squad(district, name=name) for name in fixtures.get("squads", ["一中队"])}
        first_squad = next(iter(squads.values()))
        for name, spec in fixtures.get("officers", {}).items():
            role = Role(spec.get("role", "officer"))
            squad = (
                squads[spec["squad"]]
                if "squad" in spec
                else (first_squad if role in (Role.officer, Role.squad_leader) else None)
            )
            officer = self.make.officer(role, squad=squad, district=district, name=spec.get("name", name),
                                        wechat_userid=f"contract-{name}-{uuid.uuid4().hex[:8]}")
            code = f"CODE-{officer.wechat_userid}"
            self.fake_wechat.codes[code] = officer.wechat_userid
            token = self.make.headers(officer, timedelta(hours=2))["Authorization"].removeprefix("Bearer ")
            self.values[name] = {"id": officer.id, "name": officer.name, "badge_no": officer.badge_no,
                                 "wechat_code": code, "wechat_state": new_state(), "squad_id": officer.squad_id,
                                 "token": token}
        for name, spec in fixtures.get("offices", {}).items():
            office = self.make.office(squads[spec["squad"]], name=spec.get("name", name))
            version = qr_version(office)
            self.values[name] = {"id": office.id, "code": office.code, "version": version,
                                 "signature": office_signature(office.code, version)}
        for name, spec in fixtures.get("posts", {}).items():
            post = self.make.post(squads[spec["squad"]], name=spec.get("name", name))
            self.values[name] = {"id": post.id, "lat": post.center_lat, "lng": post.center_lng}
        for name, spec in fixtures.get("shifts", {}).items():
            starts = utcnow() + timedelta(minutes=spec.get("starts_in_minutes", 0))
            shift = self.make.shift(
                self._row(Officer, spec["officer"]),
                starts,
                starts + timedelta(hours=spec.get("hours", 8)),
                post=self._row(Post, spec.get("post")),
            )
            self.values[name] = {"id": shift.id, "day": shift.day.isoformat()}
        for name, spec in fixtures.get("complaints", {}).items():
            office = self._row(CommunityOffice, spec["office"])
            complaint = self.make.complaint(office, description=spec.get("description", "流动摊贩占道经营"))
            self.values[name] = {"id": complaint.id}
        for name, spec in fixtures.get("live_classes", {}).items():
            starts = utcnow() + timedelta(minutes=spec.get("starts_in_minutes", 0))
            live = self.make.live_class(
                self._row(Officer, spec["trainer"]),
                starts,
                starts + timedelta(hours=spec.get("hours", 2)),
                title=spec.get("title", name),
            )
            self.values[name] = {"id": live.id, "sig": join_signature(live.id)}
        for name, spec in fixtures.get("questions", {}).items():
            bank = self.make.question_bank(self._row(Officer, spec["trainer"]))
            question = self.make.question(bank, kind=spec.get("kind", "single"), options=spec["options"],
                                          answer=spec["answer"], stem=spec.get("stem"))
            self.values[name] = {"id": question.id}
        for name, spec in fixtures.get("orders", {}).items():
            order = _work_order(squads[spec.get("squad", next(iter(squads)))], spec)
            self.values[name] = {"id": order.id, "order_id": order.source_order_id}
        for name, spec in fixtures.get("nonsite_alerts", {}).items():
            alert = _nonsite_alert(squads[spec.get("squad", next(iter(squads)))], spec)
            self.values[name] = {"id": alert.id}
        for media_id, image in fixtures.get("wechat_media", {}).items():
            self.fake_wechat.media[media_id] = (_image(image), "image/jpeg")

    def _row(self, model, name):
        return session.get(model, self.values[name]["id"]) if name else None

    # --- templates ------------------------------------------------------------------------------

    def lookup(self, expression: str):
        if expression == "uuid":
            return str(uuid.uuid4())
        if expression == "now":
            return utcnow().isoformat()
        if expression == "today":
            return local_day().isoformat()
        if expression == "month":
            return local_day().replace(day=1).isoformat()
        if match := DAY_OFFSET.match(expression):
            return (local_day() + timedelta(days=int(match[1]))).isoformat()
        if match := TIME_OFFSET.match(expression):
            return (utcnow() + timedelta(**{UNITS[match[2]]: int(match[1])})).isoformat()
        if expression.startswith("image:"):
            return base64.b64encode(_image(expression.removeprefix("image:"))).decode()
        value = dig(self.values, expression)
        assert value is not MISSING, f"{{{{{expression}}}}} names nothing known yet"
        return value

    def fill(self, template):
        """Placeholders replaced; a placeholder that is the whole string keeps the value's type."""
        if isinstance(template, dict):
            return {key: self.fill(value) for key, value in template.items()}
        if isinstance(template, list):
            return [self.fill(value) for value in template]
        if isinstance(template, str):
            whole = PLACEHOLDER.fullmatch(template)
            if whole:
                return self.lookup(whole[1])
            return PLACEHOLDER.sub(lambda m: str(self.lookup(m[1])), template)
        return template

    # --- calls ----------------------------------------------------------------------------------

    def call(self, step: dict, openapi: dict, app):
        request = self.fill(step["request"])
        method, path = request["method"], request["path"]
        headers = dict(request.get("headers", {}))
        if "as" in step:
            headers["Authorization"] = f"Bearer {self.values[step['as']]['token']}"
        kwargs = {"headers": headers, "query_string": request.get("query")}
        if "json" in request:
            kwargs["json"] = request["json"]
        if "form" in request or "files" in request:
            data = {key: str(value).lower() if isinstance(value, bool) else str(value)
                    for key, value in request.get("form", {}).items()}
            for field, images in request.get("files", {}).items():
                data[field] = [(io.BytesIO(_image(image)), f"{image}.jpg", "image/jpeg") for image in images]
            kwargs.update(data=data, content_type="multipart/form-data")
        response = self.client.open(path, method=method, **kwargs)
        label = f"{step['name']}: {method} {path}"
        expect = step["expect"]
        assert response.status_code == expect["status"], (
            f"{label} answered {response.status_code}: {response.get_data(as_text=True)[:500]}"
        )
        body = response.get_json(silent=True)
        for field in expect.get("reads", []):
            assert dig(body, field) is not MISSING, f"{label}: the app reads `{field}`, missing from {body}"
        for field, wanted in self.fill(expect.get("equals", {})).items():
            assert dig(body, field) == wanted, f"{label}: `{field}` is {dig(body, field)!r}, the app expects {wanted!r}"
        check_against_openapi(openapi, app, method, path, response.status_code, body, label)
        self.values[step["name"]] = body


def dig(value, dotted: str):
    """`a.b.0.c` in nested dicts and lists, or MISSING."""
    for part in dotted.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def _nullable_to_jsonschema(node):
    """OpenAPI 3.0 `nullable: true` as JSON Schema's null type."""
    if isinstance(node, dict):
        node = {key: _nullable_to_jsonschema(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable_to_jsonschema(value) for value in node]
    return node


def check_against_openapi(openapi: dict, app, method: str, path: str, status: int, body, label: str) -> None:
    rule, _ = app.url_map.bind("localhost").match(path.split("?")[0], method=method, return_rule=True)
    template = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
    operation = openapi["paths"].get(template, {}).get(method.lower())
    assert operation, f"{label}: {method} {template} is not in the OpenAPI document"
    response = operation["responses"].get(str(status)) or operation["responses"].get("default")
    assert response, f"{label}: status {status} is not documented for {method} {template}"
    if "$ref" in response:
        response = openapi["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or body is None:
        return
    try:
        jsonschema.validate(body, {**schema, "components": openapi["components"]},
                            cls=jsonschema.Draft4Validator)
    except jsonschema.ValidationError as error:
        raise AssertionError(f"{label}: the answer breaks its OpenAPI schema at {list(error.absolute_path)}: "
                             f"{error.message}") from None


@pytest.fixture
def openapi(client) -> dict:
    """The app's OpenAPI document, its `nullable` spelled as JSON Schema."""
    return _nullable_to_jsonschema(client.get("/api/openapi.json").json)


@pytest.mark.parametrize("path", CONTRACTS, ids=[path.stem for path in CONTRACTS])
def test_contract_replays(path, client, make, fake_wechat, app, openapi, monkeypatch):
    monkeypatch.setitem(app.config, "NONSITE_SENDER_KEYS", "vision=contract-vision-key")  # for nonsite_alerts
    contract = yaml.safe_load(path.read_text(encoding="utf-8"))
    replay = Replay(client, make, fake_wechat)
    replay.build(contract.get("fixtures", {}))
    for step in contract["calls"]:
        replay.call(step, openapi, app)


def test_there_is_a_contract_for_every_light_app():
    assert {path.stem for path in CONTRACTS} >= {"duty", "evidence", "complaint", "classroom", "review", "orders",
                                                 "nonsite"}
