"""The request boundary: a request begins with its id and its write intent; it ends committing what succeeded,
rolling back what failed, and auditing both."""
from __future__ import annotations

import logging

from flask import current_app, g, jsonify, request

from backend.api.audit import audit_request
from backend.api.errors import error_body, unavailable_response
from backend.api.headers import request_id
from backend.db import database_unavailable, session, sqlite_writes

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def logged_read(view_class):
    """Mark a view whose GET writes an access row (custody or audit log): on SQLite it takes the write lock up front."""
    view_class.logged_read = True
    return view_class


def begin_request() -> None:
    g.request_id = request_id()
    g.writers = g.roles = frozenset()
    # `g` outlives a request when an app context is reused (tests)
    g.actor = g.audit_object = g.audit_written = g.audit_actor_id = None
    g.database_unavailable = False
    view = current_app.view_functions.get(request.endpoint)
    sqlite_writes.set(
        request.method in WRITE_METHODS or getattr(getattr(view, "view_class", None), "logged_read", False)
    )


def end_request(response):
    """The request boundary: commit what succeeded, roll back what failed, audit both (not a request the database
    could not serve: its audit row would wait for the same lock; it is logged)."""
    try:
        if response.status_code >= 400:
            session.rollback()
            g.audit_written = None  # rolled back with the rest
        if request.method in WRITE_METHODS and not g.get("database_unavailable"):
            audit_request(response.status_code)
        session.commit()
    except Exception as error:
        session.rollback()
        if database_unavailable(error):
            log.warning("commit failed in request %s, database unavailable: %s", g.request_id, error)
            response = unavailable_response()
        else:
            log.exception("commit failed in request %s", g.request_id)
            response = jsonify(
                error_body(500, "server_error", "保存失败，请重试")
            )  # after_request: a response, not a tuple
            response.status_code = 500
    response.headers["X-Request-Id"] = g.request_id
    return response
