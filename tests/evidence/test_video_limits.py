"""Crafted videos that cost far more than their size: refused from what their boxes declare, before FFmpeg
decodes them; a copy that outgrows its budget stops and is shown as failed."""
import io
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from backend.scheduler import JOBS, SUCCEEDED, run_job
from tests.evidence.helpers import mp4_bytes, upload

VIDEO_COPIES = {job.id: job for job in JOBS}["evidence.video_copies"]


def _patched(data: bytes, box: bytes, offset: int, *values: int) -> bytes:
    """The file with 4-byte big-endian `values` written `offset` bytes into the first `box`."""
    start = data.index(box) - 4
    patched = bytearray(data)
    for number, value in enumerate(values):
        patched[start + offset + 4 * number:start + offset + 4 * number + 4] = value.to_bytes(4, "big")
    return bytes(patched)


def lying_sample_table() -> bytes:
    """A small MP4 whose sample-size box claims 50 million samples of 100 bytes (FFmpeg: 1.7 GB to open)."""
    return _patched(mp4_bytes(seconds=1), b"stsz", 12, 100, 50_000_000)


def huge_declared_frame() -> bytes:
    """A small MP4 whose track header and sample entry declare a 16000×16000 picture."""
    data = _patched(mp4_bytes(seconds=1), b"tkhd", 84, 16000 << 16, 16000 << 16)
    start = data.index(b"stsd") - 4 + 16 + 8 + 24
    return data[:start] + (16000).to_bytes(2, "big") * 2 + data[start + 4:]


def many_tiny_frames(frames: int = 300) -> bytes:
    """A video of `frames` frames each 1/90000 s long: a hundredth of a second, yet as many frames as 10 s."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        for number in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), number % 256, dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = number, Fraction(1, 90000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def hidden_big_frame(sizes=((64, 64),) * 4 + ((256, 256),) + ((64, 64),) * 5) -> bytes:
    """A motion-JPEG MP4 whose container and first frames say 64×64, with a larger frame mid-stream."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        for number, size in enumerate(sizes):
            picture = io.BytesIO()
            Image.new("RGB", size, (40 + 10 * number, 90, 120)).save(picture, "JPEG")
            packet = av.Packet(picture.getvalue())
            packet.stream, packet.pts, packet.dts, packet.is_keyframe = stream, number, number, True
            packet.time_base = Fraction(1, 10)
            container.mux(packet)
    return buffer.getvalue()


CRAFTED = {
    "a sample table claiming 50 million samples": (lying_sample_table, "too_many_frames"),
    "a 16000×16000 picture declared by the boxes": (huge_declared_frame, "too_many_pixels"),
    "300 frames of 1/90000 s each": (many_tiny_frames, "too_many_frames"),
}


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_a_crafted_video_is_refused_from_what_it_declares(case, client, make):
    build, code = CRAFTED[case]
    response = upload(client, make.headers(make.officer()), build(), content_type="video/mp4", filename="clip.mp4")
    assert (response.status_code, response.json["error"]) == (422, code), response.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])


def _copies(app, client, headers, evidence_id) -> list[dict]:
    assert run_job(app, VIDEO_COPIES, None) == SUCCEEDED
    return client.get(f"/api/evidence/{evidence_id}", headers=headers).json["video_copies"]


def test_a_video_hiding_a_larger_frame_mid_stream_fails_its_copy_and_says_why(app, client, make):
    headers = make.headers(make.officer())
    accepted = upload(client, headers, hidden_big_frame(), content_type="video/mp4", filename="clip.mp4")
    assert accepted.status_code == 201 and (accepted.json["width"], accepted.json["height"]) == (64, 64)
    queued = accepted.json["video_copies"]
    assert [(copy["purpose"], copy["state"]) for copy in queued] == [("watermarked", "pending")]
    assert "调度器" in queued[0]["message"]
    [copy] = _copies(app, client, headers, accepted.json["id"])
    assert copy["state"] == "failed" and "256×256" in copy["message"], copy
    refused = client.get(f"/api/evidence/{accepted.json['id']}/watermarked", headers=headers)
    assert (refused.status_code, refused.json["error"]) == (409, "video_copy_failed")


@pytest.mark.parametrize("setting, value, reason", [("EVIDENCE_MAX_VIDEO_FPS", 4, "帧数超过"),
                                                    ("EVIDENCE_VIDEO_COPY_MAX_SECONDS", 0, "生成时间超过")])
def test_a_copy_beyond_its_frame_or_time_budget_stops_and_is_shown_failed(setting, value, reason, app, client, make,
                                                                          monkeypatch):
    headers = make.headers(make.officer())
    accepted = upload(client, headers, mp4_bytes(seconds=2), content_type="video/mp4", filename="clip.mp4")
    assert accepted.status_code == 201
    monkeypatch.setitem(app.config, setting, value)  # the district tightened the budget after this intake
    [copy] = _copies(app, client, headers, accepted.json["id"])
    assert copy["state"] == "failed" and reason in copy["message"], copy


def test_a_queued_redacted_export_says_copies_need_a_scheduler(client, make):
    headers = make.headers(make.officer())
    accepted = upload(client, headers, mp4_bytes(seconds=1), content_type="video/mp4", filename="clip.mp4")
    pending = client.post(f"/api/evidence/{accepted.json['id']}/exports", headers=headers, json={"reason": "通报"})
    assert pending.status_code == 202 and "调度器" in pending.json["message"]
