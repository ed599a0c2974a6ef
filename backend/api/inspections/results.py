"""Results on site: photos of failed checklist items, the checklist with a rectification deadline, re-inspections."""
from flask import Response, request
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.fields import Date, File, Float, Latitude, Longitude
from backend.api.inspections.plans import ChecklistItemSchema, InspectionPhotoSchema, InspectionSchema
from backend.api.links import download
from backend.api.multipart import Blueprint, read_upload
from backend.api.request_boundary import logged_read
from backend.api.schemas import Schema
from backend.api.security import auth_required, current_actor
from backend.api.views import change, detail, submission
from backend.config import settings
from backend.inspections import results

blp = Blueprint("inspection_results", __name__, url_prefix="/api/inspections",
                description="现场检查：不合格项照片、检查结果、整改期限与复查")


class ResultInputSchema(Schema):
    checklist = fields.List(fields.Nested(ChecklistItemSchema), required=True, validate=validate.Length(min=1, max=100))
    rectify_by = Date(allow_none=True, load_default=None, metadata={
        "description": "整改期限（有不合格项时必填：晚于检查当天，且不超过 INSPECTIONS_MAX_RECTIFY_DAYS 天）",
        "example": "2027-02-15"})


class PhotoFormSchema(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=8, max=64),
                              metadata={"description": "客户端生成的唯一编号（如 UUID）：重传同一照片返回第一次的照片"})
    item = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "跨门营业"})
    photo = File(required=True, metadata={"description": "JPEG 或 PNG（作为该检查的证据进入检查人员的证据链）"})
    lat = Latitude(load_default=None, metadata={"description": "拍摄位置（GCJ-02；不填则用检查对象登记的坐标）",
                                                "example": 31.2297})
    lng = Longitude(load_default=None, metadata={"description": "拍摄位置（GCJ-02，与 lat 同时填写）",
                                                 "example": 121.4553})
    accuracy_m = Float(load_default=None, validate=validate.Range(min=0), metadata={"example": 8.0})


def _add_photo(form: dict, inspection_id: int) -> tuple:
    photo = form.pop("photo")
    data = read_upload(photo, settings().INSPECTIONS_PHOTO_MAX_BYTES)
    audit_object("inspection", inspection_id)
    return results.add_photo(current_actor(), inspection_id, data=data, content_type=photo.mimetype, **form)


@blp.route("/inspections/<int:inspection_id>", endpoint="inspection")
class InspectionById(MethodView):
    get = detail(blp, InspectionSchema, "检查任务详情（抽中的检查人员，或可查看该对象的人员）", results.inspection_for)


@blp.route("/inspections/<int:inspection_id>/photos", endpoint="inspection_photos")
class InspectionPhotos(MethodView):
    post = submission(blp, PhotoFormSchema, InspectionPhotoSchema,
                      "上传检查项的现场照片（不合格项须先上传照片，再提交结果；同一 client_id 重传返回第一次的照片）",
                      _add_photo, location="form",
                      alt_responses=((409, "非抽中人员、已提交结果、抽取已被取代，或 client_id 已用于另一份证据"),))


@blp.route("/inspections/<int:inspection_id>/photos/<int:photo_id>", endpoint="inspection_photo")
@logged_read
@download
class InspectionPhotoFile(MethodView):
    @auth_required(blp)
    @blp.response(200, description="照片文件")
    def get(self, inspection_id, photo_id):
        """查看不合格项的现场照片（证据原件；抽中的检查人员、中队长、区局管理员；每次查看记入审计日志和证据保管日志）"""
        photo, data = results.read_photo(current_actor(), inspection_id, photo_id, address=request.remote_addr)
        response = Response(data, mimetype=photo.evidence.mime)
        extension = "png" if photo.evidence.mime == "image/png" else "jpg"
        response.headers["Content-Disposition"] = f'inline; filename="inspection-{inspection_id}-{photo.id}.' \
                                                  f'{extension}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/inspections/<int:inspection_id>/result", endpoint="inspection_result")
class InspectionResult(MethodView):
    post = change(blp, ResultInputSchema, InspectionSchema,
                  "记录检查结果（检查表逐项；全部合格为合格；不合格须有照片和整改期限，并安排复查；"
                  "检查表标明立案的项不合格即立案）",
                  results.record_result, "inspection", status=201,
                  alt_responses=((409, "非抽中人员、已提交过、抽取已被取代或计划已关闭"),))
