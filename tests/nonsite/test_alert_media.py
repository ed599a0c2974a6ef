"""An alert's images and its clip, inline or by URL: fetched without SSRF, validated as other evidence (a clip
too long is refused), locked in the camera's chain; one bad file refuses the alert with nothing stored."""
from __future__ import annotations

import base64
import hashlib

import pytest

from tests.evidence.helpers import mp4_bytes, unique_jpeg
from tests.nonsite.platform import alert, camera, send, stored


def test_images_and_a_clip_by_url_are_fetched_and_locked_in_the_cameras_chain(client, cam, media_host):
    photo, clip = unique_jpeg(), mp4_bytes(seconds=2)
    body = alert(cam["code"], images=[])
    body["images"] = [{"url": media_host.url("a.jpg", photo)},
                      {"data": base64.b64encode(unique_jpeg()).decode(), "content_type": "image/jpeg"}]
    body["clip"] = {"url": media_host.url("a.mp4", clip, "video/mp4")}
    response = send(client, body)
    assert response.status_code == 201, response.json
    evidence = response.json["evidence"]
    assert [(item["seq"], item["kind"]) for item in evidence] == [(1, "photo"), (2, "photo"), (3, "video")]
    assert evidence[0]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert evidence[2]["sha256"] == hashlib.sha256(clip).hexdigest()
    assert sorted(media_host.requests) == ["a.jpg", "a.mp4"]
    assert send(client, body).status_code == 200  # a resend answers the first, fetching nothing again
    assert len(media_host.requests) == 2 and stored() == (1, 3)


def test_an_inline_clip_is_taken_too(client, cam):
    body = alert(cam["code"], clip={"data": base64.b64encode(mp4_bytes(seconds=1)).decode(),
                                    "content_type": "video/mp4"})
    response = send(client, body)
    assert response.status_code == 201, response.json
    assert [item["kind"] for item in response.json["evidence"]] == ["photo", "video"]


@pytest.mark.parametrize("case, code", [
    ("not_an_image", "not_an_image"), ("huge", "media_too_large"), ("slow", "media_timeout"),
    ("missing", "media_unreachable"), ("clip_too_long", "video_too_long"), ("clip_not_mp4", "not_a_video"),
    ("both", "media_data_or_url"), ("neither", "media_data_or_url"),
])
def test_a_bad_file_refuses_the_whole_alert_and_the_retry_succeeds(app, client, cam, media_host, monkeypatch,
                                                                   case, code):
    # a short timeout only where the host is made slow: a clip from a loaded machine may take over a second
    monkeypatch.setitem(app.config, "NONSITE_MEDIA_TIMEOUT_SECONDS", 1 if case == "slow" else 30)
    monkeypatch.setitem(app.config, "NONSITE_CLIP_MAX_SECONDS", 2)
    body, image_limit = alert(cam["code"]), app.config["EVIDENCE_MAX_IMAGE_BYTES"]  # a good image, then the bad
    if case == "not_an_image":
        body["images"].append({"url": media_host.url("x", b"<html>not an image</html>", "text/html")})
    elif case == "huge":
        monkeypatch.setitem(app.config, "EVIDENCE_MAX_IMAGE_BYTES", 2000)
        body["images"] = [{"url": media_host.url("x", b"\xff\xd8\xff" + b"\0" * 5000)}]
    elif case == "slow":
        media_host.slow = 2.0
        body["images"].append({"url": media_host.url("x", unique_jpeg())})
    elif case == "missing":
        body["images"].append({"url": media_host.url("gone")})
    elif case == "clip_too_long":
        body["clip"] = {"url": media_host.url("x.mp4", mp4_bytes(seconds=4), "video/mp4")}
    elif case == "clip_not_mp4":
        body["clip"] = {"data": base64.b64encode(unique_jpeg()).decode(), "content_type": "video/mp4"}
    elif case == "both":
        body["images"].append({"url": media_host.url("x", unique_jpeg()), "data": body["images"][0]["data"]})
    else:
        body["clip"] = {"content_type": "video/mp4"}
    refused = send(client, body)
    assert refused.status_code == 422 and refused.json["error"] == code, refused.json
    assert stored() == (0, 0)
    media_host.slow, app.config["EVIDENCE_MAX_IMAGE_BYTES"] = 0.0, image_limit
    retried = send(client, {**alert(cam["code"]), "alert_id": body["alert_id"]})  # same id, good files
    assert retried.status_code == 201, retried.json
    assert stored() == (1, 1)


def test_urls_on_private_addresses_are_refused_for_a_sender_outside_the_government_network(client, make, squad,
                                                                                             media_host):
    outside = camera(client, make, squad, sender="boxco")
    for url in (media_host.url("x", unique_jpeg()), "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.8/p.jpg", "file:///etc/passwd", "http://[::1]/p.jpg", "http://[", "http://a:99999/x",
                "http://\ud800.example/x"):
        body = alert(outside["code"])
        body["images"].append({"url": url})
        refused = send(client, body, sender="boxco")
        assert refused.status_code in (400, 422) and refused.json["error"] in (
            "media_url_private", "bad_media_url", "media_unreachable", "invalid_text"), url
    assert media_host.requests == [] and stored() == (0, 0)
