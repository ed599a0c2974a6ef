"""The one way to write a state-transition view: a POST on one object that moves it on and answers it."""
from __future__ import annotations

from flask.views import MethodView

from backend.api.audit import audit_object
from backend.api.views import method


def transition(blp, rule: str, endpoint: str, schema, *roles, arguments=None, etag: bool = False,
               alt_responses: tuple = (), audit: str | None = None, status: int = 200,
               deferred_auth: bool = False):
    """Register the decorated function as POST `rule` on `blp`, open to `roles` (anyone signed in when none
    are given), reading its body with `arguments` if any and answering the changed object in `schema` with
    `status` (`alt_responses`: (status, description) pairs it may answer instead; `etag`: the request must carry
    the object's ETag in If-Match; `audit`: the audit row names the URL's object as this type). The function
    takes the body, when there is one, and the URL's ids; its docstring is what the OpenAPI document says of it
    (`deferred_auth`: it checks the token itself, see security.auth_required)."""
    def register(change):
        def call(*args, **ids):
            if audit is not None:
                audit_object(audit, *ids.values())
            return change(*args, **ids)

        post = method(blp, call, change.__doc__, schema, *roles, arguments=arguments, alt_responses=alt_responses,
                      etag=etag, status=status, deferred_auth=deferred_auth)
        blp.route(rule, endpoint=endpoint)(type(endpoint, (MethodView,), {"post": post}))
        return change

    return register
