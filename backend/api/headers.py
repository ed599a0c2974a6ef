"""What every answer carries: a request id of a safe shape, nosniff; HTML pages also a CSP and no framing."""
from __future__ import annotations

import re
import secrets
import uuid

from flask import Flask, g, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Scripts only from our own files or inline with this response's nonce; inline styles are allowed (the printed
# notice and Swagger UI use style attributes); images also from the origins a page names (the console's map
# tiles, `allow_image_origin`); nothing may frame a page.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:{images}; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")


def request_id() -> str:
    """The client's X-Request-Id if it is at most 64 of [A-Za-z0-9._-] (it goes into logs), else one of our own."""
    given = request.headers.get("X-Request-Id", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def csp_nonce() -> str:
    """The nonce of this response's inline scripts (`<script nonce="{{ csp_nonce() }}">` in a template)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_image_origin(origin: str) -> None:
    """Let this response's page load images from `origin` (scheme://host[:port]) besides its own."""
    g.setdefault("csp_image_origins", []).append(origin)


def add_security_headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
            nonce=csp_nonce(), images="".join(f" {origin}" for origin in g.pop("csp_image_origins", ())))
        response.headers["X-Frame-Options"] = "DENY"
    return response


def init_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)  # registered first, so it runs last, on the final response
