"""Videos: the watermarked copy (made in the background after intake) and the redacted export (queued on request)."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from backend.evidence.jobs import make_video_copies
from backend.scheduler import JOBS, SUCCEEDED, run_job
from backend.vision import face_detector
from tests.evidence.helpers import astronaut_mp4, decoded, upload

VIDEO_COPIES = {job.id: job for job in JOBS}["evidence.video_copies"]


def _make_copies(app):
    assert run_job(app, VIDEO_COPIES, None) == SUCCEEDED


@pytest.fixture
def video(client, make):
    """An officer's 3-second video of the astronaut: (headers, evidence id, the MP4's bytes)."""
    officer = make.officer(badge_no="V30001")
    headers = make.headers(officer)
    data = astronaut_mp4()
    response = upload(client, headers, data, content_type="video/mp4", filename="clip.mp4")
    assert response.status_code == 201, response.json
    return headers, response.json["id"], data


def _custody(client, headers, evidence_id) -> list[tuple]:
    log = client.get(f"/api/evidence/{evidence_id}/custody", headers=headers).json
    return [(entry["action"], entry["reason"]) for entry in log]


def test_the_watermarked_copy_is_made_after_intake_on_every_frame(app, client, video):
    headers, evidence_id, data = video
    assert client.get(f"/api/evidence/{evidence_id}", headers=headers).json["has_watermarked_copy"] is False
    pending = client.get(f"/api/evidence/{evidence_id}/watermarked", headers=headers)
    assert (pending.status_code, pending.json["error"]) == (409, "video_copy_pending")
    assert "正在生成" in pending.json["message"]

    _make_copies(app)
    assert client.get(f"/api/evidence/{evidence_id}", headers=headers).json["has_watermarked_copy"] is True
    response = client.get(f"/api/evidence/{evidence_id}/watermarked", headers=headers)
    assert response.status_code == 200 and response.mimetype == "video/mp4"
    assert response.headers["Content-Disposition"] == f'inline; filename="evidence-{evidence_id}-watermarked.mp4"'
    original, original_sound = decoded(data)
    marked, marked_sound = decoded(response.data)
    assert len(marked) == len(original) == 36 and marked[0].shape == original[0].shape == (480, 640, 3)
    assert (original_sound, marked_sound) == (1, 1)  # the sound is part of the record: kept
    for before, after in zip(original, marked, strict=False):
        assert np.abs(after[:360] - before[:360]).mean() < 4  # the picture itself (re-encoding aside) …
        assert np.abs(after[-50:] - before[-50:]).mean() > 30  # … the band at the bottom carries the text
    assert _custody(client, headers, evidence_id) == [("view_watermarked", None)]
    stored = client.get(f"/api/evidence/{evidence_id}/original", headers=headers)
    assert stored.data == data  # the original untouched
    assert make_video_copies() == {"made": 0, "failed": 0, "peak_mb": 0.0}  # made once: nothing is queued any more
    assert client.get(f"/api/evidence/{evidence_id}/watermarked", headers=headers).data == response.data


def test_the_redacted_export_is_queued_then_blurs_the_face_in_every_frame(app, client, video):
    headers, evidence_id, data = video
    for _ in range(2):  # asking again while it is being made changes nothing
        queued = client.post(f"/api/evidence/{evidence_id}/exports", headers=headers, json={"reason": "公众号通报"})
        assert queued.status_code == 202 and queued.json["status"] == "queued"
    assert _custody(client, headers, evidence_id) == []  # nothing handed out yet

    _make_copies(app)
    response = client.post(f"/api/evidence/{evidence_id}/exports", headers=headers, json={"reason": "公众号通报"})
    assert response.status_code == 200 and response.mimetype == "video/mp4"
    assert response.headers["X-Faces-Blurred"] == "1"
    original, _ = decoded(data)
    redacted, sound = decoded(response.data)
    assert len(redacted) == len(original) == 36 and sound == 0  # voices identify people too: dropped
    for number, (before, after) in enumerate(zip(original, redacted, strict=False)):
        [face] = face_detector().detect_faces(_picture(before))
        inside = (slice(face.top, face.bottom), slice(face.left, face.right))
        assert np.abs(after[inside] - before[inside]).mean() > 12, number  # the face is blurred …
        outside = np.ones(before.shape[:2], dtype=bool)
        outside[max(0, face.top - 60):face.bottom + 60, max(0, face.left - 60):face.right + 60] = False
        assert np.abs(after[outside] - before[outside]).mean() < 4, number  # … the rest stays
    assert all(face_detector().count_faces(_picture(frame)) == 0 for frame in redacted[::5])
    assert hashlib.sha256(client.get(f"/api/evidence/{evidence_id}/original", headers=headers).data).hexdigest() \
        == hashlib.sha256(data).hexdigest()
    assert _custody(client, headers, evidence_id) == [("export_redacted", "公众号通报"), ("view_original", None)]


def test_a_copy_that_cannot_be_made_says_so(app, client, video):
    headers, evidence_id, _ = video
    record = client.get(f"/api/evidence/{evidence_id}", headers=headers).json
    path = Path(app.config["FILES_DIR"]) / f"evidence/originals/{record['sha256'][:2]}/{record['sha256']}.mp4"
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(damaged))
    _make_copies(app)
    response = client.get(f"/api/evidence/{evidence_id}/watermarked", headers=headers)
    assert (response.status_code, response.json["error"]) == (409, "video_copy_failed")
    assert "原件校验失败" in response.json["message"]


def _picture(pixels: np.ndarray):
    from PIL import Image

    return Image.fromarray(pixels.astype(np.uint8))

