"""The real wechatpy client against the fake server: configured URLs, shared tokens, capped retries."""
import socket
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from backend.config import settings
from backend.db import session, utcnow
from backend.errors import ServiceUnavailable
from backend.wechat.client import build_client, wechat_errors
from backend.wechat.models import WeChatCacheEntry


def test_token_is_fetched_once_and_shared_by_two_clients(app, fake_wechat):
    first, second = build_client(settings()), build_client(settings())

    first.department.get()
    second.department.get()
    first.department.get()

    assert fake_wechat.calls["gettoken"] == 1
    assert fake_wechat.calls["department/list"] == 3


def test_token_is_cached_per_corp_and_agent_until_shortly_before_it_expires(app, fake_wechat):
    build_client(settings()).department.get()
    build_client(settings(), contacts=True).department.get()

    rows = {row.key: row for row in session.scalars(select(WeChatCacheEntry))}
    assert set(rows) == {"wwfakecorp0001:1000002:access_token", "wwfakecorp0001:contacts:access_token"}
    assert fake_wechat.calls["gettoken"] == 2  # the directory secret has a token of its own
    expires_in = rows["wwfakecorp0001:1000002:access_token"].expires_at - utcnow()
    assert timedelta(minutes=110) < expires_in <= timedelta(minutes=115)


def test_logins_from_two_requests_share_one_token(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="u1")
    fake_wechat.codes.update({"A": "u1", "B": "u1"})

    assert client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state}).status_code == 200
    assert client.post("/api/auth/wechat", json={"code": "B", "state": oauth_state}).status_code == 200

    assert fake_wechat.calls["gettoken"] == 1


def test_token_fetched_by_a_refused_login_is_kept(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="u1")
    fake_wechat.codes.update({"A": "stranger", "B": "u1"})

    refused = client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state})
    assert refused.status_code == 401  # its work is rolled back
    assert client.post("/api/auth/wechat", json={"code": "B", "state": oauth_state}).status_code == 200

    assert fake_wechat.calls["gettoken"] == 1


@pytest.mark.parametrize("errcode", [42001, 40014])
def test_rejected_token_is_fetched_again_once_then_the_call_succeeds(client, make, fake_wechat, errcode, oauth_state):
    make.officer(wechat_userid="u1")
    fake_wechat.codes["A"] = "u1"
    fake_wechat.fail("user/getuserinfo", errcode)

    response = client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state})

    assert response.status_code == 200
    assert fake_wechat.calls["gettoken"] == 2
    assert fake_wechat.calls["user/getuserinfo"] == 2


def test_token_expired_at_wechat_is_replaced_in_the_shared_cache(app, fake_wechat):
    client = build_client(settings())
    client.department.get()
    fake_wechat.expire_tokens()

    build_client(settings()).department.get()  # another process meets the expired token
    client.department.get()

    assert fake_wechat.calls["gettoken"] == 2
    assert fake_wechat.calls["department/list"] == 4


def test_retries_stop_at_the_cap(app, fake_wechat):
    fake_wechat.fail("department/list", 42001, times=10)
    client = build_client(settings(), max_retries=2)

    with pytest.raises(WeChatClientException) as raised:
        client.department.get()

    assert raised.value.errcode == 42001
    assert fake_wechat.calls["department/list"] == 3  # the call and two retries
    assert fake_wechat.calls["gettoken"] == 3  # the first token and one per retry


def test_retry_cap_of_zero_means_no_retry(app, fake_wechat):
    fake_wechat.fail("department/list", 42001)

    with pytest.raises(WeChatClientException):
        build_client(settings(), max_retries=0).department.get()

    assert fake_wechat.calls["department/list"] == 1


def test_exhausted_retries_reach_the_user_as_503(client, make, fake_wechat, oauth_state):
    fake_wechat.fail("user/getuserinfo", 42001, times=10)

    response = client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state})

    assert response.status_code == 503
    assert response.json["error"] == "wechat_error"
    assert "42001" in response.json["message"]
    assert fake_wechat.calls["user/getuserinfo"] == 3  # WECHAT_MAX_RETRIES = 2 in the tests


def test_rate_limit_45009_gives_a_clear_error_without_retrying(client, fake_wechat, oauth_state):
    fake_wechat.fail("user/getuserinfo", 45009)

    response = client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state})

    assert response.status_code == 503
    assert response.json["error"] == "wechat_rate_limited"
    assert response.json["message"] == "政务微信接口调用过于频繁，登录失败，请稍后再试"
    assert fake_wechat.calls["user/getuserinfo"] == 1


def test_wrong_secret_is_reported_not_retried_forever(app, fake_wechat):
    client = build_client(replace(settings(), WECHAT_SECRET="wrong"))

    with pytest.raises(ServiceUnavailable) as raised, wechat_errors("读取部门"):
        client.department.get()

    assert raised.value.code == "wechat_misconfigured"
    assert "Secret 无效" in raised.value.message and "40001" in raised.value.message
    assert fake_wechat.calls["department/list"] == 0


@pytest.mark.parametrize(("errcode", "says"), [(60020, "可信 IP"), (50001, "可信域名")])
def test_configuration_errors_say_what_to_correct(client, make, fake_wechat, errcode, says, oauth_state):
    make.officer(wechat_userid="zhangwei")
    fake_wechat.codes["A"] = "zhangwei"
    fake_wechat.fail("user/getuserinfo", errcode)

    response = client.post("/api/auth/wechat", json={"code": "A", "state": oauth_state})

    assert response.status_code == 503
    assert response.json["error"] == "wechat_misconfigured"
    assert says in response.json["message"] and "稍后再试" not in response.json["message"]


def test_missing_configuration_is_a_clear_503(app):
    with pytest.raises(ServiceUnavailable) as raised:
        build_client(replace(settings(), WECHAT_CORP_ID=""))
    assert raised.value.code == "wechat_not_configured"


def test_every_url_comes_from_the_settings(app, fake_wechat):
    client = build_client(settings())

    assert client.API_BASE_URL == f"{fake_wechat.base_url}/cgi-bin/"
    assert client.media.get_url("M1").startswith(f"{fake_wechat.base_url}/cgi-bin/media/get?access_token=")
    assert client.oauth.authorize_url("https://a.cn/", "s1").startswith(
        f"{fake_wechat.base_url}/connect/oauth2/authorize?"
    )
    assert fake_wechat.calls["gettoken"] == 1  # gettoken went to the fake server too


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/cgi-bin/"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_silent_server_times_out_as_unreachable(app, silent_server):
    client = build_client(replace(settings(), WECHAT_API_BASE_URL=silent_server, WECHAT_TIMEOUT_SECONDS=0.3))
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable) as raised, wechat_errors("读取部门"):
        client.department.get()

    assert raised.value.code == "wechat_unreachable"
    assert time.monotonic() - started < 3
