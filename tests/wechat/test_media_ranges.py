"""Media over 20 MB: WeCom answers 830002 and serves the file only in Range requests."""
import os
import struct

import pytest

from backend.errors import Invalid
from backend.wechat.media import download_media
from tests.evidence.helpers import details, mp4_bytes
from tests.fake_wechat import MEDIA_RANGE_THRESHOLD


def test_media_over_20_mb_is_downloaded_in_ranges(fake_wechat):
    video = os.urandom(2 * MEDIA_RANGE_THRESHOLD + 12345)
    fake_wechat.media["BIG"] = (video, "video/mp4")

    data, content_type = download_media("BIG", max_bytes=100 * 1024 * 1024)

    assert (len(data), content_type) == (len(video), "video/mp4")
    assert data == video
    assert fake_wechat.calls["media/get"] == 1 + 3  # refused whole (830002), then three ranges


def test_media_over_the_callers_limit_is_refused_after_one_range(fake_wechat):
    fake_wechat.media["HUGE"] = (os.urandom(MEDIA_RANGE_THRESHOLD + 1), "video/mp4")

    with pytest.raises(Invalid) as raised:
        download_media("HUGE", max_bytes=MEDIA_RANGE_THRESHOLD)

    assert raised.value.code == "wechat_media_too_large"
    assert fake_wechat.calls["media/get"] == 2


def test_officers_video_over_20_mb_from_the_light_app_becomes_evidence(client, make, fake_wechat):
    clip = mp4_bytes(seconds=1.0)
    padding = MEDIA_RANGE_THRESHOLD + 4096
    video = clip + struct.pack(">I", padding + 8) + b"free" + os.urandom(padding)  # a top-level free box
    fake_wechat.media["CLIP"] = (video, "video/mp4")

    response = client.post("/api/evidence/wechat", headers=make.headers(make.officer()),
                           json={**details(), "media_id": "CLIP"})

    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["size_bytes"]) == ("video", len(video))
