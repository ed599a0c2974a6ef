"""Media over 20 MB: WeCom answers 830002 and serves the file only in Range requests."""
import os

import pytest

from backend.errors import Invalid
from backend.wechat.media import download_media
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
