"""Results on site: photos of failed checklist items, the checklist with a rectification deadline, re-inspections."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.fields import Date, File
from backend.api.inspections.plans import ChecklistItemSchema, InspectionPhotoSchema, InspectionSchema
from backend.api.multipart import Blueprint, read_upload
from backend.api.schemas import Schema
from backend.api.views import change
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
    item = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "跨门营业"})
    photo = File(required=True, metadata={"description": "JPEG 或 PNG"})


def _add_photo(actor, inspection_id: int, *, item: str, photo):
    data = read_upload(photo, settings().INSPECTIONS_PHOTO_MAX_BYTES)
    return results.add_photo(actor, inspection_id, item=item, data=data, content_type=photo.mimetype)


@blp.route("/inspections/<int:inspection_id>/photos", endpoint="inspection_photos")
class InspectionPhotos(MethodView):
    post = change(blp, PhotoFormSchema, InspectionPhotoSchema,
                  "上传检查项的现场照片（不合格项须先上传照片，再提交结果）", _add_photo, "inspection",
                  status=201, location="form", alt_responses=((409, "非抽中人员、已提交结果或抽取已被取代"),))


@blp.route("/inspections/<int:inspection_id>/result", endpoint="inspection_result")
class InspectionResult(MethodView):
    post = change(blp, ResultInputSchema, InspectionSchema,
                  "记录检查结果（检查表逐项；全部合格为合格；不合格须有照片和整改期限，并安排复查；"
                  "检查表标明立案的项不合格即立案）",
                  results.record_result, "inspection", status=201,
                  alt_responses=((409, "非抽中人员、已提交过、抽取已被取代或计划已关闭"),))
