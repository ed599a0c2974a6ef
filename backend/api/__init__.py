"""HTTP only: `init_api` builds the flask-smorest Api and registers every blueprint.

Beside it: `errors` (the one error body), `openapi` (what the document says beyond the schemas),
`request_boundary` (commit or roll back, audit), `audit`, `headers`, `schemas`, `security`, `pagination`.
"""
from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from backend.api.boundary import check_request
from backend.api.errors import (
    ErrorSchema,
    domain_error,
    http_error_response,
    unexpected_error,
)
from backend.api.headers import init_headers
from backend.api.links import take_link
from backend.api.openapi import DownloadLinks, NotFoundForIds, decimal_as_text, default_example
from backend.api.request_boundary import begin_request, end_request
from backend.api.schemas import openapi_type
from backend.db import session
from backend.domains import DOMAINS
from backend.errors import DomainError
from backend.registry import resolve


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs: a number beyond a database integer, or written in other than ASCII digits (full-width
    "１２３", which `int()` reads as 123), is simply not found (404), not a database error or another object."""

    regex = r"[0-9]+"

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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
                                            "extra_plugins": [NotFoundForIds(), DownloadLinks()]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.ma_plugin.converter.add_attribute_function(decimal_as_text)
    api.ma_plugin.converter.add_attribute_function(default_example)
    api.ma_plugin.converter.add_attribute_function(openapi_type)

    swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)
    app.add_url_rule("/api/docs/static/<path:filename>", "swagger_static",
                     lambda filename: send_from_directory(swagger_dir, filename))

    for blueprint in (blueprint for domain in DOMAINS for blueprint in domain.blueprints):
        api.register_blueprint(resolve(blueprint))

    init_headers(app)
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(Exception, unexpected_error)
    app.before_request(begin_request)
    app.before_request(check_request)
    app.before_request(take_link)
    app.after_request(end_request)
    app.teardown_request(lambda _exc: session.remove())
    app.teardown_appcontext(lambda _exc: session.remove())
    return api
