"""Coordinate conversion against published pairs, distances and fences."""
import pytest

from backend import geo
from backend.errors import Invalid

# (WGS-84 lat, lng) → (GCJ-02 lat, lng): eviltransform's published test pairs and coordtransform's Beijing pair.
KNOWN_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # Beijing, Tian'anmen
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
]


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN_PAIRS)
def test_wgs84_input_is_converted_to_the_published_gcj02_point(wgs, gcj):
    point = geo.to_gcj02(*wgs, geo.WGS84)
    assert point.coord_system == geo.GCJ02
    # 1e-6 degrees is about 0.1 m: implementations differ only in the ellipsoid's last digits.
    assert point.lat == pytest.approx(gcj[0], abs=1e-6)
    assert point.lng == pytest.approx(gcj[1], abs=1e-6)


def test_gcj02_input_is_kept_as_it_is():
    assert geo.to_gcj02(31.23, 121.47, geo.GCJ02) == geo.LatLng(31.23, 121.47, "gcj02")


@pytest.mark.parametrize(("lat", "lng"), [(91, 121), (31, 181), (float("nan"), 121), (31, float("inf"))])
def test_coordinates_out_of_range_or_nan_are_refused(lat, lng):
    with pytest.raises(Invalid) as refused:
        geo.to_gcj02(lat, lng, geo.GCJ02)
    assert refused.value.code == "bad_coordinates"


def test_distance_matches_a_known_length():
    # One minute of latitude is one nautical mile (1852 m) to within half a percent.
    assert geo.distance_m(geo.LatLng(31.0, 121.0), geo.LatLng(31.0 + 1 / 60, 121.0)) == pytest.approx(1852, rel=5e-3)


def test_circle_admits_a_point_just_outside_within_its_reported_accuracy():
    fence = geo.circle(geo.LatLng(31.2304, 121.4737), 100)
    just_outside = geo.LatLng(31.2304 + 120 / 111195, 121.4737)  # ~120 m north
    inside, outside_m = fence.admits(just_outside, accuracy_m=30, max_allowance_m=100)
    assert inside and outside_m == pytest.approx(20, abs=1)
    assert not fence.admits(just_outside, accuracy_m=10, max_allowance_m=100)[0]
    assert not fence.admits(just_outside, accuracy_m=500, max_allowance_m=15)[0]  # allowance is capped


def test_polygon_distance_is_zero_inside_and_metres_outside():
    square = geo.polygon([geo.LatLng(31.23, 121.47), geo.LatLng(31.23, 121.48), geo.LatLng(31.24, 121.48),
                          geo.LatLng(31.24, 121.47)])
    assert square.distance_outside_m(geo.LatLng(31.235, 121.475)) == 0
    assert square.distance_outside_m(geo.LatLng(31.25, 121.475)) == pytest.approx(1112, rel=1e-2)


def test_self_intersecting_and_too_small_polygons_are_refused():
    bow_tie = [geo.LatLng(31.23, 121.47), geo.LatLng(31.24, 121.48), geo.LatLng(31.23, 121.48),
               geo.LatLng(31.24, 121.47)]
    with pytest.raises(Invalid) as crossing:
        geo.polygon(bow_tie)
    assert crossing.value.code == "polygon_self_intersecting"
    with pytest.raises(Invalid) as few:
        geo.polygon([geo.LatLng(31.23, 121.47), geo.LatLng(31.24, 121.48), geo.LatLng(31.23, 121.47)])
    assert few.value.code == "polygon_too_few_points"
