"""Portrait videos: phones store the frames sideways and note in the track header how to turn them.

Everything derived from such a video — its size, thumbnail, watermarked copy and redacted export — is
what a player shows: portrait and upright, and the copies carry no rotation a player would apply again.
"""
import hashlib
import io
import struct

import av
import numpy as np
import pytest
from PIL import Image

from backend.evidence.jobs import make_video_copies
from backend.vision import face_detector
from tests.evidence.helpers import astronaut_mp4, decoded, upload

QUARTER_CLOCKWISE = (0, 0x10000, -0x10000, 0)  # tkhd matrix a, b, c, d (16.16 fixed point) as phones write it


@pytest.fixture
def portrait(client, make):
    """An officer's 1-second portrait video of the astronaut: (headers, evidence record, the MP4's bytes)."""
    headers = make.headers(make.officer(badge_no="V30002"))
    data = astronaut_mp4(frames=12, size=(480, 640), sound=False, portrait=True)
    response = upload(client, headers, data, content_type="video/mp4", filename="portrait.mp4")
    assert response.status_code == 201, response.json
    return headers, response.json, data


def test_the_test_video_is_what_a_phone_records(portrait):
    _, _, data = portrait
    assert _track_matrix(data) == QUARTER_CLOCKWISE
    assert _rotation(data) == -90  # FFmpeg (PyAV) reads it: a quarter turn, counted anticlockwise
    stored, _ = decoded(data)
    assert stored[0].shape == (480, 640, 3)  # the frames themselves are landscape …
    assert face_detector().count_faces(_picture(_shown(stored[0]))) == 1  # … showing the astronaut when turned


def test_intake_records_the_displayed_size_and_an_upright_thumbnail(client, portrait):
    headers, record, data = portrait
    assert (record["width"], record["height"]) == (480, 640)
    response = client.get(f"/api/evidence/{record['id']}/thumbnail", headers=headers)
    thumbnail = np.asarray(Image.open(io.BytesIO(response.data)).convert("RGB"), dtype=int)
    assert thumbnail.shape == (320, 240, 3)
    stored, _ = decoded(data)
    upright = np.asarray(_picture(_shown(stored[0])).resize((240, 320), Image.Resampling.BICUBIC), dtype=int)
    assert np.abs(thumbnail - upright).mean() < 6
    assert np.abs(thumbnail - upright[::-1, ::-1]).mean() > 30  # turned the wrong way it would be upside down
    original = client.get(f"/api/evidence/{record['id']}/original", headers=headers)
    assert hashlib.sha256(original.data).hexdigest() == record["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_copies_are_upright_with_the_band_at_the_bottom_and_no_rotation_left(client, portrait):
    headers, record, data = portrait
    queued = client.post(f"/api/evidence/{record['id']}/exports", headers=headers, json={"reason": "公众号通报"})
    assert queued.status_code == 202
    made = make_video_copies()
    assert (made["made"], made["failed"]) == (2, 0) and 0 < made["peak_mb"] < 1024  # within the copy budget
    marked = client.get(f"/api/evidence/{record['id']}/watermarked", headers=headers)
    redacted = client.post(f"/api/evidence/{record['id']}/exports", headers=headers, json={"reason": "公众号通报"})
    assert (marked.status_code, redacted.status_code, redacted.headers["X-Faces-Blurred"]) == (200, 200, "1")
    assert _rotation(marked.data) == _rotation(redacted.data) == 0  # a player shows the frames as they are
    shown = [_shown(frame) for frame in decoded(data)[0]]
    marked_frames, _ = decoded(marked.data)
    redacted_frames, _ = decoded(redacted.data)
    assert len(marked_frames) == len(redacted_frames) == len(shown) == 12
    for number, (upright, after) in enumerate(zip(shown, marked_frames, strict=False)):
        assert after.shape == (640, 480, 3), number
        assert np.abs(after[:520] - upright[:520]).mean() < 4, number  # the picture, upright …
        assert np.abs(after[-50:] - upright[-50:]).mean() > 30, number  # … the band at its bottom
    for number, (upright, after) in enumerate(zip(shown, redacted_frames, strict=False)):
        [face] = face_detector().detect_faces(_picture(upright))
        inside = (slice(face.top, face.bottom), slice(face.left, face.right))
        assert np.abs(after[inside] - upright[inside]).mean() > 12, number  # the face is blurred …
        outside = np.ones(upright.shape[:2], dtype=bool)
        outside[max(0, face.top - 60):face.bottom + 60, max(0, face.left - 60):face.right + 60] = False
        assert np.abs(after[outside] - upright[outside]).mean() < 4, number  # … the rest stays


def _shown(stored: np.ndarray) -> np.ndarray:
    """A stored frame as a player shows it under QUARTER_CLOCKWISE: the top row becomes the right column."""
    return np.rot90(stored, k=-1)


def _track_matrix(data: bytes) -> tuple[int, ...]:
    """a, b, c, d of the first track header's matrix (ISO/IEC 14496-12 tkhd)."""
    version = data.index(b"tkhd") + 4
    times = 32 if data[version] == 1 else 20  # creation, modification, track id, reserved, duration
    matrix = version + 4 + times + 8 + 8  # reserved; layer, alternate group, volume, reserved
    a, b, _, c, d = struct.unpack(">5i", data[matrix:matrix + 20])
    return a, b, c, d


def _rotation(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return next(container.decode(video=0)).rotation


def _picture(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(pixels).astype(np.uint8))
