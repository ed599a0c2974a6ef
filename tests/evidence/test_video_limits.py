"""Crafted videos that cost far more than their size: refused from what their boxes declare, before FFmpeg
decodes them; a copy that outgrows its budget stops and is shown as failed."""
import pytest

from backend.scheduler import JOBS, SUCCEEDED, run_job
from tests.crafted import hidden_big_frame, huge_declared_frame, lying_sample_table, many_tiny_frames
from tests.evidence.helpers import mp4_bytes, upload

VIDEO_COPIES = {job.id: job for job in JOBS}["evidence.video_copies"]


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


def test_a_copy_needing_more_memory_than_its_budget_is_shown_failed_and_made_within_the_default(app, client, make,
                                                                                             monkeypatch):
    headers = make.headers(make.officer())
    accepted = upload(client, headers, mp4_bytes(seconds=0.4, size=(3840, 2160), fps=5), content_type="video/mp4",
                      filename="clip.mp4")
    assert accepted.status_code == 201
    monkeypatch.setitem(app.config, "EVIDENCE_VIDEO_COPY_MAX_MB", 300)  # the district's machine has less memory
    [copy] = _copies(app, client, headers, accepted.json["id"])
    assert copy["state"] == "failed" and "内存超过 300 MB" in copy["message"], copy
    refused = client.get(f"/api/evidence/{accepted.json['id']}/watermarked", headers=headers)
    assert (refused.status_code, refused.json["error"]) == (409, "video_copy_failed")
    monkeypatch.setitem(app.config, "EVIDENCE_VIDEO_COPY_MAX_MB", 1024)  # the example default: a 4K copy fits
    exported = client.post(f"/api/evidence/{accepted.json['id']}/exports", headers=headers, json={"reason": "通报"})
    assert exported.status_code == 202
    made = [copy for copy in _copies(app, client, headers, accepted.json["id"]) if copy["purpose"] == "redacted"]
    assert [copy["state"] for copy in made] == ["made"], made


def test_a_queued_redacted_export_says_copies_need_a_scheduler(client, make):
    headers = make.headers(make.officer())
    accepted = upload(client, headers, mp4_bytes(seconds=1), content_type="video/mp4", filename="clip.mp4")
    pending = client.post(f"/api/evidence/{accepted.json['id']}/exports", headers=headers, json={"reason": "通报"})
    assert pending.status_code == 202 and "调度器" in pending.json["message"]
