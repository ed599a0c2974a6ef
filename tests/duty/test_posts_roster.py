"""Posts with geofences, the roster, my duty today, scope."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.db import local_day, session, utcnow
from backend.duty.models import Post, Shift
from backend.org.models import Role

# This week's Monday: a roster day must lie within the range the schema states around today (no fixed date
# that a later year's run would find too far back).
MONDAY = local_day(utcnow()) - timedelta(days=local_day(utcnow()).weekday())


@pytest.fixture
def squad_team(make):
    leader = make.officer(Role.squad_leader)
    officers = [make.officer(squad=leader.squad) for _ in range(2)]
    post = make.post(leader.squad)
    return leader, officers, post


def test_leader_creates_a_circle_post_from_wgs84_and_it_is_stored_as_gcj02(client, make):
    leader = make.officer(Role.squad_leader)
    response = client.post("/api/duty/posts", headers=make.headers(leader), json={
        "name": "南京西路步行街", "selfie_required": True,
        "fence": {"shape": "circle", "coord_system": "wgs84", "center": {"lat": 31.1774276, "lng": 121.5272106},
                  "radius_m": 150}})
    assert response.status_code == 201, response.json
    fence = response.json["fence"]
    assert fence["coord_system"] == "gcj02"
    assert fence["center"]["lat"] == pytest.approx(31.17530398, abs=1e-6)
    assert fence["center"]["lng"] == pytest.approx(121.53154186, abs=1e-6)
    assert response.json["squad_id"] == leader.squad_id and response.json["selfie_required"] is True


def test_the_post_list_narrows_by_squad_and_active_flag_within_the_district(client, make):
    admin = make.officer(Role.district_admin)
    east, west = make.squad(admin.district), make.squad(admin.district)
    open_east, closed_east, open_west = make.post(east), make.post(east), make.post(west)
    make.post(make.squad())  # another district: never listed
    closed_east.active = False
    session.commit()

    def listed(query: str) -> set[int]:
        response = client.get(f"/api/duty/posts{query}", headers=make.headers(admin))
        assert response.status_code == 200, response.json
        return {row["id"] for row in response.json}

    assert listed("") == {open_east.id, closed_east.id, open_west.id}
    assert listed(f"?squad_id={east.id}") == {open_east.id, closed_east.id}
    assert listed("?active=false") == {closed_east.id}
    assert listed(f"?squad_id={west.id}&active=true") == {open_west.id}


def test_polygon_post_and_bad_fences_get_chinese_errors_and_nothing_is_written(client, make):
    admin = make.officer(Role.district_admin)
    squad = make.squad(admin.district)
    headers = make.headers(admin)
    square = [{"lat": 31.23, "lng": 121.47}, {"lat": 31.23, "lng": 121.48}, {"lat": 31.24, "lng": 121.48},
              {"lat": 31.24, "lng": 121.47}]
    ok = client.post("/api/duty/posts", headers=headers, json={
        "name": "静安寺广场", "squad_id": squad.id, "fence": {"shape": "polygon", "points": square}})
    assert ok.status_code == 201 and len(ok.json["fence"]["points"]) == 4
    bad = {
        "polygon_self_intersecting": {"shape": "polygon", "points": [square[0], square[2], square[1], square[3]]},
        "polygon_too_few_points": {"shape": "polygon", "points": square[:2]},
        "bad_coordinates": {"shape": "circle", "center": {"lat": 31.2, "lng": float("nan")}, "radius_m": 100},
    }
    for code, fence in bad.items():
        response = client.post("/api/duty/posts", headers=headers, json={"name": "坏围栏", "squad_id": squad.id,
                                                                          "fence": fence})
        assert response.status_code == 422
        assert response.json["error"] in (code, "validation_error")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    out_of_range = client.post("/api/duty/posts", headers=headers, json={
        "name": "坏围栏", "squad_id": squad.id, "fence": {"shape": "circle", "center": {"lat": 95, "lng": 121},
                                                          "radius_m": 100}})
    assert out_of_range.status_code == 422
    assert session.scalar(select(func.count()).select_from(Post).where(Post.name == "坏围栏")) == 0


def test_an_officer_cannot_create_posts_and_other_squads_posts_are_invisible(client, make, squad_team):
    leader, officers, post = squad_team
    assert client.post("/api/duty/posts", headers=make.headers(officers[0]), json={
        "name": "x", "fence": {"shape": "circle", "center": {"lat": 31.2, "lng": 121.4}, "radius_m": 100}}
    ).status_code == 403
    stranger = make.officer(Role.squad_leader)
    assert client.get(f"/api/duty/posts/{post.id}", headers=make.headers(stranger)).status_code == 404
    assert client.get(f"/api/duty/posts/{post.id}", headers=make.headers(leader)).status_code == 200


def _week(officers, post, start="08:00", end="17:00", monday=MONDAY):
    return [{"officer_id": o.id, "day": (monday + timedelta(days=d)).isoformat(), "start": start, "end": end,
             "duty_type": "patrol", "post_id": post.id} for o in officers for d in range(5)]


def test_leader_plans_a_week_copies_it_and_changes_one_shift(client, make, squad_team):
    leader, officers, post = squad_team
    headers = make.headers(leader)
    created = client.post("/api/duty/shifts", headers=headers, json={"shifts": _week(officers, post)})
    assert created.status_code == 201 and len(created.json) == 10
    first = created.json[0]
    assert first["starts_at"] == f"{MONDAY.isoformat()}T00:00:00+00:00"  # 08:00 in Shanghai
    assert first["scheduled_minutes"] == 540 and first["duty_type_name"] == "监察"

    copied = client.post("/api/duty/shifts/copy-week", headers=headers,
                         json={"week_start": (MONDAY + timedelta(days=7)).isoformat()})
    assert copied.status_code == 201 and len(copied.json) == 10
    assert {s["day"] for s in copied.json} == {(MONDAY + timedelta(days=7 + d)).isoformat() for d in range(5)}
    again = client.post("/api/duty/shifts/copy-week", headers=headers,
                        json={"week_start": (MONDAY + timedelta(days=7)).isoformat()})
    assert again.status_code == 409 and again.json["error"] == "shift_overlap"

    changed = client.patch(f"/api/duty/shifts/{copied.json[0]['id']}", headers=headers,
                           json={"start": "22:00", "end": "06:00", "ends_next_day": True, "duty_type": "office",
                                 "post_id": None})
    assert changed.status_code == 200, changed.json
    assert changed.json["scheduled_minutes"] == 480 and changed.json["duty_type"] == "office"
    assert changed.json["ends_at"] == f"{(MONDAY + timedelta(days=7)).isoformat()}T22:00:00+00:00"  # 06:00 next morning


def test_overlapping_and_backwards_shifts_are_refused_and_nothing_is_written(client, make, squad_team):
    leader, officers, post = squad_team
    headers = make.headers(leader)
    line = {
        "officer_id": officers[0].id,
        "day": (MONDAY + timedelta(days=1)).isoformat(),
        "start": "22:00",
        "end": "06:00",
        "ends_next_day": True,
        "duty_type": "fixed_post",
        "post_id": post.id,
    }
    overlapping = dict(
        line, day=(MONDAY + timedelta(days=2)).isoformat(), start="05:00", end="09:00", ends_next_day=False
    )
    response = client.post("/api/duty/shifts", headers=headers, json={"shifts": [line, overlapping]})
    assert response.status_code == 409 and response.json["error"] == "shift_overlap"
    assert "第 2 条" in response.json["message"]
    backwards = dict(line, start="17:00", end="08:00", ends_next_day=False)
    response = client.post("/api/duty/shifts", headers=headers, json={"shifts": [backwards]})
    assert response.status_code == 422 and response.json["error"] == "shift_ends_before_start"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    assert session.scalar(select(func.count()).select_from(Shift).where(Shift.officer_id == officers[0].id)) == 0


def test_officer_sees_own_shifts_leader_the_squad(client, make, squad_team):
    leader, officers, post = squad_team
    client.post("/api/duty/shifts", headers=make.headers(leader), json={"shifts": _week(officers, post)})
    mine = client.get("/api/duty/shifts", headers=make.headers(officers[0])).json
    assert len(mine) == 5 and {s["officer_id"] for s in mine} == {officers[0].id}
    assert len(client.get("/api/duty/shifts", headers=make.headers(leader)).json) == 10
    other = make.officer(Role.squad_leader)
    assert client.get("/api/duty/shifts", headers=make.headers(other)).json == []
    assert (
        client.post(
            "/api/duty/shifts", headers=make.headers(other), json={"shifts": _week(officers[:1], post)}
        ).status_code
        == 404
    )


def test_my_duty_today_lists_what_is_still_owed(client, make, squad_team):
    leader, officers, post = squad_team
    day = (MONDAY + timedelta(days=3)).isoformat()
    line = _week(officers[:1], post)[0] | {"day": day}
    client.post("/api/duty/shifts", headers=make.headers(leader), json={"shifts": [line]})
    today = client.get(f"/api/duty/today?day={day}", headers=make.headers(officers[0]))
    assert today.status_code == 200
    assert [d["owed"] for d in today.json] == [["check_in", "check_out"]]
    assert today.json[0]["shift"]["post_name"] == post.name


def test_a_planned_shift_goes_to_another_officer_of_the_squad_only(client, make, squad_team):
    leader, (first, second), post = squad_team
    headers = make.headers(leader)
    day = (MONDAY + timedelta(days=7)).isoformat()
    [planned] = client.post("/api/duty/shifts", headers=headers, json={"shifts": [
        {"officer_id": first.id, "day": day, "start": "08:00", "end": "12:00", "duty_type": "patrol",
         "post_id": post.id}]}).json
    client.post("/api/duty/shifts", headers=headers, json={"shifts": [
        {"officer_id": second.id, "day": day, "start": "11:00", "end": "15:00", "duty_type": "standby"}]})

    busy = client.patch(f"/api/duty/shifts/{planned['id']}", headers=headers, json={"officer_id": second.id})
    assert busy.status_code == 409 and busy.json["error"] == "shift_overlap"  # the other has a shift then
    stranger = make.officer()  # another squad's
    other_squad = client.patch(f"/api/duty/shifts/{planned['id']}", headers=headers, json={"officer_id": stranger.id})
    assert other_squad.status_code in (404, 422)  # out of the leader's scope: no such person for them
    neighbour = make.officer(squad=make.squad(leader.squad.district))  # the district's, another squad's
    admin = make.headers(make.officer(Role.district_admin, district=leader.squad.district))
    across = client.patch(f"/api/duty/shifts/{planned['id']}", headers=admin, json={"officer_id": neighbour.id})
    assert (across.status_code, across.json["error"], across.json["errors"]) == (
        422, "officer_other_squad", {"officer_id": ["须为本中队在岗人员。"]})
    moved = client.patch(f"/api/duty/shifts/{planned['id']}", headers=headers,
                         json={"officer_id": second.id, "start": "07:00", "end": "11:00"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["officer_id"], moved.json["officer_name"], moved.json["scheduled_minutes"]) == (
        second.id, second.name, 240)
    assert session.get(Shift, planned["id"]).officer_id == second.id
