"""Helpers for the community tests: signed office paths, a resident's submission."""
from __future__ import annotations

import io
import itertools

import pytest

from backend.community.operations import qr_version
from backend.community.signing import office_path
from backend.org.models import Role
from tests.photos import coffee, encode

_addresses = itertools.count(1)


@pytest.fixture
def office(make):
    """An office of a squad with a leader and two officers, all on government WeChat."""
    squad = make.squad()
    make.officer(Role.squad_leader, squad=squad, wechat_userid=f"leader{squad.id}")
    make.officer(squad=squad, wechat_userid=f"officer{squad.id}a")
    make.officer(squad=squad, wechat_userid=f"officer{squad.id}b")
    return make.office(squad, name="静安寺街道城管社区工作室")


def signed(office) -> dict:
    """The office code, version and signature a scanned QR code carries."""
    _, _, code, version, signature = office_path(office.code, qr_version(office)).split("/")
    return {"office_code": code, "version": version, "signature": signature}


def jpeg() -> tuple:
    return (io.BytesIO(encode(coffee())), "photo.jpg", "image/jpeg")


def submit(client, office, *, photos: int = 0, address: str | None = None, **fields):
    """POST a resident's complaint through the JSON API (multipart, as the mini-app sends it)."""
    data = {**signed(office), "category": "street_vending", "description": "小区南门每天傍晚有流动摊贩占道经营",
            "consent": "true", **fields}
    if photos:
        data["photos"] = [jpeg() for _ in range(photos)]
    return client.post(
        "/api/community/public/complaints",
        data=data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address or f"10.0.{next(_addresses) % 250}.{next(_addresses) % 250}"},
    )
