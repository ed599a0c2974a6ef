"""A district's boundary as data (区界): the polygon its administrator sets, against which the coordinates of every
regulated object registered, updated or imported are checked. Until a district sets one, only Shanghai's extent is
checked (a point outside is a typo or swapped columns)."""
from __future__ import annotations

from sqlalchemy import func, select, update

from backend import geo
from backend.db import session, utcnow
from backend.errors import Invalid, NotFound
from backend.inspections.models import DistrictBoundary, RegulatedObject
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, require
from backend.org.scope import scoped, settings_district

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
    _flag_outside(actor.district_id, geo.Area(found.points))
    return found


def _flag_outside(district_id: int, fence: geo.Area | None) -> None:
    """Flag the district's objects whose coordinates lie outside `fence` (None: no boundary, none is outside), and
    unflag the others: one pass over the objects' coordinates, the flags written only where they change."""
    placed = session.execute(select(RegulatedObject.id, RegulatedObject.lat, RegulatedObject.lng,
                                    RegulatedObject.outside_boundary).where(
        RegulatedObject.district_id == district_id, RegulatedObject.lat.is_not(None)))
    changed = {True: [], False: []}
    for object_id, lat, lng, flagged in placed:
        outside = fence is not None and not fence.covers(geo.LatLng(lat, lng))
        if outside != flagged:
            changed[outside].append(object_id)
    for outside, ids in changed.items():
        for start in range(0, len(ids), 5_000):
            session.execute(update(RegulatedObject).where(RegulatedObject.id.in_(ids[start:start + 5_000]))
                            .values(outside_boundary=outside).execution_options(synchronize_session=False))
    session.flush()


def objects_outside(actor: Officer, district_id: int) -> int:
    """How many of the district's objects that `actor` sees are flagged outside its boundary."""
    return session.scalar(select(func.count()).select_from(
        scoped(RegulatedObject, actor).where(RegulatedObject.district_id == district_id,
                                             RegulatedObject.outside_boundary.is_(True)).subquery()))


def remove_boundary(actor: Officer) -> int:
    """Remove the district's boundary (only Shanghai's extent is checked again) and clear the objects' flags; the
    removed boundary's id."""
    require(actor, DISTRICT_ADMINS, "只有区局管理员可以删除区界")
    found = district_boundary(actor)
    session.delete(found)
    session.flush()
    session.execute(update(RegulatedObject).where(RegulatedObject.district_id == actor.district_id,
                                                  RegulatedObject.outside_boundary.is_(True))
                    .values(outside_boundary=False).execution_options(synchronize_session=False))
    return found.id


def district_boundary(actor: Officer, district_id: int | None = None) -> DistrictBoundary:
    """The district's boundary (a city role names the district)."""
    found = boundary(settings_district(actor, district_id))
    if found is None:
        raise NotFound("本区尚未设定区界（导入和登记对象时只核对是否在上海市范围内）", code="boundary_not_set")
    return found
