"""Who is calling: the bearer token on the request, and role checks."""
from __future__ import annotations

import functools

from flask import g, request

from backend.errors import Forbidden
from backend.org.auth import authenticate
from backend.org.models import Officer, Role


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_actor() -> Officer:
    """The signed-in officer of this request (401 without a valid token)."""
    if g.get("actor") is None:
        g.actor = authenticate(bearer_token())
    return g.actor


def auth_required(blp, *roles: Role):
    """Require a valid token (and one of `roles`, if given); documents the security scheme."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if roles and actor.role not in roles:
                raise Forbidden("您的角色无权执行此操作", code="role_forbidden")
            return view(*args, **kwargs)

        responses = {"401": {"description": "未登录或登录已失效"}}
        if roles:
            responses["403"] = {"description": "角色无权执行此操作"}
        return blp.doc(security=[{"bearer": []}], responses=responses)(wrapper)

    return decorator
