"""The view methods every API module shares, each one line in a MethodView: one object's detail (`detail`),
a new object (`creation`), a change to one object in place (`change`), what a phone may send twice
(`submission`), an Excel download of a report (`xlsx_export`). A list is api/pagination.py `listing`,
a move to the next state is api/transitions.py `transition`; all are built by `method`."""
from __future__ import annotations

from io import BytesIO

from flask import send_file

from backend.api.audit import audit_object
from backend.api.security import auth_required, current_actor
from backend.org.scope import get_visible
from backend.supervision.points.exports import XLSX


def method(blp, call, summary: str, schema, *roles, arguments=None, location: str = "json", status: int = 200,
           alt_responses: tuple = (), etag: bool = False, signed_in: bool = True, content_type: str | None = None,
           description: str | None = None, deferred_auth: bool = False):
    """A view method calling `call(body, **url_ids)` (without the body when there are no `arguments`), open to
    `roles` (anyone signed in when none are given; anyone at all with `signed_in` False: a public page, or a
    platform's call that proves itself with its signature), answering `schema` with `status` (`alt_responses`:
    (status, description[, schema]) it may answer instead; `etag`: a write must carry the ETag in If-Match);
    `summary` is what the OpenAPI document says of it (`content_type`, `description`: of a response that is no
    JSON, as a download; `deferred_auth`: the call checks the token itself, see security.auth_required)."""
    def view(self, *args, **kwargs):
        return call(*args, **kwargs)

    view.__doc__ = summary
    for alt_status, alt_description, *alt_schema in reversed(alt_responses):
        view = blp.alt_response(alt_status, description=alt_description, schema=next(iter(alt_schema), None))(view)
    view = blp.response(status, schema, content_type=content_type, description=description)(view)
    if arguments is not None:
        view = blp.arguments(arguments, location=location)(view)
    if etag:
        view = blp.etag(view)
    return auth_required(blp, *roles, deferred=deferred_auth)(view) if signed_in else view


def visible(model, what: str):
    """A `detail` finder: the object of the URL's id, if it lies in the caller's data scope (else 404)."""
    return lambda actor, object_id: get_visible(model, object_id, actor, what=what)


def detail(blp, schema, summary: str, find, *roles, filters=None, alt_responses: tuple = ()):
    """A GET answering `find(actor, *url_ids, **filters)` in `schema`, the filters read from the query string
    with the `filters` schema (none when it is None)."""
    def call(*query, **ids):
        return find(current_actor(), *ids.values(), **(query[0] if query else {}))

    return method(blp, call, summary, schema, *roles, arguments=filters, location="query",
                  alt_responses=alt_responses)


def creation(blp, arguments, schema, summary: str, create, object_type: str | None, *roles,
             alt_responses: tuple = ()):
    """A POST answering 201 with `create(actor, *url_ids, **body)`, audited as `object_type` with its new id
    (None: the audit row names no object)."""
    def call(body, **ids):
        created = create(current_actor(), *ids.values(), **body)
        if object_type is not None:
            audit_object(object_type, created.id)
        return created

    return method(blp, call, summary, schema, *roles, arguments=arguments, status=201, alt_responses=alt_responses)


def change(blp, arguments, schema, summary: str, operation, object_type: str, *roles, status: int = 200,
           alt_responses: tuple = (), location: str = "json"):
    """A PATCH, PUT or DELETE (or a POST adding to one object) answering `operation(actor, url_id, **body)`,
    audited as `object_type` with the URL's id (`arguments` None: no body; `schema` None: no content)."""
    def call(*body, **ids):
        (object_id,) = ids.values()
        audit_object(object_type, object_id)
        return operation(current_actor(), object_id, **(body[0] if body else {}))

    return method(blp, call, summary, schema, *roles, arguments=arguments, location=location, status=status,
                  alt_responses=alt_responses)


def submission(blp, arguments, schema, summary: str, submit, *roles, location: str = "json",
               alt_responses: tuple = ()):
    """A POST of what a phone may send again (the same client_id): `submit(body, **url_ids)` gives the object
    and whether it is new; 201 with it the first time, 200 with the first result after."""
    def call(body, **ids):
        submitted, new = submit(body, **ids)
        return submitted, 201 if new else 200

    return method(blp, call, summary, schema, *roles, arguments=arguments, location=location, status=201,
                  alt_responses=((200, "同一 client_id 已提交过：返回第一次的结果", schema), *alt_responses))


def xlsx_download(data: bytes, name: str):
    """An Excel workbook answered as a download named `name`."""
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def xlsx_export(blp, arguments, summary: str, rows, workbook, filename: str, *roles):
    """A GET answering an Excel download: `workbook(rows(actor, **query))` (no `workbook`: `rows` gives the
    workbook itself), the query read with the `arguments` schema, the file named `filename.format(**query)`
    (e.g. "report-{month:%Y-%m}.xlsx")."""
    def call(query):
        made = rows(current_actor(), **query)
        return xlsx_download(made if workbook is None else workbook(made), filename.format(**query))

    return method(blp, call, summary, None, *roles, arguments=arguments, location="query", content_type=XLSX,
                  description="Excel 文件")
