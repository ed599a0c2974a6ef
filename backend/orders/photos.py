"""Photos a source sends by URL, fetched into storage without server-side request forgery (`backend.fetch`).

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
import socket
from concurrent.futures import ThreadPoolExecutor

from backend import fetch
from backend.config import settings
from backend.errors import Invalid
from backend.files import store
from backend.images import validate_image
from backend.orders.models import WorkOrder, WorkOrderPhoto

MAX_PHOTOS = 4
RESOLVER = socket.getaddrinfo  # how a photo's host is resolved (a hook: tests map names through it)


def fetch_photos(order: WorkOrder, urls) -> None:
    """Fetch, validate and store every photo of a new order, or refuse the order with the first bad one."""
    if urls is None:
        return
    if not isinstance(urls, list) or len(urls) > MAX_PHOTOS or not all(isinstance(u, str) and len(u) <= 500
                                                                       for u in urls):
        raise Invalid(f"photos 应为至多 {MAX_PHOTOS} 个图片地址的列表", code="bad_field", errors={"photos": ["无效"]})
    limit, timeout = settings().ORDERS_PHOTO_MAX_BYTES, settings().ORDERS_PHOTO_TIMEOUT_SECONDS
    addresses = [fetch.checked_address(url, internal=order.source.internal, resolver=RESOLVER) for url in urls]
    # every address is checked before anything is fetched; then the order's photos are fetched together (one at
    # a time, a burst of orders spent its time waiting) and the first that fails, in the order given, refuses it
    with ThreadPoolExecutor(max_workers=MAX_PHOTOS) as pool:
        downloads = [pool.submit(fetch.download, url, address, max_bytes=limit, timeout=timeout)
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
