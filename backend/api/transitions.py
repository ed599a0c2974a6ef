"""The one way to write a state-transition view: a POST on one object that moves it on and answers it."""
from __future__ import annotations

from flask.views import MethodView

from backend.api.security import auth_required


def transition(blp, rule: str, endpoint: str, schema, *roles, arguments=None, etag: bool = False,
               alt_responses: tuple = ()):
    """Register the decorated function as POST `rule` on `blp`, open to `roles` (anyone signed in when none
    are given), reading its body with `arguments` if any and answering the changed object in `schema`
    (`alt_responses`: (status, description) pairs it may answer instead; `etag`: the request must carry the
    object's ETag in If-Match). The function takes the body, when there is one, and the URL's ids; its
    docstring is what the OpenAPI document says of it."""
    def register(change):
        def post(self, *args, **kwargs):
            return change(*args, **kwargs)

        post.__doc__ = change.__doc__
        for status, description in reversed(alt_responses):
            post = blp.alt_response(status, description=description)(post)
        post = blp.response(200, schema)(post)
        if arguments is not None:
            post = blp.arguments(arguments)(post)
        if etag:
            post = blp.etag(post)
        view = type(endpoint, (MethodView,), {"post": auth_required(blp, *roles)(post)})
        blp.route(rule, endpoint=endpoint)(view)
        return change

    return register
