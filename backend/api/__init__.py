"""HTTP only: the flask-smorest Api, the error body, the request boundary that commits, the audit."""
from __future__ import annotations

import logging
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path

import marshmallow as ma
import swagger_ui_bundle
from apispec import BasePlugin
from flask import Flask, current_app, g, jsonify, request, send_from_directory
from flask_smorest import Api
from sqlalchemy import insert
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from backend.api.headers import init_headers, request_id
from backend.api.schemas import openapi_type
from backend.audit import AuditEntry
from backend.db import session, sqlite_writes
from backend.errors import DomainError

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    412: ("precondition_failed", "数据已被他人修改，请刷新后重试"),
    413: ("too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "输入数据校验失败，请检查各字段"),
    428: ("precondition_required", "修改前请带上 If-Match（先读取数据获得 ETag）"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    """The one error body of the API: HTTP status, machine code, Chinese message, field errors."""
    body = {"code": status, "status": HTTPStatus(status).phrase, "error": code, "message": message, "request_id": g.get("request_id")}
    if errors:
        body["errors"] = _text_keys(errors)
    return body


def _text_keys(errors):
    """Field errors with every key as text (a form field may arrive with no name at all)."""
    if isinstance(errors, dict):
        return {str(key): _text_keys(value) for key, value in errors.items()}
    return errors


def http_error_response(error: HTTPException):
    """An HTTP error (routing, webargs validation, ETag checks) in the API's error body."""
    code, message = HTTP_MESSAGES.get(error.code, ("http_error", error.description or "请求失败"))
    data = getattr(error, "data", {}) or {}
    errors = data.get("messages")
    if errors and error.code == 400 and "Invalid JSON body." in str(errors):
        code, message, errors = "malformed_json", "请求体不是有效的 JSON", None
    body = error_body(error.code, code, message, errors)
    return jsonify(body), error.code, data.get("headers", {})


def _decimal_as_text(_converter, field, ret, **_kwargs) -> dict:
    """Decimal fields the API writes as text ("2.0"): documented as decimal strings, bounds as numbers."""
    if not (isinstance(field, ma.fields.Decimal) and field.as_string):
        return {}
    for key in ("minimum", "maximum"):
        if key in ret:
            ret[f"x-{key}"] = float(Decimal(ret.pop(key)))
    return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}


# Examples for fields that carry none of their own, by name, then by type (Swagger UI and the committed
# openapi.json show them; a field's own `metadata={"example": ...}` always wins).
EXAMPLES_BY_NAME = {
    "client_id": "6f1c2a9e-5b7d-4c1e-9a2b-8d6f0e4c7b21", "lat": 31.2304, "lng": 121.4737, "coord_system": "gcj02",
    "accuracy_m": 10, "reason": "协助处置突发占道经营", "note": "情况属实", "message": "已到现场，正在处置",
    "reply": "已劝离流动摊贩并清理现场", "comment": "处理及时", "description": "人行道上有流动摊贩占道经营",
    "place": "静安区南京西路 1266 号", "name": "南京西路东段", "title": "文明执法规范", "phone": "13912345678",
    "badge_no": "31010001", "password": "Chengguan#2026", "media_id": "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0",
    "code": "CODE-from-wechat-oauth", "sig": "Zk9lYk1hR2xZbTQ", "stem": "执法人员着装应当？", "content": "已按要求整改",
    "problem": "执法记录仪未全程开启", "requirement": "立即整改并书面说明", "url": "https://learn.example.gov.cn/c/1",
    "organisation": "上海市城管执法局培训中心", "wechat_userid": "zhangwei", "subject_ref": "沪静城罚〔2026〕1号",
    "explanation": "依据执法规范第十二条", "stream_url": "https://live.example.gov.cn/room/1", "category": "classroom",
    "tags": ["着装"], "options": ["亮证", "告知", "劝离", "罚款"], "answer": [0], "classroom": "智慧教室",
    "officer_ids": [1024, 1025], "course_ids": [3], "evidence_ids": [501], "type_code": "uniform", "tag": "着装",
    "squad": "一中队", "officer_badge_no": "31010001", "withdrawal_reason": "当事人主动纠正", "revocation_reason": "事实不清",
    "withdrawal_approved_by": "张科长", "revocation_approved_by": "张科长", "selfie": "/9j/4AAQSkZJRgABAQAAAQABAAD...",
}
EXAMPLES_BY_TYPE = {
    ma.fields.AwareDateTime: "2026-06-01T08:30:00+08:00", ma.fields.DateTime: "2026-06-01T08:30:00+08:00",
    ma.fields.Date: "2026-06-01", ma.fields.Time: "08:30", ma.fields.Boolean: True, ma.fields.Integer: 1,
    ma.fields.Float: 1.5, ma.fields.Decimal: "2.0",
}


def _default_example(_converter, field, ret, **_kwargs) -> dict:
    """An example for a documented field that has none: its first allowed value, or by name, or by type."""
    if "example" in ret or "$ref" in ret or ret.get("type") in ("object", "array") and field.name not in EXAMPLES_BY_NAME:
        return {}
    if ret.get("enum"):
        return {"example": ret["enum"][0]}
    if field.name in EXAMPLES_BY_NAME:
        return {"example": EXAMPLES_BY_NAME[field.name]}
    for field_type, example in EXAMPLES_BY_TYPE.items():
        if isinstance(field, field_type):
            return {"example": example}
    return {}


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs: a number beyond a database integer is simply not found (404), not a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class NotFoundForIds(BasePlugin):
    """Every operation on a URL with an object id documents the 404 it answers outside scope."""

    def operation_helper(self, path=None, operations=None, **_kwargs):
        if "{" not in (path or ""):
            return
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            if 404 not in responses and "404" not in responses:
                responses["404"] = {"description": "不存在或不在数据权限内"}


class ErrorSchema(ma.Schema):
    """The error body of every 4xx/5xx answer (see `error_body`)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP 状态码", "example": 404})
    status = ma.fields.String(required=True, metadata={"description": "HTTP 状态名", "example": "Not Found"})
    error = ma.fields.String(required=True, metadata={"description": "机器可读的错误代码", "example": "not_found"})
    message = ma.fields.String(required=True, metadata={"description": "给用户看的中文说明", "example": "请求的地址不存在"})
    request_id = ma.fields.String(allow_none=True, metadata={"description": "请求号（报障时提供）"})
    errors = ma.fields.Dict(metadata={"description": "逐字段的错误（输入校验失败时）"})


class ChengguanApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        return http_error_response(error)


def init_api(app: Flask) -> Api:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(
        API_TITLE="智慧城管 API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
    )
    api = ChengguanApi(app, spec_kwargs={"info": {"description": "政务微信轻应用与管理端调用的接口"},
                                            "extra_plugins": [NotFoundForIds()]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.ma_plugin.converter.add_attribute_function(_decimal_as_text)
    api.ma_plugin.converter.add_attribute_function(_default_example)
    api.ma_plugin.converter.add_attribute_function(openapi_type)

    swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)
    app.add_url_rule("/api/docs/static/<path:filename>", "swagger_static",
                     lambda filename: send_from_directory(swagger_dir, filename))

    from backend.api import health
    from backend.api.community import views as community
    from backend.api.duty import attendance as duty_attendance, views as duty
    from backend.api.evidence import views as evidence
    from backend.api.org import auth, views as org
    from backend.api.outbox import views as outbox
    from backend.api.supervision import cases, findings, points
    from backend.api.training import classroom, courses as training, drills, exams, live_classes
    from backend.api.wechat import views as wechat

    for module in (health, auth, org, wechat, community, evidence, duty, duty_attendance, training, live_classes, exams,
                   findings, cases, points, drills, classroom, outbox):
        api.register_blueprint(module.blp)

    init_headers(app)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(lambda _exc: session.remove())
    app.teardown_appcontext(lambda _exc: session.remove())
    return api


def logged_read(view_class):
    """Mark a view whose GET writes an access row (custody or audit log): on SQLite it takes the write lock up front."""
    view_class.logged_read = True
    return view_class


def _begin_request() -> None:
    g.request_id = request_id()
    g.actor = g.audit_object = None  # `g` outlives a request when an app context is reused (tests)
    view = current_app.view_functions.get(request.endpoint)
    sqlite_writes.set(request.method in WRITE_METHODS or getattr(getattr(view, "view_class", None), "logged_read", False))


def _domain_error(error: DomainError):
    return jsonify(error_body(error.status, error.code, error.message, error.errors)), error.status


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):  # routing errors outside the Api's blueprints
        return http_error_response(error)
    log.exception("unexpected error in request %s", g.get("request_id"))
    message = f"服务器内部错误，请联系管理员并提供请求号 {g.get('request_id')}"
    return jsonify(error_body(500, "server_error", message)), 500


def audit_object(object_type: str, object_id) -> None:
    """Name the object a state-changing request is about, for its audit row."""
    g.audit_object = (object_type, str(object_id))


# The audit row of a state-changing request: a plain INSERT built once, returning nothing, as the ORM's unit
# of work costs more than the row itself on every write.
_AUDIT_ROW = insert(AuditEntry.__table__).inline()


def _audit_request(outcome: int) -> None:
    object_type, object_id = g.audit_object or (None, None)
    actor = g.get("actor")
    session.execute(_AUDIT_ROW, {
        "actor_id": actor.id if actor is not None else None,
        "action": f"{request.method} {request.endpoint}",
        "object_type": object_type,
        "object_id": object_id,
        "address": request.remote_addr,
        "request_id": g.request_id,
        "outcome": outcome,
    })


def _end_request(response):
    """The request boundary: commit what succeeded, roll back what failed, audit both."""
    if response.status_code >= 400:
        session.rollback()
    try:
        if request.method in WRITE_METHODS:
            _audit_request(response.status_code)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("commit failed in request %s", g.request_id)
        response = jsonify(error_body(500, "server_error", "保存失败，请重试"))  # after_request: a response, not a tuple
        response.status_code = 500
    response.headers["X-Request-Id"] = g.request_id
    return response
