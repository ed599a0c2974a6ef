"""The bad-input table of issue 4: each gets a clear 4xx in Chinese, and nothing is stored — no row, no file."""
import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.db import session
from backend.evidence.models import Evidence
from tests import photos
from tests.evidence.helpers import details, mp4_bytes, stored_files, unique_jpeg, unique_photo, upload


def _malformed_exif() -> bytes:
    data = unique_jpeg(taken="2026:11:23 09:55:00")
    start = data.index(b"Exif\x00\x00") + 6 + 4  # the offset of the first directory
    return data[:start] + b"\x00\xff\xff\xff" + data[start + 4:]


def _bomb() -> bytes:
    return photos.encode(Image.new("1", (20000, 20000)), "PNG")


def _too_long_video(app, monkeypatch) -> bytes:
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_VIDEO_SECONDS", 1)
    return mp4_bytes(seconds=2)


def _too_large_video(app, monkeypatch) -> bytes:
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_VIDEO_BYTES", 1000)
    return mp4_bytes()


def _webm() -> bytes:
    """A real WebM (VP8 in Matroska), made with PyAV: a video, but not in the MP4 container."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for _ in range(10):
            container.mux(stream.encode(av.VideoFrame.from_image(unique_photo().resize((160, 120)))))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _too_large(app, monkeypatch) -> bytes:
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_IMAGE_BYTES", 10_000)
    return unique_jpeg()


# case: (make bytes (optionally from app, monkeypatch), declared content type, status, error code)
UPLOADS = {
    "truncated jpeg": (lambda: unique_jpeg()[:15000], "image/jpeg", 422, "not_an_image"),
    "png decompression bomb": (_bomb, "image/png", 422, "too_many_pixels"),
    "64-megapixel png of a few kilobytes": (photos.many_pixels_png, "image/png", 422, "too_many_pixels"),
    "polyglot: jpeg + script": (lambda: unique_jpeg() + b"<script>alert(document.cookie)</script>", "image/jpeg",
                                422, "trailing_data"),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml", 422,
            "not_an_image"),
    "0-byte file": (lambda: b"", "image/jpeg", 422, "not_an_image"),
    "over the size limit": (_too_large, "image/jpeg", 422, "file_too_large"),
    "wrong content type": (lambda: photos.encode(unique_photo(), "PNG"), "image/jpeg", 422, "type_mismatch"),
    "jpeg sent as a video": (unique_jpeg, "video/mp4", 422, "type_mismatch"),
    "malformed exif": (_malformed_exif, "image/jpeg", 422, "exif_malformed"),
    "truncated mp4": (lambda: mp4_bytes()[:-200], "video/mp4", 422, "not_a_video"),
    "mp4 + appended script": (lambda: mp4_bytes() + b"<script>alert(1)</script>", "video/mp4", 422, "not_a_video"),
    "video over the duration limit": (_too_long_video, "video/mp4", 422, "video_too_long"),
    "video over the size limit": (_too_large_video, "video/mp4", 422, "file_too_large"),
    "webm video (not an mp4 container)": (lambda: _webm(), "video/webm", 422, "not_a_video"),
    "webm declared as mp4": (lambda: _webm(), "video/mp4", 422, "not_a_video"),
}


def _count_evidence() -> int:
    return session.scalar(select(func.count()).select_from(Evidence))


def _assert_refused(response, status, code, app, files_before, rows_before):
    assert response.status_code == status, response.json
    assert response.json["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    assert _count_evidence() == rows_before
    assert stored_files(app) == files_before


@pytest.mark.parametrize("case", UPLOADS, ids=list(UPLOADS))
def test_bad_upload_is_refused_and_nothing_is_stored(case, client, make, app, monkeypatch):
    build, content_type, status, code = UPLOADS[case]
    data = build(app, monkeypatch) if build in (_too_long_video, _too_large, _too_large_video) else build()
    headers = make.headers(make.officer())
    files_before, rows_before = stored_files(app), _count_evidence()
    response = upload(client, headers, data, content_type=content_type)
    _assert_refused(response, status, code, app, files_before, rows_before)


# case: (what the fake WeChat server does, status, error code)
MEDIA = {
    "unknown media id": (lambda fake: None, 422, "wechat_media_invalid"),
    "wechat returns an error for the media": (lambda fake: fake.fail("media/get", 40007), 422,
                                              "wechat_media_invalid"),
    "wechat returns json instead of a file": (
        lambda fake: fake.media.__setitem__("M", (b'{"errcode": 0, "errmsg": "ok"}', "application/json")), 422,
        "not_an_image"),
    "media is a voice recording": (lambda fake: fake.media.__setitem__("M", (b"#!AMR\n" + bytes(300), "audio/amr")),
                                   422, "not_an_image"),
    "media is a truncated jpeg": (lambda fake: fake.media.__setitem__("M", (unique_jpeg()[:9000], "image/jpeg")),
                                  422, "not_an_image"),
}


@pytest.mark.parametrize("case", MEDIA, ids=list(MEDIA))
def test_bad_wechat_media_is_refused_and_nothing_is_stored(case, client, make, app, fake_wechat):
    arrange, status, code = MEDIA[case]
    arrange(fake_wechat)
    headers = make.headers(make.officer())
    files_before, rows_before = stored_files(app), _count_evidence()
    response = client.post("/api/evidence/wechat", headers=headers, json={**details(), "media_id": "M"})
    _assert_refused(response, status, code, app, files_before, rows_before)


@pytest.mark.parametrize("fields, field", [
    ({"lat": 95}, "lat"), ({"captured_at": "2026-11-23T10:00:00"}, "captured_at"),
    ({"client_id": "short"}, "client_id"),
    ({"subject_type": "parking"}, "subject_type"), ({"coord_system": "bd09"}, "coord_system"),
])
def test_bad_fields_are_named(fields, field, client, make, app):
    files_before = stored_files(app)
    response = upload(client, make.headers(make.officer()), unique_jpeg(), **fields)
    assert response.status_code == 422
    assert field in response.json["errors"]["form"]
    assert stored_files(app) == files_before


def test_missing_file_and_future_capture_time(client, make):
    headers = make.headers(make.officer())
    missing = client.post("/api/evidence", headers=headers, data={k: str(v) for k, v in details().items()},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.json["errors"]["form"]
    future = upload(client, headers, unique_jpeg(), captured_at="2099-01-01T00:00:00+08:00")
    assert (future.status_code, future.json["error"]) == (422, "captured_in_future")


def test_without_a_token_nothing_is_taken(client, app):
    files_before = stored_files(app)
    assert upload(client, {}, unique_jpeg()).status_code == 401
    assert stored_files(app) == files_before
