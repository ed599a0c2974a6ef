"""The callback URL: verify WeChat's signature and timestamp ourselves, then decrypt with wechatpy.

Nothing from the request reaches an XML parser before its signature holds: the ciphertext is taken
from the envelope by a pattern, signed-checked, and only then is the envelope (and later the
decrypted event) parsed, by defusedxml, which refuses DTDs and entity declarations outright.
"""
from __future__ import annotations

import hmac
import re
import struct
import time
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.utils import WeChatSigner

from backend.config import settings
from backend.errors import Forbidden, Invalid, ServiceUnavailable

# What a tampered or garbled ciphertext makes wechatpy's decryption raise.
_DECRYPT_ERRORS = (WeChatException, ValueError, IndexError, struct.error)
# The ciphertext in WeCom's envelope: base64, bare or in CDATA.
_ENCRYPT = re.compile(rb"<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]+)\]\]>|([A-Za-z0-9+/=]+))\s*</Encrypt>")


def _parse(xml: bytes | str) -> Element:
    """The root `<xml>` element; a DTD, an entity or broken XML is refused."""
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as error:
        raise Invalid("回调消息不得包含 DTD 或实体声明", code="wechat_callback_malformed") from error
    except ParseError as error:
        raise Invalid("回调消息格式错误", code="wechat_callback_malformed") from error
    if root.tag != "xml":
        raise Invalid("回调消息格式错误", code="wechat_callback_malformed")
    return root


def _fields(element: Element) -> dict:
    """An element's children as a dict: text for a leaf, a dict for a nested element."""
    return {child.tag: _fields(child) if len(child) else child.text for child in element}


class CallbackGuard:
    """Checks and decrypts what government WeChat posts to the callback URL."""

    def __init__(self):
        current = settings()
        if not (current.WECHAT_CALLBACK_TOKEN and current.WECHAT_CALLBACK_AES_KEY and current.WECHAT_CORP_ID):
            raise ServiceUnavailable("政务微信回调尚未配置", code="wechat_not_configured")
        self.token = current.WECHAT_CALLBACK_TOKEN
        self.max_age = current.WECHAT_CALLBACK_MAX_AGE_SECONDS
        self.crypto = WeChatCrypto(self.token, current.WECHAT_CALLBACK_AES_KEY, current.WECHAT_CORP_ID)

    def check(self, signature: str, timestamp: str, nonce: str, payload: str) -> None:
        """Refuse a stale (or future) timestamp and a wrong signature, compared in constant time."""
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > self.max_age:
            raise Forbidden("回调时间戳已过期或无效", code="wechat_callback_stale")
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp, nonce, payload)
        if not hmac.compare_digest(signer.signature.encode(), signature.encode()):
            raise Forbidden("回调签名校验失败", code="wechat_signature_invalid")

    def echo(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The plain echostr that proves to WeChat this URL holds the token and key."""
        self.check(signature, timestamp, nonce, echostr)
        try:
            return self.crypto.check_signature(signature, timestamp, nonce, echostr)
        except _DECRYPT_ERRORS as error:
            raise Invalid("回调 echostr 无法解密", code="wechat_callback_undecryptable") from error

    def decrypt(self, signature: str, timestamp: str, nonce: str, body: bytes) -> dict:
        """The event of an encrypted callback body, as a dict of its XML fields."""
        found = _ENCRYPT.search(body)
        if found is None:
            raise Invalid("回调消息格式错误", code="wechat_callback_malformed")
        encrypted = (found.group(1) or found.group(2)).decode()
        self.check(signature, timestamp, nonce, encrypted)
        if (_parse(body).findtext("Encrypt") or "").strip() != encrypted:  # the signed part is the envelope's own
            raise Invalid("回调消息格式错误", code="wechat_callback_malformed")
        try:
            plain = self.crypto.decrypt_message({"Encrypt": encrypted}, signature, timestamp, nonce)
        except _DECRYPT_ERRORS as error:
            raise Invalid("回调消息无法解密", code="wechat_callback_undecryptable") from error
        return _fields(_parse(plain))
