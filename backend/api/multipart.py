"""Multipart bodies: a form's fields and its files in one schema, documented as one OpenAPI 3 request body.

flask-smorest documents only the first body location of an operation as its request body: a second
`@arguments(..., location="files")` beside `location="form"` left the form fields as `in: formData`
parameters, which OpenAPI 3 does not have, so validators refused the document and client generators
dropped the fields. On these blueprints `location="form"` reads the fields and the files of a
multipart/form-data body together (input errors stay under `errors.form`).
"""
from __future__ import annotations

from werkzeug.datastructures import CombinedMultiDict, FileStorage

from backend.api import boundary
from backend.config import settings


class _Parser(boundary.JsonParser):
    __location_map__ = {**boundary.JsonParser.__location_map__, "form": "load_form_and_files"}

    def load_form_and_files(self, req, schema):
        self.load_form(req, schema)  # refuses text no column can store, as in any form
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


def read_upload(upload: FileStorage, limit: int) -> bytes:
    """An uploaded file, read no further than `limit` + 1 bytes: a larger one is never held whole, and the
    domain, which names its own limit, sees it is too large and refuses it (422 file_too_large)."""
    return upload.stream.read(limit + 1)


def evidence_form(form: dict) -> dict:
    """An evidence form's fields with its `file` read as `data` (no further than the larger of the photo and
    video limits; evidence judges which one applies) and its `content_type`."""
    upload = form.pop("file")
    limit = max(settings().EVIDENCE_MAX_IMAGE_BYTES, settings().EVIDENCE_MAX_VIDEO_BYTES)
    return dict(form, data=read_upload(upload, limit), content_type=upload.mimetype)


class Blueprint(boundary.Blueprint):
    """A blueprint whose `location="form"` arguments are multipart bodies with their files."""

    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**boundary.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form": "multipart/form-data"}
