import pytest


@pytest.fixture
def oauth_state(client):
    """The state a light app's login attempt carries back from WeChat, as the authorize link gives it."""
    response = client.get("/api/auth/wechat/authorize-url", query_string={"redirect_uri": "https://app.example.cn/"})
    return response.json["state"]
