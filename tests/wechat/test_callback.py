"""The callback URL: echostr verification, encrypted events, bad signatures and stale timestamps."""
import hashlib
import time

import pytest
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from backend.api.wechat import EVENT_HANDLERS

TOKEN = "fake-callback-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP_ID = "wwfakecorp0001"

LOCATION_EVENT = """<xml><ToUserName><![CDATA[wwfakecorp0001]]></ToUserName>
<FromUserName><![CDATA[zhangwei]]></FromUserName><CreateTime>1700000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event>
<Latitude>31.224361</Latitude><Longitude>121.469170</Longitude><Precision>30.0</Precision>
<AgentID>1000002</AgentID></xml>"""


def _signature(*parts: str) -> str:
    """msg_signature as WeChat computes it: SHA-1 of the sorted token, timestamp, nonce and payload."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _encrypted_post(xml: str, timestamp: str, nonce: str = "n0nce"):
    """What government WeChat posts: the event encrypted with the shared key, and its signature."""
    envelope = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(xml, nonce, timestamp)
    encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query = {"msg_signature": _signature(TOKEN, timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
    return query, envelope


@pytest.fixture
def received(monkeypatch):
    events = []
    monkeypatch.setitem(EVENT_HANDLERS, "LOCATION", events.append)
    return events


def test_echostr_is_decrypted_for_url_verification(client):
    timestamp = str(int(time.time()))
    echostr = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("8231470719285", CORP_ID).decode()

    response = client.get("/api/wechat/callback", query_string={
        "msg_signature": _signature(TOKEN, timestamp, "abc", echostr), "timestamp": timestamp,
        "nonce": "abc", "echostr": echostr})

    assert response.status_code == 200
    assert response.data == b"8231470719285"


def test_encrypted_event_is_decrypted_and_dispatched(client, received):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time())))

    response = client.post("/api/wechat/callback", query_string=query, data=body, content_type="text/xml")

    assert response.status_code == 200
    assert response.data == b""
    assert len(received) == 1
    assert received[0]["FromUserName"] == "zhangwei"
    assert (received[0]["Latitude"], received[0]["Longitude"]) == ("31.224361", "121.469170")


def test_event_without_a_handler_is_acknowledged(client, received):
    query, body = _encrypted_post(LOCATION_EVENT.replace("LOCATION", "enter_agent"), str(int(time.time())))

    response = client.post("/api/wechat/callback", query_string=query, data=body, content_type="text/xml")

    assert response.status_code == 200
    assert received == []


def test_bad_signature_is_refused_and_nothing_is_dispatched(client, received):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time())))
    query["msg_signature"] = "0" * 40

    response = client.post("/api/wechat/callback", query_string=query, data=body, content_type="text/xml")

    assert response.status_code == 403
    assert response.json["error"] == "wechat_signature_invalid"
    assert received == []


def test_tampered_body_fails_the_signature(client, received):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time())))
    other_query, other_body = _encrypted_post(LOCATION_EVENT.replace("zhangwei", "lisi"), query["timestamp"])

    response = client.post("/api/wechat/callback", query_string=query, data=other_body, content_type="text/xml")

    assert response.status_code == 403
    assert received == []


@pytest.mark.parametrize("age", [301, -301])
def test_stale_or_future_timestamp_is_refused(client, received, age):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time()) - age))  # correctly signed

    response = client.post("/api/wechat/callback", query_string=query, data=body, content_type="text/xml")

    assert response.status_code == 403
    assert response.json["error"] == "wechat_callback_stale"
    assert "过期" in response.json["message"]
    assert received == []


def test_stale_echostr_verification_is_refused(client):
    timestamp = str(int(time.time()) - 600)
    echostr = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("42", CORP_ID).decode()
    response = client.get("/api/wechat/callback", query_string={
        "msg_signature": _signature(TOKEN, timestamp, "abc", echostr), "timestamp": timestamp,
        "nonce": "abc", "echostr": echostr})
    assert response.status_code == 403
    assert response.json["error"] == "wechat_callback_stale"


def test_malformed_body_and_missing_parameters_are_4xx(client, received):
    timestamp = str(int(time.time()))
    response = client.post("/api/wechat/callback", data="<xml><oops", content_type="text/xml", query_string={
        "msg_signature": "x", "timestamp": timestamp, "nonce": "n"})
    assert response.status_code == 422
    assert response.json["error"] == "wechat_callback_malformed"

    garbage = "bm90IGNpcGhlcnRleHQ="
    response = client.post("/api/wechat/callback", content_type="text/xml",
                           data=f"<xml><Encrypt>{garbage}</Encrypt></xml>", query_string={
                               "msg_signature": _signature(TOKEN, timestamp, "n", garbage),
                               "timestamp": timestamp, "nonce": "n"})
    assert response.status_code == 422
    assert response.json["error"] == "wechat_callback_undecryptable"

    assert client.post("/api/wechat/callback", data="<xml/>").status_code == 422
    assert received == []
