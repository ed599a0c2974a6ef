"""Media downloads, through the fake server (text cards: tests/outbox)."""
import io

import pytest
from PIL import Image

from backend.errors import Invalid
from backend.wechat.media import download_media
from tests.fake_wechat import jpeg_bytes

MAX_BYTES = 100 * 1024 * 1024


def test_media_download_returns_the_image_bytes(fake_wechat):
    photo = jpeg_bytes((80, 60))
    fake_wechat.media["MEDIA-1"] = (photo, "image/jpeg")

    data, content_type = download_media("MEDIA-1", max_bytes=MAX_BYTES)

    assert (data, content_type) == (photo, "image/jpeg")
    assert Image.open(io.BytesIO(data)).size == (80, 60)


def test_media_download_survives_an_expired_token(fake_wechat):
    fake_wechat.media["MEDIA-1"] = (jpeg_bytes(), "image/jpeg")
    fake_wechat.fail("media/get", 42001)

    assert download_media("MEDIA-1", max_bytes=MAX_BYTES)[1] == "image/jpeg"
    assert fake_wechat.calls["gettoken"] == 2


def test_unknown_media_id_is_invalid(fake_wechat):
    with pytest.raises(Invalid) as raised:
        download_media("EXPIRED", max_bytes=MAX_BYTES)
    assert raised.value.code == "wechat_media_invalid"
    assert raised.value.status == 422
