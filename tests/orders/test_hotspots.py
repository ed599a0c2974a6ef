"""Hot spots per grid cell, category and season (GeoJSON and a chart), the duty guidance drawn from them, and
the case-count targets tied to complaint volume: on a year built by hand."""
from __future__ import annotations

import io
from datetime import date

from PIL import Image
from shapely.geometry import Point, shape

from backend.orders.hotspots import cell_of, cell_polygon
from backend.org.models import Role
from tests.orders.builders import BASE, METRE, complaint, order

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def centre_of_base_cell() -> tuple[float, float]:
    ring = cell_polygon(cell_of(*BASE))
    return (ring[0][1] + ring[2][1]) / 2, (ring[0][0] + ring[2][0]) / 2


def a_year(make, squad, source_id):
    """Summer at 南京西路1266号 (cell X): 4 street vending (3 orders at 18:10, 18:40, 19:05 and a complaint at
    20:15) and 1 noise order at 18:20; winter at 延安中路100号 (cell Y, 3 km away): 2 noise complaints at 22:xx."""
    lat, lng = centre_of_base_cell()
    x = lambda north_m: {"lat": lat + north_m * METRE, "lng": lng}  # noqa: E731  within 50 m of the centre
    y = {"lat": lat + 3000 * METRE, "lng": lng}
    office = make.office(squad)
    at_x = {"place_name": "南京西路1266号"}
    for day, hour, north in (("10", "18:10", 0), ("11", "18:40", 20), ("12", "19:05", -20)):
        order(squad, source_id, f"2026-07-{day} {hour}", where=x(north), **at_x)
    complaint(make, office, "2026-07-13 20:15", where=x(10), **at_x)
    order(squad, source_id, "2026-07-14 18:20", category="noise", where=x(-10), **at_x)
    for day in ("05", "06"):
        complaint(make, office, f"2026-01-{day} 22:10", category="noise", where=y, place_name="延安中路100号")
    return (lat, lng), (y["lat"], y["lng"])


def get(client, make, who, path, **query):
    return client.get(f"/api/orders/{path}", headers=make.headers(who), query_string={**YEAR, **query})


def test_hot_spots_per_cell_category_and_season(client, make, source, squad, admin):
    (x_lat, x_lng), (y_lat, y_lng) = a_year(make, squad, source["id"])
    found = get(client, make, admin, "hotspots")
    assert found.status_code == 200 and found.json["type"] == "FeatureCollection"
    features = found.json["features"]
    assert [(f["properties"]["category"], f["properties"]["season"], f["properties"]["count"],
             f["properties"]["orders"], f["properties"]["complaints"], f["properties"]["place"]) for f in features] == [
        ("street_vending", "summer", 4, 3, 1, "南京西路1266号"),
        ("noise", "winter", 2, 0, 2, "延安中路100号"),
        ("noise", "summer", 1, 1, 0, "南京西路1266号")]
    x_cell, y_cell = shape(features[0]["geometry"]), shape(features[1]["geometry"])
    assert x_cell.contains(Point(x_lng, x_lat)) and y_cell.contains(Point(y_lng, y_lat))
    assert features[2]["properties"]["cell"] == features[0]["properties"]["cell"]
    side_m = (x_cell.bounds[3] - x_cell.bounds[1]) / METRE
    assert 499 < side_m < 501  # ORDERS_HOTSPOT_CELL_M

    winter = get(client, make, admin, "hotspots", season="winter").json["features"]
    assert [f["properties"]["count"] for f in winter] == [2]
    noise = get(client, make, admin, "hotspots", category="noise").json["features"]
    assert [f["properties"]["season"] for f in noise] == ["winter", "summer"]
    assert get(client, make, admin, "hotspots", **{"from": "2025-01-01", "to": "2025-12-31"}).json["features"] == []

    chart = get(client, make, admin, "hotspots/chart")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    image = Image.open(io.BytesIO(chart.data))
    assert image.format == "PNG" and image.width == 900
    bars = sum(1 for pixel in image.convert("RGB").getdata() if pixel == (0xC0, 0x39, 0x2B))
    assert bars > 1000  # three red bars drawn


def test_the_duty_guidance_names_the_busiest_cells_and_their_hours(client, make, source, squad):
    a_year(make, squad, source["id"])
    leader = make.officer(Role.squad_leader, squad=squad)
    summer = get(client, make, leader, "duty-guidance", season="summer").json
    assert len(summer) == 1
    [busiest] = summer
    assert (busiest["place"], busiest["count"], busiest["peak_hours"]) == ("南京西路1266号", 5, [18, 19, 20])
    assert [(c["category"], c["count"]) for c in busiest["categories"]] == [("street_vending", 4), ("noise", 1)]
    assert busiest["advice"] == ("建议在南京西路1266号于18:00–19:00、19:00–20:00、20:00–21:00加强巡查"
                                 "（无序设摊 4 起、噪声扰民 1 起）")
    whole_year = get(client, make, leader, "duty-guidance").json
    assert [(g["place"], g["peak_hours"]) for g in whole_year] == [("南京西路1266号", [18, 19, 20]),
                                                                   ("延安中路100号", [22])]


def test_case_targets_follow_the_complaint_volume(client, make, source, squad, admin):
    a_year(make, squad, source["id"])
    officer = make.officer(squad=squad)
    make.case_record(officer, discovered_on=date(2026, 2, 20), registered_on=date(2026, 3, 1))
    make.case_record(officer, discovered_on=date(2026, 5, 20), registered_on=date(2026, 6, 1))
    make.case_record(officer, discovered_on=date(2025, 11, 20), registered_on=date(2025, 12, 1))  # the year before
    quiet = make.squad(squad.district)
    rows = get(client, make, admin, "case-targets").json
    assert [(r["squad_id"], r["complaints"], r["target"], r["cases"], r["reached"]) for r in rows] == [
        (squad.id, 7, 3, 2, False), (quiet.id, 0, 0, 0, True)]  # 7 × 30 / 100, rounded up
    chart = get(client, make, admin, "case-targets/chart")
    assert chart.mimetype == "image/png" and Image.open(io.BytesIO(chart.data)).format == "PNG"


def test_bad_periods_and_who_may_look(client, make, source, squad, admin):
    assert get(client, make, admin, "hotspots", **{"from": "2026-12-31", "to": "2026-01-01"}).status_code == 422
    assert get(client, make, admin, "case-targets", **{"from": "2024-01-01", "to": "2026-01-01"}).status_code == 422
    assert get(client, make, admin, "hotspots", season="monsoon").status_code == 422
    assert get(client, make, admin, "duty-guidance", **{"from": "9999-12-31"}).status_code == 422
    assert get(client, make, make.officer(squad=squad), "hotspots").status_code == 403
    other = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    assert get(client, make, other, "hotspots", squad_id=squad.id).status_code == 404
