"""A district's boundary as data: its administrator sets the polygon, and an object's coordinates outside it are
refused (in a form and row by row in an import, nothing stored); a broken polygon is refused as it is set."""
import json

import eviltransform
import pytest
from sqlalchemy import select

from backend import geo
from backend.db import session
from backend.demo import POSTS, load_demo
from backend.inspections.boundary import MAX_BOUNDARY_POINTS
from backend.inspections.credit_code import check_character
from backend.org.models import CommunityOffice, Officer
from tests.inspections.test_registry import SHANGHAI, TENCENT, _count, _csv, _import, _object, world  # noqa: F401

# A square around 南京西路 (Jing'an), in GCJ-02; 陆家嘴 (Pudong) is in Shanghai but outside it.
SQUARE = [{"lat": 31.215, "lng": 121.435}, {"lat": 31.215, "lng": 121.475}, {"lat": 31.245, "lng": 121.475},
          {"lat": 31.245, "lng": 121.435}]
INSIDE, PUDONG = (31.2290, 121.4550), (31.2397, 121.4998)


def _set(client, headers, points, **body):
    return client.put("/api/inspections/boundary", headers=headers, json={"points": points, **body})


def test_objects_outside_the_district_are_refused_once_it_has_a_boundary(client, make, world):  # noqa: F811
    admin = make.headers(world["admin"])
    unset = client.get("/api/inspections/boundary", headers=admin)
    assert (unset.status_code, unset.json["error"]) == (404, "boundary_not_set")
    # without a boundary only Shanghai's extent is checked: Pudong is taken
    early = client.post("/api/inspections/objects", headers=admin,
                        json=_object(world["squad"], credit_code=SHANGHAI, lat=PUDONG[0], lng=PUDONG[1]))
    assert early.status_code == 201, early.json

    leader = make.headers(world["leader"])
    refused = _set(client, leader, SQUARE)
    assert refused.status_code == 403
    done = _set(client, admin, SQUARE, note="区规划资源局提供的行政区界")
    assert done.status_code == 200, done.json
    assert done.json["points"] == SQUARE and done.json["example"] is False
    assert client.get("/api/inspections/boundary", headers=leader).json["note"] == "区规划资源局提供的行政区界"

    inside = client.post("/api/inspections/objects", headers=admin, json=_object(world["squad"]))
    assert inside.status_code == 201, inside.json
    on_edge = client.post("/api/inspections/objects", headers=admin,
                          json=_object(world["squad"], credit_code=TENCENT, lat=31.215, lng=121.45))
    assert on_edge.status_code == 201, on_edge.json  # a shop on the boundary street counts as inside
    before = _count()
    outside = client.post("/api/inspections/objects", headers=admin,
                          json=_object(world["squad"], credit_code="91310115MA1K3U2X7Q", lat=PUDONG[0],
                                       lng=PUDONG[1]))
    assert (outside.status_code, outside.json["error"]) == (422, "coordinates_outside_district")
    assert "不在本区区界内" in outside.json["message"]
    moved = client.put(f"/api/inspections/objects/{inside.json['id']}", headers=admin,
                       json=_object(world["squad"], lat=PUDONG[0], lng=PUDONG[1]))
    assert (moved.status_code, moved.json["error"]) == (422, "coordinates_outside_district")
    assert _count() == before
    # WGS-84 input is converted before the check: the same place given in WGS-84 is still inside
    lat, lng = eviltransform.gcj2wgs(*INSIDE)
    again = client.put(f"/api/inspections/objects/{inside.json['id']}", headers=admin,
                       json=_object(world["squad"], lat=lat, lng=lng, coord_system="wgs84"))
    assert again.status_code == 200, again.json


def test_import_refuses_rows_outside_the_district_and_stores_nothing(client, make, world):  # noqa: F811
    admin = make.headers(world["admin"])
    assert _set(client, admin, SQUARE).status_code == 200
    row = ["沿街商户", "名称", "", "", "南京西路 1 号", "", "", "", "", "南京西路中队", ""]
    codes = [code + check_character(code) for code in (f"91310106MA1{n:06d}" for n in range(1, 7))]
    rows = [[*row[:1], f"商户{n}", code, *row[3:5], lat, lng, *row[7:]] for n, (code, (lat, lng)) in enumerate(zip(
        codes, [INSIDE, PUDONG, ("nan", "121.45"), ("1e400", "121.45"), ("31.23", "-inf"), (INSIDE[1], INSIDE[0])],
        strict=True), start=2)]
    response = _import(client, admin, _csv(rows))
    assert (response.status_code, response.json["error"]) == (422, "import_row_errors")
    errors = response.json["errors"]["rows"]
    assert set(errors) == {"3", "4", "5", "6", "7"}
    assert "不在本区区界内" in errors["3"]
    assert all("NaN 或无穷大" in errors[n] for n in ("4", "5", "6"))
    assert "纬度应在 -90 到 90 之间" in errors["7"]  # swapped columns
    assert _count() == 0
    assert _import(client, admin, _csv(rows[:1])).status_code == 201


@pytest.mark.parametrize(("points", "error"), [
    ([], "polygon_too_few_points"),
    (SQUARE[:2], "polygon_too_few_points"),  # two points
    ([SQUARE[0], SQUARE[1], SQUARE[0]], "polygon_too_few_points"),  # a closed ring of two corners
    ([SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3]], "polygon_self_intersecting"),  # a bow tie
    ([{"lat": 31.215, "lng": 121.435}, {"lat": 31.225, "lng": 121.445}, {"lat": 31.235, "lng": 121.455}],
     "polygon_degenerate"),  # three points in a line
    ([*SQUARE[:3], {"lat": 39.9, "lng": 116.4}], "coordinates_outside"),  # a corner in Beijing
    ([*SQUARE[:3], {"lat": 121.45, "lng": 31.23}], "unprocessable"),  # swapped: latitude beyond 90
])
def test_a_broken_boundary_is_refused_with_its_reason(client, make, world, points, error):  # noqa: F811
    admin = make.headers(world["admin"])
    refused = _set(client, admin, points)
    assert refused.status_code == 422
    assert refused.json["error"] == error or error == "unprocessable", refused.json
    assert client.get("/api/inspections/boundary", headers=admin).status_code == 404


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400, '"31.2"x', "null",
                                 '"三十一"'])
def test_hostile_numbers_in_a_boundary_are_refused(client, make, world, raw):  # noqa: F811
    corners = ",".join(json.dumps(point) for point in SQUARE[1:])
    body = '{"points": [{"lat": ' + raw + ', "lng": 121.435}, ' + corners + "]}"
    refused = client.put("/api/inspections/boundary", headers=make.headers(world["admin"]), data=body,
                         content_type="application/json")
    assert refused.status_code in (400, 422), refused.json
    assert client.get("/api/inspections/boundary", headers=make.headers(world["admin"])).status_code == 404


def test_too_many_corners_are_refused_and_a_new_boundary_replaces_the_old(client, make, world):  # noqa: F811
    admin = make.headers(world["admin"])
    many = [{"lat": 31.2 + n * 1e-6, "lng": 121.45} for n in range(MAX_BOUNDARY_POINTS + 1)]
    assert _set(client, admin, many).status_code == 422
    assert _set(client, admin, SQUARE).status_code == 200
    wider = [{"lat": 31.20, "lng": 121.40}, {"lat": 31.20, "lng": 121.55}, {"lat": 31.30, "lng": 121.55},
             {"lat": 31.30, "lng": 121.40}, {"lat": 31.20, "lng": 121.40}]  # a closed ring: the first corner again
    replaced = _set(client, admin, wider)
    assert replaced.status_code == 200 and len(replaced.json["points"]) == 4
    taken = client.post("/api/inspections/objects", headers=admin,
                        json=_object(world["squad"], lat=PUDONG[0], lng=PUDONG[1]))
    assert taken.status_code == 201, taken.json


def test_the_demo_district_has_an_example_boundary_labelled_so(client, make):
    load_demo()
    session.commit()
    admin = session.scalar(select(Officer).where(Officer.badge_no == "JA0001"))
    shown = client.get("/api/inspections/boundary", headers=make.headers(admin)).json
    assert shown["example"] is True and "示例" in shown["note"] and "不是官方区界" in shown["note"]
    outline = geo.Area([(p["lat"], p["lng"]) for p in shown["points"]])
    places = [(o.lat, o.lng) for o in session.scalars(select(CommunityOffice))]
    places += [(lat, lng) for posts in POSTS.values() for _name, lat, lng, _radius in posts]
    assert places and all(outline.covers(geo.LatLng(lat, lng)) for lat, lng in places)
    assert not outline.covers(geo.LatLng(*PUDONG))


def _listed(client, headers, **query):
    response = client.get("/api/inspections/objects", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json]


def test_objects_already_outside_are_flagged_when_the_boundary_is_set_and_unflagged_when_it_goes(
        client, make, world):  # noqa: F811
    admin, leader = make.headers(world["admin"]), make.headers(world["leader"])
    pudong = client.post("/api/inspections/objects", headers=admin,
                         json=_object(world["squad"], credit_code=SHANGHAI, lat=PUDONG[0], lng=PUDONG[1])).json
    inside = client.post("/api/inspections/objects", headers=admin, json=_object(world["squad"])).json
    nowhere = client.post("/api/inspections/objects", headers=admin,
                          json=_object(world["squad"], credit_code=TENCENT, lat=None, lng=None)).json
    assert pudong["outside_boundary"] is False

    done = _set(client, admin, SQUARE)
    assert (done.status_code, done.json["objects_outside"]) == (200, 1)
    assert client.get("/api/inspections/boundary", headers=leader).json["objects_outside"] == 1
    assert _listed(client, leader, outside_boundary="true") == [pudong["id"]]
    assert _listed(client, leader, outside_boundary="false") == [inside["id"], nowhere["id"]]
    assert client.get(f"/api/inspections/objects/{pudong['id']}", headers=admin).json["outside_boundary"] is True

    # moved inside: unflagged
    moved = client.put(f"/api/inspections/objects/{pudong['id']}", headers=admin,
                       json=_object(world["squad"], credit_code=SHANGHAI, lat=31.23, lng=121.46))
    assert (moved.status_code, moved.json["outside_boundary"]) == (200, False)
    assert client.get("/api/inspections/boundary", headers=admin).json["objects_outside"] == 0

    # removed: a leader may not; then only Shanghai's extent is checked, so the object may go back to Pudong
    assert client.delete("/api/inspections/boundary", headers=leader).status_code == 403
    assert client.delete("/api/inspections/boundary", headers=admin).status_code == 204
    assert client.get("/api/inspections/boundary", headers=admin).status_code == 404
    back = client.put(f"/api/inspections/objects/{pudong['id']}", headers=admin,
                      json=_object(world["squad"], credit_code=SHANGHAI, lat=PUDONG[0], lng=PUDONG[1]))
    assert back.status_code == 200, back.json
    # set again: flags re-computed; removed again: flags cleared
    assert _set(client, admin, SQUARE).json["objects_outside"] == 1
    assert _listed(client, admin, outside_boundary="true") == [pudong["id"]]
    assert client.delete("/api/inspections/boundary", headers=admin).status_code == 204
    assert _listed(client, admin, outside_boundary="true") == []
    again = client.delete("/api/inspections/boundary", headers=admin)
    assert (again.status_code, again.json["error"]) == (404, "boundary_not_set")
    assert "尚未设定区界" in again.json["message"]
