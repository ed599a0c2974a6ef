"""Fetching a file a partner system points to by URL, without server-side request forgery.

A URL must be http(s) and every address its host resolves to public, unless the partner is configured as
internal (a platform inside the government network): loopback, link-local (cloud metadata), private,
shared, reserved and multicast ranges are refused. Redirects are not followed (one could lead inside).
The fetch stops at `timeout` seconds in all or past `max_bytes`. The host is resolved once: the connection
goes to the address that was checked (Host header, TLS SNI and certificate check keep the name), so a name
whose answer changes after the check (DNS rebinding) cannot lead inside.

Used by the orders domain (a source's photos) and the non-site domain (an alert's images and clip); what
arrives is validated by the caller as every other image or video is. Refusals are 422s whose code starts
with the caller's `code` word (`photo_url_private`, `media_too_large` …).
"""
from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from backend.errors import Invalid


@dataclass(frozen=True)
class Words:
    """How refusals name what was fetched: `照片`/`photo` for an order's photos, `媒体文件`/`media` for alerts."""

    noun: str = "照片"
    code: str = "photo"
    field: str = "photos"

    def refuse(self, url: str, why: str, code: str) -> Invalid:
        return Invalid(f"{self.noun} {url[:200]} {why}", code=f"{self.code}_{code}", errors={self.field: [why]})


def checked_address(url: str, *, internal: bool, words: Words = Words(), resolver=socket.getaddrinfo) -> str:
    """The address the file is fetched from: the host resolved once, every answer allowed for the partner."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[" and the like
        parts, hostname = None, None
    if parts is None or parts.scheme not in ("http", "https") or not hostname:
        raise Invalid(f"{words.noun} {url[:200]} 不是 http(s) 地址", code=f"bad_{words.code}_url",
                      errors={words.field: ["不是 http(s) 地址"]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [info[4][0] for info in resolver(hostname, port, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError, ValueError):
        raise words.refuse(url, "的主机名无法解析", "unreachable") from None
    if not addresses:
        raise words.refuse(url, "的主机名无法解析", "unreachable")
    if not internal and any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        raise words.refuse(url, "指向内网、本机或保留地址，已拒绝（来源未配置为内网来源）", "url_private")
    return addresses[0]


class _Pinned:
    """A connection whose socket goes to `address` while Host, SNI and the certificate check keep the name."""

    address: str

    def _new_conn(self):
        named, self._dns_host = self._dns_host, self.address
        try:
            return super()._new_conn()
        finally:
            self._dns_host = named


def _pinned_pools(address: str) -> dict:
    http = type("PinnedHTTPConnection", (_Pinned, HTTPConnection), {"address": address})
    https = type("PinnedHTTPSConnection", (_Pinned, HTTPSConnection), {"address": address})
    return {"http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https})}


class PinnedAdapter(HTTPAdapter):
    """A transport that connects to the address checked, whatever the name resolves to by then."""

    def __init__(self, address: str):
        self.address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pinned_pools(self.address)


def download(url: str, address: str, *, max_bytes: int, timeout: float,
             words: Words = Words()) -> tuple[bytes, str | None]:
    """The body at `url`, read from `address`, and its declared type; refused past the size or the time."""
    deadline = time.monotonic() + timeout
    client = requests.Session()
    client.trust_env = False  # no proxy from the environment: it would resolve the name again
    client.mount("http://", PinnedAdapter(address))
    client.mount("https://", PinnedAdapter(address))
    try:
        with client, client.get(url, stream=True, allow_redirects=False, timeout=timeout) as response:
            if response.status_code != 200:
                raise words.refuse(url, f"无法取得（HTTP {response.status_code}）", "unreachable")
            data = bytearray()
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > max_bytes:
                    raise words.refuse(url, f"超过 {max_bytes} 字节", "too_large")
                if time.monotonic() > deadline:
                    raise words.refuse(url, "下载超时", "timeout")
            return bytes(data), response.headers.get("Content-Type")
    except requests.Timeout:
        raise words.refuse(url, "下载超时", "timeout") from None
    except requests.RequestException as error:
        raise words.refuse(url, f"无法取得（{type(error).__name__}）", "unreachable") from None


def fetch(url: str, *, internal: bool, max_bytes: int, timeout: float, words: Words = Words(),
          resolver=socket.getaddrinfo) -> tuple[bytes, str | None]:
    """Check the URL's addresses, then download from the one checked."""
    return download(url, checked_address(url, internal=internal, words=words, resolver=resolver),
                    max_bytes=max_bytes, timeout=timeout, words=words)
