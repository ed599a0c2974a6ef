"""The residents' pages (no login, mobile, Chinese): scan → report → tracking code → timeline → rating."""
from __future__ import annotations

import logging
import math

from flask import g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.errors import DATABASE_UNAVAILABLE, HTTP_MESSAGES, RETRY_AFTER_SECONDS
from backend.api.multipart import read_upload
from backend.community import operations, privacy, queries
from backend.community.models import CATEGORY_NAMES, STATUS_NAMES, Status
from backend.config import settings
from backend.db import LOCAL_TZ, database_unavailable
from backend.errors import DomainError, Invalid

log = logging.getLogger(__name__)

pages = Blueprint("pages", __name__, url_prefix="/c", template_folder="templates",
                  description="市民页面（HTML，无需登录）")

FORM_FIELDS = ("category", "description", "phone", "place", "lat", "lng", "coord_system")
SLACK_BYTES = 1_000_000  # room for the text fields and multipart framing beside the photos


def limit_resident_upload() -> None:
    """Refuse (413) a resident's request larger than four photos and the text, before it is read."""
    request.max_content_length = (operations.MAX_PHOTOS * settings().COMMUNITY_PHOTO_MAX_BYTES
                                  + SLACK_BYTES)


pages.before_request(limit_resident_upload)


@pages.app_template_filter("cn_time")
def cn_time(moment) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M") if moment else ""


def _page(template: str, status: int = 200, **context):
    context.setdefault("categories", CATEGORY_NAMES)
    return render_template(f"community/{template}", **context), status


def _error_page(error: DomainError | HTTPException):
    if isinstance(error, DomainError):
        status, code, message = error.status, error.code, error.message
    else:
        status = error.code or 500
        code, message = HTTP_MESSAGES.get(status, ("http_error", "请求失败"))
        if status == 413:
            message = "上传的照片总大小超出限制，请减少照片数量或选择较小的照片"
    return _page("error.html", status, code=code, message=message, request_id=g.get("request_id"))


pages.register_error_handler(DomainError, _error_page)
pages.register_error_handler(HTTPException, _error_page)


@pages.errorhandler(Exception)
def _unexpected(error: Exception):
    if database_unavailable(error):  # locked or unreachable: the resident may try again shortly
        g.database_unavailable = True
        code, message = DATABASE_UNAVAILABLE
        page, status = _page("error.html", 503, code=code, message=message, request_id=g.get("request_id"))
        return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    log.exception("unexpected error on a resident page, request %s", g.get("request_id"))
    return _page("error.html", 500, code="server_error",
                 message="系统暂时出现问题，请稍后再试", request_id=g.get("request_id"))


def _coordinate(raw: str | None, name: str) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Invalid(f"位置{name}格式不正确", code="bad_coordinates")
    return value


@pages.route("/<office_code>/<int:version>/<signature>", methods=["GET", "POST"], endpoint="report")
def report(office_code: str, version: int, signature: str):
    """市民页面：扫码后的反映问题表单（POST 提交后转到进度页）"""
    office = operations.office_for_qr(office_code, version, signature)
    if request.method == "GET":
        return _page("report.html", office=office, values={})
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    limit = settings().COMMUNITY_PHOTO_MAX_BYTES
    photos = [operations.Photo(read_upload(f, limit), f.mimetype)
              for f in request.files.getlist("photos") if f.filename]
    try:
        if request.form.get("consent") != "yes":
            raise Invalid("请先阅读并勾选同意信息收集说明", code="consent_required")
        submitted, duplicate = operations.submit_complaint(
            office_code=office_code, version=version, signature=signature,
            category=values["category"], description=values["description"], phone=values["phone"],
            place=values["place"], lat=_coordinate(values["lat"], "纬度"), lng=_coordinate(values["lng"], "经度"),
            coord_system=values["coord_system"] or None, photos=photos, address=request.remote_addr,
            honeypot=request.form.get("website"))
    except DomainError as error:
        return _page("report.html", error.status, office=office, values=values, error=error)
    audit_object("complaint", queries.handled(submitted).id)
    return redirect(url_for(".track", tracking_code=submitted.tracking_code,
                            **({"duplicate": 1} if duplicate else {"new": 1})), code=303)


@pages.route("/t", endpoint="lookup")
def lookup():
    """市民页面：输入查询码查询进度"""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".track", tracking_code=privacy.normalize_tracking_code(code)), code=303)
    return _page("lookup.html")


def _track_page(complaint, status: int = 200, **context):
    return _page("track.html", status, complaint=complaint, timeline=queries.public_timeline(complaint),
                 status_names=STATUS_NAMES, tracking_code=privacy.format_tracking_code(complaint.tracking_code),
                 resident_photos=queries.own_photo_count(complaint),
                 can_rate=complaint.status == Status.closed and complaint.rating is None, **context)


@pages.route("/t/<tracking_code>", endpoint="track")
def track(tracking_code: str):
    """市民页面：诉件状态与处理经过（不含执法人员个人信息）"""
    complaint = operations.complaint_by_tracking_code(tracking_code)
    return _track_page(complaint, new=request.args.get("new") == "1", duplicate=request.args.get("duplicate") == "1",
                       rated=request.args.get("rated") == "1")


@pages.route("/t/<tracking_code>/rating", methods=["POST"], endpoint="rate")
def rate(tracking_code: str):
    """市民页面：结案后提交满意度评价"""
    complaint = operations.complaint_by_tracking_code(tracking_code)
    try:
        score = int(request.form.get("score", ""))
    except ValueError:
        score = 0
    try:
        operations.rate_complaint(tracking_code, score=score, comment=request.form.get("comment"))
    except DomainError as error:
        return _track_page(complaint, error.status, error=error)
    audit_object("complaint", queries.handled(complaint).id)
    return redirect(url_for(".track", tracking_code=complaint.tracking_code, rated=1), code=303)
