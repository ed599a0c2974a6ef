"""Coordinates and geofences: GCJ-02 is canonical, WGS-84 input is converted on the way in."""
from __future__ import annotations

import math
from dataclasses import dataclass

import eviltransform
from shapely.geometry import Point as _ShapelyPoint
from shapely.geometry import Polygon as _ShapelyPolygon
from shapely.prepared import prep

from backend.errors import Invalid

GCJ02 = "gcj02"
WGS84 = "wgs84"
COORD_SYSTEMS = (GCJ02, WGS84)
EARTH_RADIUS_M = 6371008.8  # mean radius; fences and tracks are a few km, so a sphere is plenty


@dataclass(frozen=True)
class LatLng:
    """A point in GCJ-02 (the only system stored)."""

    lat: float
    lng: float
    coord_system: str = GCJ02


def to_gcj02(lat: float, lng: float, coord_system: str) -> LatLng:
    """Validate a coordinate and convert it to GCJ-02 (eviltransform, the standard algorithm)."""
    if coord_system not in COORD_SYSTEMS:
        raise Invalid("坐标系只能是 gcj02 或 wgs84", code="bad_coord_system")
    for value in (lat, lng):
        if value is None or not math.isfinite(value):
            raise Invalid("坐标不能为空、NaN 或无穷大", code="bad_coordinates")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("坐标超出范围：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间", code="bad_coordinates")
    if coord_system == WGS84:
        lat, lng = eviltransform.wgs2gcj(lat, lng)
    return LatLng(lat, lng)


def distance_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance in metres (haversine, accurate at the few-metre steps of a track)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _local_xy(origin: LatLng, point: LatLng) -> tuple[float, float]:
    """Metres east and north of `origin` (equirectangular; exact enough within a district)."""
    x = math.radians(point.lng - origin.lng) * EARTH_RADIUS_M * math.cos(math.radians(origin.lat))
    y = math.radians(point.lat - origin.lat) * EARTH_RADIUS_M
    return x, y


@dataclass(frozen=True)
class Fence:
    """A post's geofence: a circle (centre + radius) or a polygon, in GCJ-02."""

    shape: str
    center: LatLng | None = None
    radius_m: int | None = None
    points: tuple[LatLng, ...] = ()

    @classmethod
    def stored(cls, shape: str, center_lat: float | None, center_lng: float | None, radius_m: int | None,
               polygon: list | None) -> Fence:
        """The fence of a post's stored columns."""
        if shape == "circle":
            return cls("circle", center=LatLng(center_lat, center_lng), radius_m=radius_m)
        return cls("polygon", points=tuple(LatLng(lat, lng) for lat, lng in polygon))

    def distance_outside_m(self, point: LatLng) -> float:
        """How far `point` lies outside the fence (0 inside)."""
        if self.shape == "circle":
            return max(0.0, distance_m(self.center, point) - self.radius_m)
        origin = self.points[0]
        polygon = _ShapelyPolygon([_local_xy(origin, p) for p in self.points])
        return polygon.distance(_ShapelyPoint(_local_xy(origin, point)))

    def admits(self, point: LatLng, accuracy_m: float, max_allowance_m: float) -> tuple[bool, float]:
        """Whether `point` counts as inside given its reported accuracy (capped); and its distance outside."""
        outside = self.distance_outside_m(point)
        return outside <= min(accuracy_m, max_allowance_m), outside


def circle(center: LatLng, radius_m: int) -> Fence:
    if not 10 <= radius_m <= 5000:
        raise Invalid("圆形围栏半径应在 10 到 5000 米之间", code="bad_radius")
    return Fence("circle", center=center, radius_m=radius_m)


def polygon(points: list[LatLng], what: str = "多边形围栏") -> Fence:
    """A polygon fence (or another outline, named `what` in the refusals); refused with fewer than 3 distinct
    corners or with crossing edges."""
    if points and points[0] == points[-1]:
        points = points[:-1]  # a closed ring repeats its first corner
    if len(set(points)) < 3:
        raise Invalid(f"{what}至少需要 3 个不同的顶点", code="polygon_too_few_points")
    shape = _ShapelyPolygon([_local_xy(points[0], p) for p in points])
    if not shape.is_valid:
        raise Invalid(f"{what}的边不能交叉（自相交），请按顺序标出各顶点", code="polygon_self_intersecting")
    if shape.area < 1:
        raise Invalid(f"{what}面积过小", code="polygon_degenerate")
    return Fence("polygon", points=tuple(points))


class Area:
    """A polygon asked, many times over, whether points lie in it (its edge counts as inside): a district's
    boundary checked against every row of an import. Containment is computed on the coordinates themselves,
    which within a district is what it is on the ground (the local projection is linear)."""

    def __init__(self, points: list[tuple[float, float]]):
        self._shape = prep(_ShapelyPolygon([(lng, lat) for lat, lng in points]))

    def covers(self, point: LatLng) -> bool:
        return self._shape.covers(_ShapelyPoint(point.lng, point.lat))
