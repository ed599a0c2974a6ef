"""HTTP only: the flask-smorest Api, the error body, the request boundary that commits, the audit."""
from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from pathlib import Path

import swagger_ui_bundle
from flask import Flask, g, jsonify, request, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

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
        body["errors"] = errors
    return body


def http_error_response(error: HTTPException):
    """An HTTP error (routing, webargs validation, ETag checks) in the API's error body."""
    code, message = HTTP_MESSAGES.get(error.code, ("http_error", error.description or "请求失败"))
    data = getattr(error, "data", {}) or {}
    errors = data.get("messages")
    if errors and error.code == 400 and "Invalid JSON body." in str(errors):
        code, message, errors = "malformed_json", "请求体不是有效的 JSON", None
    body = error_body(error.code, code, message, errors)
    return jsonify(body), error.code, data.get("headers", {})


class ChengguanApi(Api):
    def handle_http_exception(self, error: HTTPException):
        return http_error_response(error)


def init_api(app: Flask) -> Api:
    app.config.update(
        API_TITLE="智慧城管 API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
    )
    api = ChengguanApi(app, spec_kwargs={"info": {"description": "政务微信轻应用与管理端调用的接口"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})

    swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)
    app.add_url_rule("/api/docs/static/<path:filename>", "swagger_static",
                     lambda filename: send_from_directory(swagger_dir, filename))

    from backend.api import auth, health, org

    for module in (health, auth, org):
        api.register_blueprint(module.blp)

    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(lambda _exc: session.remove())
    app.teardown_appcontext(lambda _exc: session.remove())
    return api


def _begin_request() -> None:
    g.request_id = request.headers.get("X-Request-Id", "")[:32] or uuid.uuid4().hex
    g.actor = g.audit_object = None  # `g` outlives a request when an app context is reused (tests)
    sqlite_writes.set(request.method in WRITE_METHODS)


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


def _end_request(response):
    """The request boundary: commit what succeeded, roll back what failed, audit both."""
    if response.status_code >= 400:
        session.rollback()
    if request.method in WRITE_METHODS:
        object_type, object_id = g.audit_object or (None, None)
        actor = g.get("actor")
        session.add(AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=f"{request.method} {request.endpoint}",
            object_type=object_type,
            object_id=object_id,
            address=request.remote_addr,
            request_id=g.request_id,
            outcome=response.status_code,
        ))
    try:
        session.commit()
    except Exception:
        session.rollback()
        log.exception("commit failed in request %s", g.request_id)
        return jsonify(error_body(500, "server_error", "保存失败，请重试")), 500
    response.headers["X-Request-Id"] = g.request_id
    return response
