"""The request boundary: a request begins with its id and its write intent; it ends committing what succeeded,
rolling back what failed, and auditing both."""
from __future__ import annotations

import logging

from flask import current_app, g, jsonify, request

from backend.api.audit import audit_request
from backend.api.errors import error_body
from backend.api.headers import request_id
from backend.db import session, sqlite_writes

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def logged_read(view_class):
    """Mark a view whose GET writes an access row (custody or audit log): on SQLite it takes the write lock up front."""
    view_class.logged_read = True
    return view_class


def begin_request() -> None:
    g.request_id = request_id()
    g.writers = frozenset()
    g.actor = g.audit_object = None  # `g` outlives a request when an app context is reused (tests)
    view = current_app.view_functions.get(request.endpoint)
    sqlite_writes.set(
        request.method in WRITE_METHODS or getattr(getattr(view, "view_class", None), "logged_read", False)
    )


def end_request(response):
    """The request boundary: commit what succeeded, roll back what failed, audit both."""
    if response.status_code >= 400:
        session.rollback()
    try:
        if request.method in WRITE_METHODS:
            audit_request(response.status_code)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("commit failed in request %s", g.request_id)
        response = jsonify(
            error_body(500, "server_error", "保存失败，请重试")
        )  # after_request: a response, not a tuple
        response.status_code = 500
    response.headers["X-Request-Id"] = g.request_id
    return response
