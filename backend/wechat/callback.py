"""The callback URL: verify WeChat's signature and timestamp ourselves, then decrypt with wechatpy."""
from __future__ import annotations

import hmac
import struct
import time
from collections.abc import Mapping
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.utils import WeChatSigner

from backend.errors import Forbidden, Invalid, ServiceUnavailable

# What a tampered or garbled ciphertext makes wechatpy's decryption raise.
_DECRYPT_ERRORS = (WeChatException, ValueError, IndexError, struct.error)


class CallbackGuard:
    """Checks and decrypts what government WeChat posts to the callback URL."""

    def __init__(self, config: Mapping):
        if not (config["WECHAT_CALLBACK_TOKEN"] and config["WECHAT_CALLBACK_AES_KEY"] and config["WECHAT_CORP_ID"]):
            raise ServiceUnavailable("政务微信回调尚未配置", code="wechat_not_configured")
        self.token = config["WECHAT_CALLBACK_TOKEN"]
        self.max_age = config["WECHAT_CALLBACK_MAX_AGE_SECONDS"]
        self.crypto = WeChatCrypto(self.token, config["WECHAT_CALLBACK_AES_KEY"], config["WECHAT_CORP_ID"])

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
        try:
            envelope = xmltodict.parse(body)["xml"]
            encrypted = envelope["Encrypt"]
        except (ExpatError, KeyError, TypeError) as error:
            raise Invalid("回调消息格式错误", code="wechat_callback_malformed") from error
        if not isinstance(encrypted, str):
            raise Invalid("回调消息格式错误", code="wechat_callback_malformed")
        self.check(signature, timestamp, nonce, encrypted)
        try:
            plain = self.crypto.decrypt_message({"Encrypt": encrypted}, signature, timestamp, nonce)
            message = xmltodict.parse(plain)["xml"]
        except (*_DECRYPT_ERRORS, ExpatError, KeyError, TypeError) as error:
            raise Invalid("回调消息无法解密", code="wechat_callback_undecryptable") from error
        if not isinstance(message, dict):
            raise Invalid("回调消息格式错误", code="wechat_callback_malformed")
        return message
