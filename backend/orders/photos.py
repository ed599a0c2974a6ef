"""Photos a source sends by URL, fetched into storage without server-side request forgery.

A URL must be http(s) and every address its host resolves to public, unless the source is configured as
internal (a platform inside the government network): loopback, link-local (cloud metadata), private,
shared, reserved and multicast ranges are refused. Redirects are not followed (one could lead inside).
The fetch stops at ORDERS_PHOTO_TIMEOUT_SECONDS in all or past ORDERS_PHOTO_MAX_BYTES, and what arrives
is validated as every other image is. (The host is resolved twice, by us and by the HTTP client: a name
whose answer changes in between could still lead inside; a source's own names are not expected to.)
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from urllib.parse import urlsplit

import requests

from backend.config import settings
from backend.errors import Invalid
from backend.files import store
from backend.images import validate_image
from backend.orders.models import OrderSource, WorkOrder, WorkOrderPhoto

MAX_PHOTOS = 4


def _refuse(url: str, why: str, code: str) -> Invalid:
    return Invalid(f"照片 {url[:200]} {why}", code=code, errors={"photos": [why]})


def _check_address(url: str, source: OrderSource) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(url, "不是 http(s) 地址", "bad_photo_url")
    try:
        addresses = {
            info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        }
    except (socket.gaierror, UnicodeError):
        raise _refuse(url, "的主机名无法解析", "photo_unreachable") from None
    if not source.internal and any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        raise _refuse(url, "指向内网、本机或保留地址，已拒绝（来源未配置为内网来源）", "photo_url_private")


def _download(url: str) -> tuple[bytes, str | None]:
    limit, deadline = settings().ORDERS_PHOTO_MAX_BYTES, time.monotonic() + settings().ORDERS_PHOTO_TIMEOUT_SECONDS
    try:
        with requests.get(url, stream=True, allow_redirects=False,
                          timeout=settings().ORDERS_PHOTO_TIMEOUT_SECONDS) as response:
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
    fetched = []
    for url in urls:
        _check_address(url, order.source)
        data, content_type = _download(url)
        image = validate_image(data, declared_type=content_type, max_bytes=settings().ORDERS_PHOTO_MAX_BYTES)
        fetched.append((url, data, image))
    for url, data, image in fetched:
        digest = hashlib.sha256(data).hexdigest()
        key = f"orders/{digest}.{'jpg' if image.mime == 'image/jpeg' else 'png'}"
        store([(key, data, image.mime)])
        order.photos.append(WorkOrderPhoto(url=url, storage_key=key, sha256=digest, mime=image.mime,
                                           width=image.width, height=image.height))
