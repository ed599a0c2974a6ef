"""The business a shop alert is about, found in the inspections' registry of regulated objects (执法对象).

In this order, within the camera's district:
1. the alert carries the shop's credit code (统一社会信用代码): the object registered under exactly that code, or
   none (a code the platform read is not second-guessed by a name or a distance);
2. else the shop sign (店招) the alert names: the one object of that name, if exactly one;
3. else the nearest 沿街商户 object (kind code `street_shop` or name 沿街商户) within NONSITE_SHOP_RADIUS_M
   of the camera, an example default the district sets.
An alert naming neither a shop nor a code (a plate, or nothing recognised) is no shop alert: no object."""
from __future__ import annotations

import math

from sqlalchemy import func, or_, select

from backend.config import settings
from backend.db import session
from backend.geo import LatLng, distance_m
from backend.inspections.models import ObjectKind, RegulatedObject
from backend.nonsite.models import Alert

STREET_SHOP = ("street_shop", "沿街商户")
MATCHES = {"credit_code": "按统一社会信用代码", "name": "按店招名称", "nearest": "按距离（最近的沿街商户）"}
DEGREE_M = 111_000  # metres in a degree of latitude: the box the nearest search starts from


def match(alert: Alert, district_id: int) -> tuple[RegulatedObject | None, str | None]:
    """The object the alert is about and how it was found, or (None, None)."""
    in_district = RegulatedObject.district_id == district_id
    if alert.shop_credit_code is not None:
        found = session.scalars(select(RegulatedObject).where(
            in_district, RegulatedObject.credit_code == alert.shop_credit_code)).first()
        return (found, "credit_code") if found is not None else (None, None)
    if alert.shop is None:
        return None, None
    named = list(session.scalars(select(RegulatedObject).where(
        in_district, func.trim(RegulatedObject.name) == alert.shop.strip()).limit(2)))
    if len(named) == 1:
        return named[0], "name"
    nearest = _nearest(alert.camera.lat, alert.camera.lng, district_id, settings().NONSITE_SHOP_RADIUS_M)
    return (nearest, "nearest") if nearest is not None else (None, None)


def _nearest(lat: float, lng: float, district_id: int, radius_m: int) -> RegulatedObject | None:
    """The 沿街商户 object of the district nearest to the point, within `radius_m` (ties: the lower id)."""
    span = radius_m / DEGREE_M
    wide = span / max(0.1, abs(math.cos(math.radians(lat))))
    shops = select(ObjectKind.id).where(ObjectKind.district_id == district_id,
                                        or_(ObjectKind.code == STREET_SHOP[0], ObjectKind.name == STREET_SHOP[1]))
    candidates = session.scalars(select(RegulatedObject).where(
        RegulatedObject.district_id == district_id, RegulatedObject.kind_id.in_(shops),
        RegulatedObject.lat.between(lat - span, lat + span), RegulatedObject.lng.between(lng - wide, lng + wide)))
    here = LatLng(lat, lng)
    measured = sorted(((distance_m(here, LatLng(item.lat, item.lng)), item.id, item) for item in candidates),
                      key=lambda row: row[:2])
    return next((item for metres, _, item in measured if metres <= radius_m), None)

