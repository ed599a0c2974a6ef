"""Photos sent by URL: fetched into storage and validated like every image; private addresses refused unless
the source is internal; garbage, huge or missing photos refuse the order with nothing stored."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy import func, select

from backend.db import session
from backend.orders import photos
from backend.orders.models import WorkOrder
from backend.storage import get_storage
from tests.orders.conftest import an_order, send
from tests.photos import coffee, encode


def orders() -> int:
    return session.scalar(select(func.count()).select_from(WorkOrder))


def test_photos_of_an_internal_source_are_fetched_into_storage(client, platform, internal_source):
    jpeg = encode(coffee())
    platform.photos["scene.jpg"] = (jpeg, "image/jpeg")
    order = an_order(photos=[platform.photo_url("scene.jpg")])
    response = send(client, platform, internal_source, order)
    assert response.status_code == 201, response.json
    [photo] = session.get(WorkOrder, response.json["id"]).photos
    assert get_storage().get(photo.storage_key) == jpeg and photo.width > 0


def test_a_photo_on_a_private_address_is_refused_for_a_public_source(client, platform, source):
    platform.photos["scene.jpg"] = (encode(coffee()), "image/jpeg")
    for url in (platform.photo_url("scene.jpg"), "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.8/p.jpg", "file:///etc/passwd"):
        refused = send(client, platform, source, an_order(photos=[url]))
        assert refused.status_code == 422 and refused.json["error"] in ("photo_url_private", "bad_photo_url"), url
    assert orders() == 0


@pytest.mark.parametrize("served, code", [
    ((b"<html>not an image</html>", "text/html"), "not_an_image"),
    ((b"\xff\xd8\xff" + b"\0" * 3000, "image/jpeg"), "photo_too_large"),
    (None, "photo_unreachable"),
])
def test_a_bad_photo_refuses_the_order_and_the_retry_succeeds(client, platform, internal_source, monkeypatch, app,
                                                               served, code):
    monkeypatch.setitem(app.config, "ORDERS_PHOTO_MAX_BYTES", 2000)
    if served:
        platform.photos["p"] = served
    order = an_order(photos=[platform.photo_url("p")])
    refused = send(client, platform, internal_source, order)
    assert refused.status_code == 422 and refused.json["error"] == code, refused.json
    assert orders() == 0
    assert send(client, platform, internal_source, {**order, "photos": []}).status_code == 201


def rebinding(monkeypatch, name: str, *answers: str) -> None:
    """DNS for `name` answering each of `answers` in turn (the last one from then on), as a rebinding attacker's
    name server does; every other name resolves as usual."""
    remaining = list(answers)

    def resolve(host, port, *args, **kwargs):
        if host != name:
            return socket.getaddrinfo(host, port, *args, **kwargs)
        address = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(photos, "RESOLVER", resolve)


def test_the_photo_is_fetched_from_the_address_checked_whatever_dns_answers_later(client, platform, source,
                                                                                 internal_source, monkeypatch, app):
    platform.photos["scene.jpg"] = (encode(coffee()), "image/jpeg")
    # A public source's name checked as a public address, then rebound to the loopback: refused, never fetched.
    rebinding(monkeypatch, "photos.rebind.test", "93.184.216.34", "127.0.0.1")
    monkeypatch.setitem(app.config, "ORDERS_PHOTO_TIMEOUT_SECONDS", 1)
    order = an_order(photos=[platform.photo_url("scene.jpg", host="photos.rebind.test")])
    refused = send(client, platform, source, order)
    assert refused.status_code == 422 and refused.json["error"] in ("photo_timeout", "photo_unreachable")
    assert platform.photo_requests == [] and orders() == 0

    # An internal source's name checked as the platform's address, then rebound elsewhere: fetched from the
    # address checked, with the name in the Host header.
    rebinding(monkeypatch, "photos.cy.test", "127.0.0.1", "10.255.255.1")
    order = an_order(photos=[platform.photo_url("scene.jpg", host="photos.cy.test")])
    assert send(client, platform, internal_source, order).status_code == 201
    assert platform.photo_requests == [("scene.jpg", f"photos.cy.test:{platform.port}")]
