"""JS-SDK signatures for wx.config and wx.agentConfig."""
import hashlib

from backend.wechat.jssdk import signature


def _expected(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """The signature as the JS-SDK documentation lays it out, computed here independently."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()


def test_signature_matches_the_documented_example():
    # The worked example of the WeChat JS-SDK documentation (附录1 JS-SDK使用权限签名算法).
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    assert signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value") \
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_signature_ignores_the_fragment():
    url = "https://app.example.cn/duty/today?day=2026-11-23"
    assert signature("T", "n", 1, url + "#/checkin?x=1") == _expected("T", "n", 1, url)


def test_endpoint_signs_both_configs_for_the_page(client, make, fake_wechat):
    officer = make.officer()
    page = "https://app.example.cn/evidence/new?case=7"

    response = client.get("/api/wechat/jssdk-config", headers=make.headers(officer),
                          query_string={"url": page + "#step2"})

    assert response.status_code == 200
    config, agent = response.json["config"], response.json["agent_config"]
    assert config["appId"] == agent["corpid"] == "wwfakecorp0001"
    assert agent["agentid"] == "1000002"
    assert config["signature"] == _expected("fake-corp-ticket", config["nonceStr"], config["timestamp"], page)
    assert agent["signature"] == _expected("fake-agent_config-ticket", agent["nonceStr"], agent["timestamp"], page)


def test_tickets_are_cached_across_requests(client, make, fake_wechat):
    headers = make.headers(make.officer())
    for _ in range(3):
        assert client.get("/api/wechat/jssdk-config", headers=headers,
                          query_string={"url": "https://app.example.cn/a"}).status_code == 200

    assert fake_wechat.calls["get_jsapi_ticket"] == 1
    assert fake_wechat.calls["ticket/get"] == 1
    assert fake_wechat.calls["gettoken"] == 1


def test_endpoint_needs_a_login_and_a_web_address(client, make, fake_wechat):
    assert client.get("/api/wechat/jssdk-config", query_string={"url": "https://a.cn/"}).status_code == 401
    response = client.get("/api/wechat/jssdk-config", headers=make.headers(make.officer()),
                          query_string={"url": "javascript:alert(1)"})
    assert response.status_code == 422
    assert fake_wechat.calls["get_jsapi_ticket"] == 0


def test_rate_limited_ticket_is_a_503(client, make, fake_wechat):
    fake_wechat.fail("get_jsapi_ticket", 45009)
    response = client.get("/api/wechat/jssdk-config", headers=make.headers(make.officer()),
                          query_string={"url": "https://app.example.cn/a"})
    assert response.status_code == 503
    assert response.json["error"] == "wechat_rate_limited"
