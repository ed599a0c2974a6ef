"""Text cards to officers and media downloads, through the fake server."""
import io

import pytest
from PIL import Image

from backend.errors import Invalid, ServiceUnavailable
from backend.wechat.media import download_media
from backend.wechat.messages import send_text_card
from tests.fake_wechat import jpeg_bytes

MAX_BYTES = 100 * 1024 * 1024


def test_text_card_reaches_the_officers_with_a_wechat_account(make, fake_wechat):
    zhang = make.officer(wechat_userid="zhangwei")
    li = make.officer(wechat_userid="lisi")
    offline = make.officer()  # no government-WeChat account

    sent = send_text_card([zhang, li, offline], title="排班提醒", description="明天 08:00 南京西路固守",
                          url="https://app.example.cn/duty/today")

    assert sent == 2
    assert len(fake_wechat.sent) == 1
    message = fake_wechat.sent[0]
    assert set(message["touser"].split("|")) == {"zhangwei", "lisi"}
    assert message["msgtype"] == "textcard"
    assert message["agentid"] == 1000002
    assert message["textcard"] == {"title": "排班提醒", "description": "明天 08:00 南京西路固守",
                                   "url": "https://app.example.cn/duty/today", "btntxt": "详情"}
    assert fake_wechat.messages_to(offline.badge_no) == []


def test_nobody_to_reach_sends_nothing(make, fake_wechat):
    assert send_text_card([make.officer()], title="t", description="d", url="https://a.cn/") == 0
    assert fake_wechat.calls["message/send"] == 0


def test_recipients_wechat_refuses_are_not_counted(make, fake_wechat):
    fake_wechat.invalid_users.add("left")
    officers = [make.officer(wechat_userid="stays"), make.officer(wechat_userid="left")]

    assert send_text_card(officers, title="t", description="d", url="https://a.cn/", btntxt="查看") == 1
    assert fake_wechat.messages_to("stays")[0]["textcard"]["btntxt"] == "查看"


def test_wechat_failure_is_service_unavailable(make, fake_wechat):
    fake_wechat.fail("message/send", 45009)
    with pytest.raises(ServiceUnavailable) as raised:
        send_text_card([make.officer(wechat_userid="u1")], title="t", description="d", url="https://a.cn/")
    assert raised.value.code == "wechat_rate_limited"


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
