"""The fake city platform, and a district with a squad that takes its orders."""
from __future__ import annotations

import itertools

import pytest

from backend.org.models import Role
from tests.fake_city_platform import CATEGORY_MAP, STATUS_MAP, FakeCityPlatform

KEY = "city-platform-shared-key-0123456789abcdef"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def city_platform():
    fake = FakeCityPlatform(KEY).start()
    yield fake
    fake.stop()


@pytest.fixture
def platform(city_platform):
    city_platform.reset()
    return city_platform


@pytest.fixture
def squad(make):
    squad = make.squad()
    make.officer(Role.squad_leader, squad=squad, wechat_userid=f"leader{squad.id}")
    return squad


@pytest.fixture
def admin(make, squad):
    return make.officer(Role.district_admin, district=squad.district)


def register(client, make, admin, squad, platform, **fields) -> dict:
    """Register the platform as a source of the squad's orders through the administrator's API."""
    response = client.post("/api/orders/sources", headers=make.headers(admin), json={
        "name": f"cy{next(_numbers)}", "title": "区城运中心", "kind": "city_platform", "key": KEY,
        "squad_id": squad.id, "callback_url": platform.callback_url, "coord_system": "wgs84",
        "category_map": CATEGORY_MAP, "status_map": STATUS_MAP, **fields})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def source(client, make, admin, squad, platform):
    """The district's city operations centre, on the internet."""
    return register(client, make, admin, squad, platform)


@pytest.fixture
def internal_source(client, make, admin, squad, platform):
    """The city operations centre inside the government network: its photo URLs may be private addresses."""
    return register(client, make, admin, squad, platform, internal=True)


def an_order(**fields) -> dict:
    """An order as the platform words it: its own id, category code, status word, WGS-84 place."""
    return {"order_id": f"CY2026{next(_numbers):06d}", "category": "A0101", "status": "待受理",
            "description": "南京西路 1266 号门口流动摊贩占道经营", "place": "南京西路1266号",
            "lat": 31.2290, "lng": 121.4540, "reporter": {"name": "张先生", "phone": "138 1234 5678"}, **fields}


def send(client, platform, source, order, **signing):
    return client.post(f"/api/orders/inbound/{source['name']}", **platform.signed(order, **signing))
