"""Photos a source sends by URL, fetched into storage without server-side request forgery.

A URL must be http(s) and every address its host resolves to public, unless the source is configured as
internal (a platform inside the government network): loopback, link-local (cloud metadata), private,
shared, reserved and multicast ranges are refused. Redirects are not followed (one could lead inside).
The fetch stops at ORDERS_PHOTO_TIMEOUT_SECONDS in all or past ORDERS_PHOTO_MAX_BYTES, and what arrives
is validated as every other image is. The host is resolved once: the connection goes to the address that was
checked (Host header, TLS SNI and certificate check keep the name), so a name whose answer changes after the
check (DNS rebinding) cannot lead inside.

The fetch runs inside the source's own request, deliberately: a slow, huge or non-image photo must be a 4xx
the source can log and retry (issue 18), which a later background fetch could only report as a refusal
through an answer.
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from backend.config import settings
from backend.errors import Invalid
from backend.files import store
from backend.images import validate_image
from backend.orders.models import OrderSource, WorkOrder, WorkOrderPhoto

MAX_PHOTOS = 4
RESOLVER = socket.getaddrinfo  # how a photo's host is resolved (a hook: tests map names through it)


def _refuse(url: str, why: str, code: str) -> Invalid:
    return Invalid(f"照片 {url[:200]} {why}", code=code, errors={"photos": [why]})


def _checked_address(url: str, source: OrderSource) -> str:
    """The address the photo is fetched from: the host resolved once, every answer allowed for the source."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(url, "不是 http(s) 地址", "bad_photo_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [info[4][0] for info in RESOLVER(parts.hostname, port, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError, ValueError):
        raise _refuse(url, "的主机名无法解析", "photo_unreachable") from None
    if not addresses:
        raise _refuse(url, "的主机名无法解析", "photo_unreachable")
    if not source.internal and any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        raise _refuse(url, "指向内网、本机或保留地址，已拒绝（来源未配置为内网来源）", "photo_url_private")
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


def _download(url: str, address: str, limit: int, timeout: float) -> tuple[bytes, str | None]:
    """The photo's bytes and declared type (runs in a worker thread: no app context, its limits passed in)."""
    deadline = time.monotonic() + timeout
    client = requests.Session()
    client.trust_env = False  # no proxy from the environment: it would resolve the name again
    client.mount("http://", PinnedAdapter(address))
    client.mount("https://", PinnedAdapter(address))
    try:
        with client, client.get(url, stream=True, allow_redirects=False, timeout=timeout) as response:
            if response.status_code != 200:
                raise _refuse(url, f"无法取得（HTTP {response.status_code}）", "photo_unreachable")
            data = b""
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > limit:
                    raise _refuse(url, f"超过 {limit} 字节", "photo_too_large")
                if time.monotonic() > deadline:
                    raise _refuse(url, "下载超时", "photo_timeout")
            return data, response.headers.get("Content-Type")
    except requests.Timeout:
        raise _refuse(url, "下载超时", "photo_timeout") from None
    except requests.RequestException as error:
        raise _refuse(url, f"无法取得（{type(error).__name__}）", "photo_unreachable") from None


def fetch_photos(order: WorkOrder, urls) -> None:
    """Fetch, validate and store every photo of a new order, or refuse the order with the first bad one."""
    if urls is None:
        return
    if not isinstance(urls, list) or len(urls) > MAX_PHOTOS or not all(isinstance(u, str) and len(u) <= 500
                                                                       for u in urls):
        raise Invalid(f"photos 应为至多 {MAX_PHOTOS} 个图片地址的列表", code="bad_field", errors={"photos": ["无效"]})
    limit, timeout = settings().ORDERS_PHOTO_MAX_BYTES, settings().ORDERS_PHOTO_TIMEOUT_SECONDS
    addresses = [_checked_address(url, order.source) for url in urls]
    # every address is checked before anything is fetched; then the order's photos are fetched together (one at
    # a time, a burst of orders spent its time waiting) and the first that fails, in the order given, refuses it
    with ThreadPoolExecutor(max_workers=MAX_PHOTOS) as pool:
        downloads = [pool.submit(_download, url, address, limit, timeout)
                     for url, address in zip(urls, addresses, strict=True)]
        fetched = []
        for url, download in zip(urls, downloads, strict=True):
            data, content_type = download.result()
            fetched.append((url, data, validate_image(data, declared_type=content_type, max_bytes=limit)))
    writes = []
    for url, data, image in fetched:
        digest = hashlib.sha256(data).hexdigest()
        key = f"orders/{digest}.{'jpg' if image.mime == 'image/jpeg' else 'png'}"
        writes.append((key, data, image.mime))
        order.photos.append(WorkOrderPhoto(url=url, storage_key=key, sha256=digest, mime=image.mime,
                                           width=image.width, height=image.height))
    store(writes)  # one claim for all of them, before the commit
