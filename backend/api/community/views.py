"""Community offices' QR codes and residents' complaints: the residents' JSON API and the squad's handling."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from backend.api.audit import audit_object
from backend.api.community.pages import limit_resident_upload, pages
from backend.api.community.schemas import (
    AssigneeSuggestionSchema,
    ComplaintAssignSchema,
    ComplaintDeadlineSchema,
    ComplaintDeadlineUpdateSchema,
    ComplaintDetailSchema,
    ComplaintEvidenceSchema,
    ComplaintEvidenceWeChatSchema,
    ComplaintMessageSchema,
    ComplaintQueueFilterSchema,
    ComplaintRatingSchema,
    ComplaintReasonSchema,
    ComplaintReplySchema,
    ComplaintSchema,
    ComplaintSubmitSchema,
    ComplaintSubmittedSchema,
    ComplaintTransferSchema,
    OfficeQrSchema,
    PublicComplaintSchema,
    PublicOfficeSchema,
)
from backend.api.evidence.views import EvidenceRecordSchema
from backend.api.links import download
from backend.api.multipart import Blueprint, evidence_form, read_upload
from backend.api.pagination import listing
from backend.api.request_boundary import logged_read
from backend.api.schemas import DistrictChoiceSchema
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import detail, method, submission, visible
from backend.community import dispatch, operations, queries
from backend.community.deadlines import district_deadlines
from backend.community.models import Category, Complaint
from backend.community.qr import qr_png, qr_svg
from backend.community.signing import office_url
from backend.config import settings
from backend.db import utcnow
from backend.errors import NotFound
from backend.org.models import CommunityOffice
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS
from backend.org.scope import get_visible, settings_district
from backend.storage import get_storage

blp = Blueprint("community", __name__, description="社区工作室二维码与市民诉件")

PUBLIC = "/api/community/public"
STAFF = "/api/community"


def client_address() -> str | None:
    """The resident's network address, as the (trusted) proxy in front of the app passed it on."""
    return request.remote_addr


# -- schemas ---------------------------------------------------------------------------------------
# -- the resident (no login) -----------------------------------------------------------------------

@blp.route(f"{PUBLIC}/offices/<office_code>/<int:version>/<signature>", endpoint="public_office")
class PublicOffice(MethodView):
    @blp.response(200, PublicOfficeSchema)
    @blp.alt_response(403, description="签名无效（伪造的二维码）")
    @blp.alt_response(410, description="二维码已更换")
    def get(self, office_code, version, signature):
        """扫码：校验二维码并返回社区工作室与问题类别"""
        return operations.office_for_qr(office_code, version, signature)


@blp.route(f"{PUBLIC}/complaints", endpoint="public_complaints")
class PublicComplaints(MethodView):
    @blp.arguments(ComplaintSubmitSchema, location="form")
    @blp.response(201, ComplaintSubmittedSchema)
    @blp.alt_response(429, description="提交过于频繁")
    def post(self, form):
        """市民提交诉件（multipart 表单，照片字段 photos 最多 4 张）"""
        form.pop("consent")
        photos = form.pop("photos")
        submitted, duplicate = operations.submit_complaint(
            **form_to_submission(form),
            photos=[operations.Photo(read_upload(f, settings().COMMUNITY_PHOTO_MAX_BYTES), f.mimetype)
                    for f in photos],
            address=client_address())
        audit_object("complaint", queries.handled(submitted).id)
        submitted.duplicate = duplicate
        return submitted


@blp.before_request
def _limit_resident_uploads() -> None:
    if request.endpoint == "community.public_complaints":
        limit_resident_upload()


def form_to_submission(form: dict) -> dict:
    """The submission's keyword arguments from a parsed form (the honeypot field is named `website`)."""
    values = dict(form)
    values["honeypot"] = values.pop("website", None)
    return values


@blp.route(f"{PUBLIC}/complaints/<tracking_code>", endpoint="public_complaint")
class PublicComplaint(MethodView):
    @blp.response(200, PublicComplaintSchema)
    @blp.alt_response(404, description="查询码不存在")
    def get(self, tracking_code):
        """按查询码查看诉件进度（不含执法人员个人信息）"""
        return operations.complaint_by_tracking_code(tracking_code)


@blp.route(f"{PUBLIC}/complaints/<tracking_code>/rating", endpoint="public_rating")
class PublicRating(MethodView):
    @blp.arguments(ComplaintRatingSchema)
    @blp.response(200, PublicComplaintSchema)
    @blp.alt_response(409, description="诉件未结案或已评价")
    def post(self, body, tracking_code):
        """结案后评价满意度（1–5 星，只能评价一次）"""
        rated = operations.rate_complaint(tracking_code, **body)
        audit_object("complaint", queries.handled(rated).id)
        return rated


# -- the squad -------------------------------------------------------------------------------------

@blp.route(f"{STAFF}/complaints", endpoint="complaints")
class Complaints(MethodView):
    get = listing(blp, lambda actor, **filters: queries.queue(actor, now=utcnow(), **filters),
                  ComplaintQueueFilterSchema, ComplaintSchema, "诉件队列（数据权限内，按提交时间排序）")


@blp.route(f"{STAFF}/complaints/<int:complaint_id>", endpoint="complaint")
class ComplaintById(MethodView):
    get = detail(blp, ComplaintDetailSchema, "诉件详情与完整时间线", visible(Complaint, "诉件"))


COMPLAINT = f"{STAFF}/complaints/<int:complaint_id>"


def _action(complaint_id: int, operation, *args) -> Complaint:
    audit_object("complaint", complaint_id)
    return operation(current_actor(), complaint_id, *args)


@transition(blp, f"{COMPLAINT}/accept", "accept", ComplaintDetailSchema, *SQUAD_MANAGERS)
def accept(complaint_id):
    """受理（中队长）"""
    return _action(complaint_id, operations.accept_complaint)


@transition(blp, f"{COMPLAINT}/assign", "assign", ComplaintDetailSchema, *SQUAD_MANAGERS,
            arguments=ComplaintAssignSchema)
def assign(body, complaint_id):
    """派单给本中队队员（中队长；未受理的同时受理）"""
    return _action(complaint_id, operations.assign_complaint, body["officer_id"])


@blp.route(f"{STAFF}/complaints/<int:complaint_id>/suggestions", endpoint="suggestions")
class Suggestions(MethodView):
    get = detail(blp, AssigneeSuggestionSchema(many=True),
                 "推荐承办人：在岗且勤务点位或最近巡查位置离诉件最近的队员（勤务跟着投诉走）",
                 lambda actor, complaint_id: dispatch.suggest_officers(visible(Complaint, "诉件")(actor, complaint_id),
                                                                       utcnow()), *SQUAD_MANAGERS)


@transition(blp, f"{COMPLAINT}/start", "start", ComplaintDetailSchema)
def start(complaint_id):
    """开始处理（承办队员）"""
    return _action(complaint_id, operations.start_handling)


@transition(blp, f"{COMPLAINT}/replies", "replies", ComplaintDetailSchema, arguments=ComplaintMessageSchema)
def replies(body, complaint_id):
    """回复市民（承办队员；显示在市民的进度页）"""
    return _action(complaint_id, operations.reply_to_resident, body["message"])


def _attach_upload(form: dict, complaint_id: int):
    return _attach(evidence_form(form), complaint_id)


def _attach(evidence: dict, complaint_id: int):
    audit_object("complaint", complaint_id)
    return operations.attach_evidence(current_actor(), complaint_id, **evidence)


@blp.route(f"{STAFF}/complaints/<int:complaint_id>/evidence", endpoint="evidence")
class ComplaintEvidence(MethodView):
    post = submission(blp, ComplaintEvidenceSchema, EvidenceRecordSchema,
                      "承办队员上传现场取证（进入取证链，关联本诉件；multipart：file 与拍摄时间、位置）",
                      _attach_upload, location="form")


@blp.route(f"{STAFF}/complaints/<int:complaint_id>/evidence/wechat", endpoint="evidence_wechat")
class ComplaintEvidenceFromWeChat(MethodView):
    post = submission(blp, ComplaintEvidenceWeChatSchema, EvidenceRecordSchema,
                      "承办队员以政务微信 media_id 提交现场取证（关联本诉件）", _attach)


@blp.route(f"{STAFF}/complaints/<int:complaint_id>/photos/<int:photo_id>", endpoint="photo")
@logged_read
@download
class PhotoFile(MethodView):
    @auth_required(blp)
    @blp.response(200, description="照片文件")
    def get(self, complaint_id, photo_id):
        """查看市民上传的诉件照片（承办队员、中队长、区局管理员；每次查看记入审计日志）"""
        photo = operations.read_photo(current_actor(), complaint_id, photo_id, address=request.remote_addr)
        return Response(get_storage().get(photo.storage_key), mimetype=photo.mime)


@transition(blp, f"{COMPLAINT}/resolve", "resolve", ComplaintDetailSchema, arguments=ComplaintReplySchema)
def resolve(body, complaint_id):
    """办结并答复市民（承办队员）"""
    return _action(complaint_id, operations.resolve_complaint, body["reply"])


@transition(blp, f"{COMPLAINT}/close", "close", ComplaintDetailSchema, *SQUAD_MANAGERS)
def close(complaint_id):
    """结案（中队长审核办结后）"""
    return _action(complaint_id, operations.close_complaint)


@transition(blp, f"{COMPLAINT}/reject", "reject", ComplaintDetailSchema, *SQUAD_MANAGERS,
            arguments=ComplaintReasonSchema)
def reject(body, complaint_id):
    """不予受理并说明理由（中队长）"""
    return _action(complaint_id, operations.reject_complaint, body["reason"])


@transition(blp, f"{COMPLAINT}/transfer", "transfer", ComplaintDetailSchema, *SQUAD_MANAGERS,
            arguments=ComplaintTransferSchema)
def transfer(body, complaint_id):
    """转办给本区其他中队并说明理由（中队长）"""
    return _action(complaint_id, operations.transfer_complaint, body["squad_id"], body["reason"])


# -- offices' QR codes and deadlines ---------------------------------------------------------------

def _office_qr(office_id: int) -> tuple[CommunityOffice, str]:
    office = get_visible(CommunityOffice, office_id, current_actor(), what="社区工作室")
    return office, office_url(office.code, operations.qr_version(office))


@blp.route(f"{STAFF}/offices/<int:office_id>/qr", endpoint="office_qr")
class OfficeQr(MethodView):
    @auth_required(blp)
    @blp.response(200, OfficeQrSchema)
    def get(self, office_id):
        """社区工作室当前二维码的地址与版本"""
        office, url = _office_qr(office_id)
        return {"office_id": office.id, "version": operations.qr_version(office), "url": url}

    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.response(200, OfficeQrSchema)
    def post(self, office_id):
        """更换二维码（区局管理员）：旧二维码随即失效"""
        audit_object("community_office", office_id)
        qr = operations.regenerate_qr(current_actor(), office_id)
        office, url = _office_qr(office_id)
        return {"office_id": office.id, "version": qr.version, "url": url}


def _qr_file(render, mimetype: str, extension: str, description: str, summary: str):
    """The office's QR code as a file to print (its name under the code)."""
    def get(self, office_id):
        office, url = _office_qr(office_id)
        return Response(render(url, office.name), mimetype=mimetype,
                        headers={"Content-Disposition": f'inline; filename="{office.code}.{extension}"'})

    get.__doc__ = summary
    return auth_required(blp)(blp.response(200, description=description)(get))


@blp.route(f"{STAFF}/offices/<int:office_id>/qr.png", endpoint="office_qr_png")
@download
class OfficeQrPng(MethodView):
    get = _qr_file(qr_png, "image/png", "png", "PNG 图片，下方印有工作室名称", "下载二维码 PNG（打印张贴用）")


@blp.route(f"{STAFF}/offices/<int:office_id>/qr.svg", endpoint="office_qr_svg")
@download
class OfficeQrSvg(MethodView):
    get = _qr_file(qr_svg, "image/svg+xml", "svg", "SVG 矢量图，下方印有工作室名称", "下载二维码 SVG（印刷用）")


@blp.route(f"{STAFF}/deadlines", endpoint="deadlines")
class Deadlines(MethodView):
    get = method(blp, lambda filters: [
        {"category": c, "accept_hours": h, "resolve_days": d}
        for c, (h, d) in district_deadlines(settings_district(current_actor(), filters.get("district_id"))).items()],
                 "本区各类别的受理时限（小时）与办结时限（天）；市局人员指定区局", ComplaintDeadlineSchema(many=True),
                 arguments=DistrictChoiceSchema, location="query", alt_responses=((404, "区局不存在或不在管辖范围内"),))


@blp.route(f"{STAFF}/deadlines/<category>", endpoint="deadline")
class DeadlineByCategory(MethodView):
    @auth_required(blp, *DISTRICT_ADMINS)
    @blp.arguments(ComplaintDeadlineUpdateSchema)
    @blp.response(200, ComplaintDeadlineSchema)
    def put(self, body, category):
        """设置某类别的办理时限（区局管理员；对之后提交的诉件生效）"""
        try:
            category = Category(category)
        except ValueError:
            raise NotFound("没有这个问题类别", code="unknown_category") from None
        row = operations.set_deadline(current_actor(), category, **body)
        audit_object("complaint_deadline", row.id)
        return {"category": row.category, "accept_hours": row.accept_hours, "resolve_days": row.resolve_days}


blp.register_blueprint(pages)  # the residents' HTML pages ride on this blueprint, outside the API document
