"""The one error body of the API, the HTTP errors' machine codes and Chinese messages, the error handlers."""
from __future__ import annotations

import logging
from http import HTTPStatus

import marshmallow as ma
from flask import g, jsonify
from werkzeug.exceptions import HTTPException

from backend.db import database_unavailable
from backend.errors import DomainError

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    412: ("precondition_failed", "数据已被他人修改，请刷新后重试"),
    413: ("too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "输入数据校验失败，请检查各字段"),
    428: ("precondition_required", "修改前请带上 If-Match（先读取数据获得 ETag）"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}

# A database that cannot serve now (locked, unreachable): 503, and when to try again (an example default).
DATABASE_UNAVAILABLE = ("database_unavailable", "系统繁忙（数据库暂时无法处理），请稍后重试")
RETRY_AFTER_SECONDS = 5


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    """The one error body of the API: HTTP status, machine code, Chinese message, field errors."""
    body = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "error": code,
        "message": message,
        "request_id": g.get("request_id"),
    }
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


class ErrorSchema(ma.Schema):
    """The error body of every 4xx/5xx answer (see `error_body`)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP 状态码", "example": 404})
    status = ma.fields.String(required=True, metadata={"description": "HTTP 状态名", "example": "Not Found"})
    error = ma.fields.String(required=True, metadata={"description": "机器可读的错误代码", "example": "not_found"})
    message = ma.fields.String(
        required=True, metadata={"description": "给用户看的中文说明", "example": "请求的地址不存在"}
    )
    request_id = ma.fields.String(allow_none=True, metadata={"description": "请求号（报障时提供）"})
    errors = ma.fields.Dict(metadata={"description": "逐字段的错误（输入校验失败时）"})


def domain_error(error: DomainError):
    return jsonify(error_body(error.status, error.code, error.message, error.errors)), error.status


def unavailable_response():
    """503 database_unavailable with Retry-After: the request may succeed when tried again."""
    g.database_unavailable = True
    response = jsonify(error_body(503, *DATABASE_UNAVAILABLE))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):  # routing errors outside the Api's blueprints
        return http_error_response(error)
    if database_unavailable(error):
        log.warning("database unavailable in request %s: %s", g.get("request_id"), error)
        return unavailable_response()
    log.exception("unexpected error in request %s", g.get("request_id"))
    message = f"服务器内部错误，请联系管理员并提供请求号 {g.get('request_id')}"
    return jsonify(error_body(500, "server_error", message)), 500
