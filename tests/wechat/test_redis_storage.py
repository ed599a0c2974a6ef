"""Tokens and tickets in Redis when REDIS_URL is set (the local Redis on 127.0.0.1:6379)."""
import uuid
from dataclasses import replace

import pytest
import redis
from wechatpy.session.redisstorage import RedisStorage

from backend.config import settings
from backend.wechat.client import build_client
from backend.wechat.storage import make_storage

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_settings(app):
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()  # .ci/run starts the local Redis if it is not running
    prefix = f"test-chengguan-{uuid.uuid4().hex}"
    yield replace(settings(), REDIS_URL=REDIS_URL, WECHAT_CACHE_PREFIX=prefix)
    keys = list(connection.scan_iter(f"{prefix}:*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def test_token_and_tickets_are_shared_through_redis(redis_settings, fake_wechat):
    first = build_client(redis_settings)
    second = build_client(redis_settings)  # as another process would build it
    assert isinstance(first.session, RedisStorage)

    first.department.get()
    second.department.get()
    assert first.jsapi_ticket() == second.jsapi_ticket() == "fake-corp-ticket"
    assert second.agent_ticket() == "fake-agent_config-ticket"

    assert fake_wechat.calls["gettoken"] == 1
    assert fake_wechat.calls["get_jsapi_ticket"] == 1
    connection = redis.Redis.from_url(REDIS_URL)
    key = f"{redis_settings.WECHAT_CACHE_PREFIX}:wwfakecorp0001:1000002:access_token"
    assert 0 < connection.ttl(key) <= 7200 - 300


def test_expired_token_is_replaced_in_redis(redis_settings, fake_wechat):
    client = build_client(redis_settings)
    client.department.get()
    fake_wechat.expire_tokens()

    build_client(redis_settings).department.get()

    assert fake_wechat.calls["gettoken"] == 2
    assert make_storage(redis_settings).get("wwfakecorp0001:1000002:access_token") == "fake-token-2"
