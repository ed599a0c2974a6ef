"""一公开: completed inspection results per district, as a JSON feed and as a public page (HTML, no sign-in, no
script), both without the inspectors' or any individual business owner's personal data (results.public_name)."""
from __future__ import annotations

import logging
import math
from types import SimpleNamespace

from flask import g, render_template, request
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from backend.api.boundary import Blueprint
from backend.api.errors import DATABASE_UNAVAILABLE, HTTP_MESSAGES, RETRY_AFTER_SECONDS
from backend.api.fields import Date, Id, Int
from backend.api.pagination import page_of
from backend.api.schemas import Schema
from backend.db import database_unavailable
from backend.errors import DomainError, Invalid
from backend.inspections import queries, results

blp = Blueprint("inspection_public", __name__, url_prefix="/api/inspections/public",
                description="一公开：已完成的检查结果（无需登录）")
pages = Blueprint("inspection_pages", __name__, template_folder="templates", description="一公开页面（HTML，无需登录）")

log = logging.getLogger(__name__)

PAGE_SIZE = 20
RESULTS = {"pass": "合格", "fail": "不合格"}


class PublicResultSchema(Schema):
    object_name = fields.String(metadata={"description": "对象名称（个体工商户不公开名称）",
                                          "example": "静安某某餐饮有限公司"})
    kind_name = fields.String(metadata={"example": "沿街商户"})
    inspected_on = fields.Date()
    result = fields.String(metadata={"description": "合格 / 不合格"})
    rectification = fields.String(allow_none=True,
                                  metadata={"description": "整改中 / 逾期未复查 / 已整改 / 未整改（不合格时）"})


class PublicResultFilterSchema(Schema):
    date_from = Date(metadata={"description": "检查日期自（含）"})
    date_to = Date(metadata={"description": "检查日期至（含）"})
    kind_id = Id(metadata={"description": "对象类型"})
    result = fields.String(validate=validate.OneOf(list(RESULTS)), metadata={"description": "pass 合格 / fail 不合格"})


class PublicPageQuerySchema(PublicResultFilterSchema):
    page = Int(min=1, max=1_000_000, load_default=1)


@blp.route("/<district_code>/results", endpoint="public_results")
class PublicResults(MethodView):
    @blp.arguments(PublicResultFilterSchema, location="query")
    @blp.response(200, PublicResultSchema(many=True))
    @blp.alt_response(404, description="区局不存在")
    @blp.paginate()
    def get(self, filters, pagination_parameters, district_code):
        """一公开：本区已完成的检查结果（对象名称、类型、日期、结果、整改情况；不含检查人员和个体工商户经营者的个人信息），
        无需登录；同样内容的网页：/api/inspections/public/{district_code}"""
        return results.published(page_of(queries.published_results(district_code, **filters), pagination_parameters))


def _form_values() -> dict:
    """The filter as typed, to show it again in the form (bounded: it goes back into the page)."""
    return {name: request.args.get(name, "")[:32] for name in ("date_from", "date_to", "kind_id", "result")}


def _page(status: int = 200, **context):
    context.setdefault("values", _form_values())
    context.setdefault("result_names", RESULTS)
    return render_template("inspections/public.html", **context), status


def _error_page(error: DomainError | HTTPException):
    if isinstance(error, DomainError):
        status, message = error.status, error.message
    else:
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, ("http_error", "请求失败"))[1]
    return _page(status, message=message, request_id=g.get("request_id"))


pages.register_error_handler(DomainError, _error_page)
pages.register_error_handler(HTTPException, _error_page)


@pages.errorhandler(Exception)
def _unexpected(error: Exception):
    """The public sees a page, never the API's JSON: 503 with Retry-After when the database cannot serve now."""
    if database_unavailable(error):  # locked or unreachable: the reader may try again shortly
        g.database_unavailable = True
        page, status = _page(503, message=DATABASE_UNAVAILABLE[1], request_id=g.get("request_id"))
        return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    log.exception("unexpected error on the public inspection page, request %s", g.get("request_id"))
    return _page(500, message="系统暂时出现问题，请稍后再试", request_id=g.get("request_id"))


def _filters() -> tuple[dict, int]:
    """The query string read by the feed's own rules; a bad value is refused (422) with the field's message."""
    args = {name: value for name, value in request.args.items() if value != ""}
    try:
        loaded = PublicPageQuerySchema().load(args, unknown="exclude")
    except ValidationError as error:
        names = {"date_from": "检查日期自", "date_to": "检查日期至", "kind_id": "对象类型", "result": "检查结果",
                 "page": "页码"}
        raise Invalid("；".join(f"{names.get(field, field)}：{'、'.join(map(str, messages))}"
                                for field, messages in error.normalized_messages().items()),
                      code="invalid_filter") from None
    if loaded.get("date_from") and loaded.get("date_to") and loaded["date_from"] > loaded["date_to"]:
        raise Invalid("检查日期的起始日晚于截止日", code="invalid_filter")
    return loaded, loaded.pop("page")


@pages.route("/<district_code>", endpoint="public_page")
def public_page(district_code: str):
    """一公开页面：本区已完成的检查结果，可按对象类型、检查日期、结果筛选，分页"""
    district = queries.public_district(district_code)
    kinds = queries.public_kinds(district)
    try:
        filters, number = _filters()
    except Invalid as error:  # the form again, with the message above it
        return _page(error.status, district=district, kinds=kinds, message=error.message)
    pagination = SimpleNamespace(page=number, page_size=PAGE_SIZE, item_count=0)
    rows = results.published(page_of(queries.published_results(district_code, **filters), pagination))
    total, pages_count = pagination.item_count, max(1, math.ceil(pagination.item_count / PAGE_SIZE))
    links = {name: {**{k: v for k, v in _form_values().items() if v}, "page": n}
             for name, n in (("previous", number - 1), ("next", number + 1)) if 1 <= n <= pages_count}
    return _page(district=district, kinds=kinds, rows=rows, total=total, page=number, pages_count=pages_count,
                 links=links)


blp.register_blueprint(pages)  # the page rides on the feed's blueprint, outside the API document
