"""Officers sign in to light apps with a government-WeChat OAuth code."""
from sqlalchemy import func, select

from backend.db import session
from backend.org.models import AuthToken


def _token_count() -> int:
    return session.scalar(select(func.count()).select_from(AuthToken))


def test_code_of_a_bound_officer_signs_in_like_a_password_login(client, make, fake_wechat):
    officer = make.officer(wechat_userid="zhangwei", name="张伟")
    fake_wechat.codes["CODE-1"] = "zhangwei"

    response = client.post("/api/auth/wechat", json={"code": "CODE-1"})

    assert response.status_code == 200
    assert set(response.json) == {"token", "expires_at", "officer"}
    assert response.json["officer"]["badge_no"] == officer.badge_no
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.json["name"] == "张伟"
    assert session.scalars(select(AuthToken.channel).where(AuthToken.officer_id == officer.id)).all() == ["wechat"]
    assert fake_wechat.calls["user/getuserinfo"] == 1


def test_unknown_userid_is_refused_and_no_token_is_issued(client, make, fake_wechat):
    fake_wechat.codes["CODE-2"] = "stranger"
    before = _token_count()

    response = client.post("/api/auth/wechat", json={"code": "CODE-2"})

    assert response.status_code == 401
    assert response.json["error"] == "wechat_user_unknown"
    assert "未绑定" in response.json["message"]
    assert _token_count() == before


def test_inactive_officer_is_refused(client, make, fake_wechat):
    make.officer(wechat_userid="retired", active=False)
    fake_wechat.codes["CODE-3"] = "retired"

    response = client.post("/api/auth/wechat", json={"code": "CODE-3"})

    assert response.status_code == 401
    assert response.json["error"] == "officer_inactive"
    assert response.json["message"] == "该账号已停用"


def test_code_wechat_rejects_is_a_clear_401(client, make, fake_wechat):
    make.officer(wechat_userid="zhangwei")
    before = _token_count()

    response = client.post("/api/auth/wechat", json={"code": "USED-OR-FORGED"})

    assert response.status_code == 401
    assert response.json["error"] == "wechat_code_invalid"
    assert "授权码" in response.json["message"]
    assert _token_count() == before


def test_missing_or_mistyped_code_is_refused_before_asking_wechat(client, fake_wechat):
    assert client.post("/api/auth/wechat", json={}).json["errors"]["json"]["code"] == ["缺少必填字段。"]
    assert client.post("/api/auth/wechat", json={"code": 42}).status_code == 422
    assert fake_wechat.calls["user/getuserinfo"] == 0


def test_wechat_unreachable_is_a_503_with_code(client, app, make, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE_URL", "http://127.0.0.1:9/cgi-bin/")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})

    response = client.post("/api/auth/wechat", json={"code": "CODE-1"})

    assert response.status_code == 503
    assert response.json["error"] == "wechat_unreachable"
    assert "无法连接政务微信" in response.json["message"]


def test_authorize_url_points_at_the_configured_oauth_page(client, fake_wechat):
    response = client.get("/api/auth/wechat/authorize-url",
                          query_string={"redirect_uri": "https://app.example.cn/duty?x=1", "state": "s1"})

    url = response.json["url"]
    assert url.startswith(f"{fake_wechat.base_url}/connect/oauth2/authorize?appid=wwfakecorp0001&")
    assert "redirect_uri=https%3A%2F%2Fapp.example.cn%2Fduty%3Fx%3D1" in url
    assert url.endswith("&state=s1#wechat_redirect")
