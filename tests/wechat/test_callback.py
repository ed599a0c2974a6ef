"""The callback URL: echostr verification, encrypted events, bad signatures and stale timestamps.

What government WeChat posts is built here by following WeCom's published algorithm directly
(AES-256-CBC, PKCS#7 to 32 bytes, random(16) + msg_len + msg + receiveid, SHA-1 over the sorted
token, timestamp, nonce and ciphertext), not with the wechatpy crypto the service itself uses.
"""
import base64
import hashlib
import os
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from backend.api.wechat.views import EVENT_HANDLERS

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


def _encrypt(message: str, receive_id: str = CORP_ID) -> str:
    """WeCom's message encryption: base64(AES-256-CBC(random(16) + msg_len + msg + receiveid)), IV = key[:16]."""
    key = base64.b64decode(AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(message.encode())) + message.encode() + receive_id.encode()
    pad = 32 - len(plain) % 32  # PKCS#7 with a 32-byte block
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _envelope(encrypted: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")


def _encrypted_post(xml: str, timestamp: str, nonce: str = "n0nce"):
    """What government WeChat posts: the event encrypted with the shared key, and its signature."""
    encrypted = _encrypt(xml)
    query = {"msg_signature": _signature(TOKEN, timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
    return query, _envelope(encrypted)


@pytest.fixture
def received(monkeypatch):
    events = []
    monkeypatch.setitem(EVENT_HANDLERS, "LOCATION", events.append)
    return events


def test_echostr_is_decrypted_for_url_verification(client):
    timestamp = str(int(time.time()))
    echostr = _encrypt("8231470719285")

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
    echostr = _encrypt("42")
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


BILLION_LAUGHS = ('<!DOCTYPE xml [<!ENTITY a "hahahahahahahahahaha">'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')


def test_unsigned_body_with_an_entity_is_refused_before_any_parsing(client, received):
    timestamp = str(int(time.time()))
    body = f'{BILLION_LAUGHS}<xml><Encrypt>&c;</Encrypt></xml>'

    response = client.post("/api/wechat/callback", data=body, content_type="text/xml", query_string={
        "msg_signature": "0" * 40, "timestamp": timestamp, "nonce": "n"})

    assert response.status_code == 422
    assert response.json["error"] == "wechat_callback_malformed"
    assert received == []


def test_signature_is_checked_before_the_envelope_is_parsed(client, received):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time())))
    query["msg_signature"] = "0" * 40

    response = client.post("/api/wechat/callback", query_string=query, data=BILLION_LAUGHS + body,
                           content_type="text/xml")

    assert response.status_code == 403
    assert response.json["error"] == "wechat_signature_invalid"


def test_correctly_signed_envelope_with_a_dtd_is_refused(client, received):
    query, body = _encrypted_post(LOCATION_EVENT, str(int(time.time())))
    body = body.replace("<ToUserName><![CDATA[wwfakecorp0001]]>", "<ToUserName>&c;")

    response = client.post("/api/wechat/callback", query_string=query, data=BILLION_LAUGHS + body,
                           content_type="text/xml")

    assert response.status_code == 422
    assert response.json["error"] == "wechat_callback_malformed"
    assert "DTD" in response.json["message"]
    assert received == []


def test_encrypted_event_with_an_entity_is_refused(client, received):
    event = BILLION_LAUGHS + LOCATION_EVENT.replace("zhangwei", "&c;")
    query, body = _encrypted_post(event, str(int(time.time())))

    response = client.post("/api/wechat/callback", query_string=query, data=body, content_type="text/xml")

    assert response.status_code == 422
    assert response.json["error"] == "wechat_callback_malformed"
    assert received == []

