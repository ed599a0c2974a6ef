"""Who is calling: the bearer token on the request, and role checks."""
from __future__ import annotations

import functools

from flask import g, request
from werkzeug.exceptions import HTTPException

from backend.api.links import link_actor
from backend.errors import DomainError, Forbidden
from backend.org.auth import authenticate
from backend.org.models import ROLE_NAMES, Officer, Role
from backend.org.roles import OBSERVERS

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_actor() -> Officer:
    """The signed-in officer of this request (401 without a valid token; 403 when an observer tries a change
    the endpoint does not name their role for). Without the header, a download's GET takes a signed download
    link (api/links.py) and runs as its signer."""
    if g.get("actor") is None:
        token = bearer_token()
        link = g.get("download_link") if token is None else None
        actor = link_actor(link) if link is not None else authenticate(token)
        if (actor.role in OBSERVERS and request.method not in SAFE_METHODS
                and actor.role not in g.get("writers", frozenset())):
            raise Forbidden(f"{ROLE_NAMES[actor.role]}只能查看，无权修改", code="read_only_role")
        g.actor = actor
    return g.actor


def authorised_actor() -> Officer:
    """`current_actor`, of one of the roles the endpoint is open to (403 otherwise)."""
    actor = current_actor()
    roles = g.get("roles")
    if roles and actor.role not in roles:
        raise Forbidden("您的角色无权执行此操作", code="role_forbidden")
    return actor


def auth_required(blp, *roles: Role, observers_too: bool = False, deferred: bool = False):
    """Require a valid token (and one of `roles`, if given); documents the security scheme. An observer (city
    staff, a town leader) changes something only where `roles` names them, or `observers_too` (their own
    session: logging out).

    `deferred`: the view checks the token itself, in its own statement, where a hot path folds the check into
    its one write (quizzes.answer_by_token); it calls `authorised_actor` for whatever that statement refuses. A
    request the view fails in any way (its body too) is first authenticated, so 401 and 403 still come before
    anything else."""
    writers = frozenset(OBSERVERS) if observers_too else frozenset(roles)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.writers = writers
            g.roles = frozenset(roles)
            if not deferred:
                authorised_actor()
                return view(*args, **kwargs)
            try:
                return view(*args, **kwargs)
            except (DomainError, HTTPException):
                if g.get("actor") is None:
                    authorised_actor()
                raise

        responses = {"401": {"description": "未登录或登录已失效"}}
        if roles:
            responses["403"] = {"description": "角色无权执行此操作"}
        return blp.doc(security=[{"bearer": []}], responses=responses)(wrapper)

    return decorator
