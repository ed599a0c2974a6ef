"""The 街镇依法行政指数 on the month of conftest.py: computed by hand with the seeded example-default weights, then with
weights a district and the city set; who reads which 街镇; the city roles read every district."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from backend.org.models import Role

# The seeded example defaults: attendance 20, punctuality 10, on time 20, satisfied 20, cases 15, credit 10, points 5.
# 静安寺街道 (a1): attendance 2/3, punctuality 1/2, on time 1/2, satisfied 1/1, clean cases 1/2, credit 0/1, points 1/1
#   → (20 × 0.6667 + 10 × 0.5 + 20 × 0.5 + 20 + 15 × 0.5 + 0 + 5) / 100 = 60.83
# 南京西路街道 (a2): on time 1/1, satisfied 1/1, credit 1/1, points 0/1 (88 is below every floor); no duty, no cases
#   → (20 + 20 + 10 + 0) / (20 + 20 + 10 + 5) = 90.91
# 外滩街道 (b1): attendance 1/1, punctuality 1/1, credit 0/1 → (20 + 10 + 0) / (20 + 10 + 10) = 75.0
WEIGHTS = {"attendance": 20, "punctuality": 10, "on_time": 20, "satisfaction": 20, "case_compliance": 15,
           "credit": 10, "points": 5}


def towns(client, make, who, **query):
    return client.get("/api/city-reports/towns", headers=make.headers(who), query_string={"month": "2026-03", **query})


def put_weights(client, make, who, weights):
    return client.put("/api/city-reports/index-weights", headers=make.headers(who), json={"weights": weights})


def ours(rows, city):
    """The rows of the fixture's 街镇 (the database may hold others), as (name, index, rank in the district)."""
    mine = {city[t].id for t in ("t1", "t2", "t3")}
    return [(row["town"], row["index"], row["district_rank"]) for row in rows if row["town_id"] in mine]


def test_the_index_with_the_example_default_weights_is_what_was_computed_by_hand(client, make, city):
    chief = make.officer(Role.city_admin)
    rows = towns(client, make, chief).json
    assert ours(rows, city) == [("南京西路街道", 90.91, 1), ("外滩街道", 75.0, 1), ("静安寺街道", 60.83, 2)]
    first = next(row for row in rows if row["town_id"] == city["t1"].id)
    assert first["weights"]["level"] == "city" and first["weights"]["example_default"] is True
    assert first["weights"]["weights"] == WEIGHTS
    assert {c["component"]: c["rate"] for c in first["components"]} == {
        "attendance": 0.6667, "punctuality": 0.5, "on_time": 0.5, "satisfaction": 1.0, "case_compliance": 0.5,
        "credit": 0.0, "points": 1.0}
    shown = client.get("/api/city-reports/index-weights", headers=make.headers(chief)).json
    assert shown["city"]["example_default"] is True and shown["in_force"]["level"] == "city"

    leader = make.officer(Role.town_leader, town=city["t1"])
    export = client.get("/api/city-reports/towns/export", headers=make.headers(leader),
                        query_string={"month": "2026-03"})
    assert export.status_code == 200 and "town-index-2026-03.xlsx" in export.headers["Content-Disposition"]
    header, line = load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True)
    named = dict(zip(header, line, strict=True))
    assert (named["街镇"], named["指数"], named["出勤率"], named["出勤率（权重）"], named["权重来源"]) == (
        "静安寺街道", 60.83, 0.6667, 20, "示例默认值（待设定）")


def test_a_district_sets_its_own_weights_and_the_city_its_own(client, make, city):
    a_admin = make.officer(Role.district_admin, district=city["a"])
    only_attendance = dict.fromkeys(WEIGHTS, 0) | {"attendance": 100}
    answer = put_weights(client, make, a_admin, only_attendance)
    assert answer.status_code == 200, answer.json
    assert answer.json["level"] == "district" and answer.json["example_default"] is False
    rows = towns(client, make, make.officer(Role.city_supervisor)).json
    # A's 街镇 by attendance alone (南京西路 has no shifts: no index, last); B keeps the city's example defaults
    assert ours(rows, city) == [("外滩街道", 75.0, 1), ("静安寺街道", 66.67, 1), ("南京西路街道", None, None)]
    b_row = next(row for row in rows if row["town_id"] == city["t3"].id)
    assert b_row["weights"]["example_default"] is True

    chief = make.officer(Role.city_admin)
    assert put_weights(client, make, chief, WEIGHTS | {"credit": 0}).json["level"] == "city"
    rows = towns(client, make, chief, district_id=city["b"].id).json
    assert [(row["town"], row["index"], row["weights"]["example_default"]) for row in rows] == [
        ("外滩街道", 100.0, False)]  # credit no longer counts; the city's weights are the city's own now


def test_who_reads_which_town(client, make, city):
    leader = make.officer(Role.town_leader, town=city["t1"])
    assert [row["town"] for row in towns(client, make, leader).json] == ["静安寺街道"]
    assert towns(client, make, leader, district_id=city["a"].id).status_code == 404  # no district's view
    assert client.get("/api/city-reports/districts", headers=make.headers(leader),
                      query_string={"month": "2026-03"}).status_code == 403  # the city report is not theirs
    assert put_weights(client, make, leader, WEIGHTS).status_code == 403  # a 街镇 reader changes nothing
    assert client.get("/api/city-reports/index-weights", headers=make.headers(leader)).json["in_force"][
        "level"] == "city"

    b_admin = make.officer(Role.district_admin, district=city["b"])
    assert [row["town"] for row in towns(client, make, b_admin).json] == ["外滩街道"]
    assert towns(client, make, b_admin, district_id=city["a"].id).status_code == 404
    assert put_weights(client, make, make.officer(Role.supervisor, district=city["b"]), WEIGHTS).status_code == 403
    assert towns(client, make, make.officer(squad=city["a1"])).status_code == 403


def test_the_city_reads_every_district(client, make, city):
    for role in (Role.city_admin, Role.city_supervisor, Role.city_trainer):
        rows = client.get("/api/city-reports/districts", headers=make.headers(make.officer(role)),
                          query_string={"month": "2026-03"}).json
        assert {city["a"].id, city["b"].id} <= {row["district_id"] for row in rows}, role
    one = client.get("/api/city-reports/districts", headers=make.headers(make.officer(Role.city_admin)),
                     query_string={"month": "2026-03", "district_id": city["b"].id}).json
    assert [row["district_id"] for row in one] == [city["b"].id]


@pytest.mark.parametrize("weights", [
    dict(WEIGHTS, points=101), dict(WEIGHTS, points=-1), {"attendance": 100}, dict(WEIGHTS, bonus=5),
    dict.fromkeys(WEIGHTS, 0), dict(WEIGHTS, points="5"), dict(WEIGHTS, points=2.5), dict(WEIGHTS, points=None),
])
def test_bad_weights_are_refused_in_chinese_and_nothing_changes(client, make, city, weights):
    a_admin = make.officer(Role.district_admin, district=city["a"])
    refused = put_weights(client, make, a_admin, weights)
    assert refused.status_code == 422, refused.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.json))
    shown = client.get("/api/city-reports/index-weights", headers=make.headers(a_admin)).json
    assert shown["in_force"] == shown["city"] and shown["city"]["example_default"] is True
