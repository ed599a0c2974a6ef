"""Signed short-lived download links: a file a signed-in person may read, fetched by a plain URL (an <a href>, a new
tab, a printer's page) without the Authorization header.

`POST /api/downloads/links` (api/downloads.py) signs the API path of a download (query string included) with
itsdangerous under the purpose key "download-link", with the session (bearer token) that asked for it; the link
is that path with `?link=<token>`. A GET of a view class marked `@download` accepts the token instead of the
header: the request then runs as the signer, so the download's own checks (role, data scope) apply as if they
had called it themselves. A link is refused when its signature is wrong (403 link_invalid), when it is used on
another path or query (403 link_mismatch), after DOWNLOAD_LINK_SECONDS (410 link_expired), once the signer's
session has ended (401, as their token would be) and on a path that is no download (403 link_not_allowed).
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from backend.config import settings
from backend.errors import DomainError, Forbidden, Invalid
from backend.keys import purpose_keys
from backend.org.auth import session_officer
from backend.org.models import Officer

PURPOSE = "download-link"
LINK_PARAMETER = "link"


class LinkExpired(DomainError):
    status = 410
    default_code = "link_expired"
    default_message = "下载链接已过期，请重新下载"


DOC_MARK = "x-download-link"


def download(view_class):
    """Mark a view class whose GET answers a file: it accepts a signed download link instead of the header (the
    OpenAPI document gets its `link` parameter: api/openapi.py DownloadLinks)."""
    view_class.download = True
    apidoc = view_class.get.__dict__.setdefault("_apidoc", {})
    apidoc["manual_doc"] = {**apidoc.get("manual_doc", {}), DOC_MARK: True}
    return view_class


def _serializer() -> URLSafeTimedSerializer:
    # itsdangerous takes the keys oldest first and signs with the last: the ring's current key.
    return URLSafeTimedSerializer(list(reversed(purpose_keys(PURPOSE))), salt=PURPOSE)


def _is_download(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(getattr(view, "view_class", None), "download", False))


def _canonical(path: str, query: list[tuple[str, str]]) -> str:
    """A path with its query string in one spelling (parameters sorted), the link's own parameter left out."""
    pairs = sorted((name, value) for name, value in query if name != LINK_PARAMETER)
    return path + ("?" + urlencode(pairs) if pairs else "")


def download_path(address: str) -> str:
    """The canonical API path of a download `address` names, or Invalid link_not_allowed."""
    parts = urlsplit(address or "")
    refused = Invalid("该地址不是可下载的文件接口，不能生成下载链接", code="link_not_allowed",
                      errors={"path": ["该地址不是可下载的文件接口"]})
    if parts.scheme or parts.netloc or not parts.path.startswith("/api/"):
        raise refused
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        raise refused from None
    if not _is_download(endpoint):
        raise refused
    query = parse_qsl(parts.query, keep_blank_values=True)
    _check_query(current_app.view_functions[endpoint].view_class.get, query)
    return _canonical(parts.path, query)


def _check_query(view, query: list[tuple[str, str]]) -> None:
    """Refuse, as the download itself would (422, by field), a query string its schema does not take: the link
    is made for a request that can succeed, and a form shows the refusal beside its field."""
    for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter["in"] == "query":
            schema = parameter["schema"]() if isinstance(parameter["schema"], type) else parameter["schema"]
            try:
                schema.load(dict(pair for pair in query if pair[0] != LINK_PARAMETER))
            except ValidationError as error:
                raise Invalid("输入数据校验失败，请检查各字段", code="validation_error",
                              errors={"query": error.messages}) from None


def sign_link(address: str, token_id: int) -> tuple[str, str]:
    """(the download's canonical path, the link: that path with its token) for the session `token_id`."""
    path = download_path(address)
    token = _serializer().dumps({"p": path, "s": token_id})
    return path, f"{path}{'&' if '?' in path else '?'}{LINK_PARAMETER}={token}"


def take_link() -> None:
    """Before a GET: move a `link` parameter out of the query string (the view's own parameters stay as they
    are, and its schema refuses unknown ones) into `g.download_link`."""
    g.download_link = None
    if request.method in ("GET", "HEAD") and LINK_PARAMETER in request.args:
        g.download_link = request.args.get(LINK_PARAMETER)
        request.args = ImmutableMultiDict([(name, value) for name, value in request.args.items(multi=True)
                                           if name != LINK_PARAMETER])


def link_actor(token: str) -> Officer:
    """The officer who signed `token` for this request's path, or the refusal."""
    try:
        payload = _serializer().loads(token, max_age=settings().DOWNLOAD_LINK_SECONDS)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise Forbidden("下载链接无效", code="link_invalid") from None
    if not _is_download(request.endpoint):
        raise Forbidden("该地址不接受下载链接", code="link_not_allowed")
    if not isinstance(payload, dict) or payload.get("p") != _canonical(request.path, request.args.items(multi=True)):
        raise Forbidden("下载链接与所请求的文件不符", code="link_mismatch")
    return session_officer(payload.get("s"))
