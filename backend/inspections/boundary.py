"""A district's boundary as data (区界): the polygon its administrator sets, against which the coordinates of every
regulated object registered, updated or imported are checked. Until a district sets one, only Shanghai's extent is
checked (a point outside is a typo or swapped columns)."""
from __future__ import annotations

from sqlalchemy import select

from backend import geo
from backend.db import session, utcnow
from backend.errors import Invalid, NotFound
from backend.inspections.models import DistrictBoundary
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, require
from backend.org.scope import settings_district

# Shanghai's extent (30°40′–31°53′ N, 120°52′–122°12′ E, Chongming and the islands included), a little wider.
SHANGHAI_LAT, SHANGHAI_LNG = (30.60, 31.95), (120.80, 122.30)
MAX_BOUNDARY_POINTS = 5_000  # a district's outline traced street by street has some hundreds
BOUNDARY = "区界"


def in_shanghai(point: geo.LatLng) -> bool:
    return SHANGHAI_LAT[0] <= point.lat <= SHANGHAI_LAT[1] and SHANGHAI_LNG[0] <= point.lng <= SHANGHAI_LNG[1]


def boundary(district_id: int) -> DistrictBoundary | None:
    return session.scalars(select(DistrictBoundary).where(DistrictBoundary.district_id == district_id)).one_or_none()


def area(district_id: int) -> geo.Area | None:
    """The district's boundary, ready to be asked about many points (None: none set)."""
    found = boundary(district_id)
    return None if found is None else geo.Area(found.points)


def check_place(point: geo.LatLng, lat: float, lng: float, district_area: geo.Area | None) -> None:
    """Refuse a point outside Shanghai, or outside the district's boundary where it has one (`lat`, `lng`: as
    given, for the message)."""
    if not in_shanghai(point):
        raise Invalid(f"坐标（{lat}, {lng}）不在上海市范围内，请核对纬度、经度是否填反或坐标系是否正确",
                      code="coordinates_outside")
    if district_area is not None and not district_area.covers(point):
        raise Invalid(f"坐标（{lat}, {lng}）不在本区区界内，请核对坐标，或确认该对象是否属于本区管辖",
                      code="coordinates_outside_district")


def set_boundary(actor: Officer, *, points: list[dict], coord_system: str = geo.GCJ02, note: str = "",
                 example: bool = False) -> DistrictBoundary:
    """Set (or replace) the actor's district's boundary: at least 3 distinct corners inside Shanghai, in order, the
    edges not crossing."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以设定区界")
    if len(points) > MAX_BOUNDARY_POINTS:
        raise Invalid(f"区界最多 {MAX_BOUNDARY_POINTS} 个顶点", code="boundary_too_many_points")
    corners = [geo.to_gcj02(point["lat"], point["lng"], coord_system) for point in points]
    outside = next((n for n, corner in enumerate(corners, start=1) if not in_shanghai(corner)), None)
    if outside is not None:
        raise Invalid(f"区界第 {outside} 个顶点不在上海市范围内，请核对纬度、经度是否填反", code="coordinates_outside")
    fence = geo.polygon(corners, what=BOUNDARY)
    found = boundary(actor.district_id)
    if found is None:
        found = DistrictBoundary(district_id=actor.district_id)
        session.add(found)
    found.points = [[corner.lat, corner.lng] for corner in fence.points]
    found.note, found.example = note.strip(), example
    found.created_by_id, found.created_at = actor.id, utcnow()
    session.flush()
    return found


def district_boundary(actor: Officer, district_id: int | None = None) -> DistrictBoundary:
    """The district's boundary (a city role names the district)."""
    found = boundary(settings_district(actor, district_id))
    if found is None:
        raise NotFound("本区尚未设定区界（导入和登记对象时只核对是否在上海市范围内）", code="boundary_not_set")
    return found
