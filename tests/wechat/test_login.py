"""Officers sign in to light apps with a government-WeChat OAuth code."""
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import time_machine
from sqlalchemy import func, select

from backend.db import session
from backend.org.models import AuthToken


def _token_count() -> int:
    return session.scalar(select(func.count()).select_from(AuthToken))


def test_code_of_a_bound_officer_signs_in_like_a_password_login(client, make, fake_wechat, oauth_state):
    officer = make.officer(wechat_userid="zhangwei", name="张伟")
    fake_wechat.codes["CODE-1"] = "zhangwei"

    response = client.post("/api/auth/wechat", json={"code": "CODE-1", "state": oauth_state})

    assert response.status_code == 200
    assert set(response.json) == {"token", "expires_at", "officer"}
    assert response.json["officer"]["badge_no"] == officer.badge_no
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.json["name"] == "张伟"
    assert session.scalars(select(AuthToken.channel).where(AuthToken.officer_id == officer.id)).all() == ["wechat"]
    assert fake_wechat.calls["user/getuserinfo"] == 1


def test_unknown_userid_is_refused_and_no_token_is_issued(client, make, fake_wechat, oauth_state):
    fake_wechat.codes["CODE-2"] = "stranger"
    before = _token_count()

    response = client.post("/api/auth/wechat", json={"code": "CODE-2", "state": oauth_state})

    assert response.status_code == 401
    assert response.json["error"] == "wechat_user_unknown"
    assert "未绑定" in response.json["message"]
    assert _token_count() == before


def test_inactive_officer_is_refused(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="retired", active=False)
    fake_wechat.codes["CODE-3"] = "retired"

    response = client.post("/api/auth/wechat", json={"code": "CODE-3", "state": oauth_state})

    assert response.status_code == 401
    assert response.json["error"] == "officer_inactive"
    assert response.json["message"] == "该账号已停用"


def test_code_wechat_rejects_is_a_clear_401(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="zhangwei")
    before = _token_count()

    response = client.post("/api/auth/wechat", json={"code": "USED-OR-FORGED", "state": oauth_state})

    assert response.status_code == 401
    assert response.json["error"] == "wechat_code_invalid"
    assert "授权码" in response.json["message"]
    assert _token_count() == before


def test_missing_or_mistyped_code_is_refused_before_asking_wechat(client, fake_wechat):
    assert client.post("/api/auth/wechat", json={}).json["errors"]["json"]["code"] == ["缺少必填字段。"]
    assert client.post("/api/auth/wechat", json={"code": 42}).status_code == 422
    assert fake_wechat.calls["user/getuserinfo"] == 0


def test_wechat_unreachable_is_a_503_with_code(client, app, make, monkeypatch, oauth_state):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE_URL", "http://127.0.0.1:9/cgi-bin/")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})

    response = client.post("/api/auth/wechat", json={"code": "CODE-1", "state": oauth_state})

    assert response.status_code == 503
    assert response.json["error"] == "wechat_unreachable"
    assert "无法连接政务微信" in response.json["message"]


def test_authorize_url_names_the_agent_and_escapes_every_value(client, fake_wechat):
    response = client.get("/api/auth/wechat/authorize-url",
                          query_string={"redirect_uri": "https://app.example.cn/duty?x=1&y=2#top"})

    url, fragment = response.json["url"].split("#")
    base, query = url.split("?")
    assert base == f"{fake_wechat.base_url}/connect/oauth2/authorize" and fragment == "wechat_redirect"
    assert parse_qs(query, strict_parsing=True) == {
        "appid": ["wwfakecorp0001"], "redirect_uri": ["https://app.example.cn/duty?x=1&y=2#top"],
        "response_type": ["code"], "scope": ["snsapi_base"], "state": [response.json["state"]],
        "agentid": ["1000002"]}
    assert response.json["state"].isalnum() and len(response.json["state"]) <= 128  # what WeCom accepts


def test_login_without_the_state_of_an_attempt_it_started_is_refused(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="zhangwei")
    fake_wechat.codes["CODE-1"] = "zhangwei"
    forged = oauth_state[:24] + "0" * 32

    missing = client.post("/api/auth/wechat", json={"code": "CODE-1"})
    response = client.post("/api/auth/wechat", json={"code": "CODE-1", "state": forged})

    assert missing.status_code == 422
    assert response.status_code == 401
    assert response.json["error"] == "wechat_state_invalid"
    assert fake_wechat.calls["user/getuserinfo"] == 0  # the code is not even spent
    assert _token_count() == 0


def test_state_of_a_stale_login_attempt_is_refused(client, make, fake_wechat, oauth_state):
    make.officer(wechat_userid="zhangwei")
    fake_wechat.codes["CODE-1"] = "zhangwei"

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)):
        response = client.post("/api/auth/wechat", json={"code": "CODE-1", "state": oauth_state})

    assert response.status_code == 401
    assert response.json["error"] == "wechat_state_expired"


def test_the_consoles_qr_sign_in_page_names_corp_and_agent_and_its_code_signs_in_like_any(client, make, fake_wechat):
    officer = make.officer(wechat_userid="zhangwei")
    response = client.get("/api/auth/wechat/qr-login-url",
                          query_string={"redirect_uri": "https://console.example.cn/console/login"})

    base, query = response.json["url"].split("?")
    assert base == f"{fake_wechat.base_url}/wwopen/sso/qrConnect"
    assert parse_qs(query, strict_parsing=True) == {
        "appid": ["wwfakecorp0001"], "agentid": ["1000002"],
        "redirect_uri": ["https://console.example.cn/console/login"], "state": [response.json["state"]]}
    fake_wechat.codes["QR-CODE"] = "zhangwei"
    login = client.post("/api/auth/wechat", json={"code": "QR-CODE", "state": response.json["state"]})
    assert login.status_code == 200 and login.json["officer"]["badge_no"] == officer.badge_no

    bad = client.get("/api/auth/wechat/qr-login-url", query_string={"redirect_uri": "javascript:alert(1)"})
    assert bad.status_code == 422 and "redirect_uri" in bad.json["errors"]["query"]


def test_no_qr_sign_in_where_government_wechat_is_not_set_up(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_CORP_ID", "")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})

    response = client.get("/api/auth/wechat/qr-login-url", query_string={"redirect_uri": "https://c.example.cn/"})

    assert (response.status_code, response.json["error"]) == (503, "wechat_not_configured")
    assert b"wechat-qr" not in client.get("/console/login").data  # the sign-in page offers no QR button
    monkeypatch.setitem(app.config, "WECHAT_CORP_ID", "wwfakecorp0001")
    assert b"wechat-qr" in client.get("/console/login").data
