"""Data scope: officers see themselves, leaders their squad, district staff their district; 404 outside."""
import pytest

from backend.org.models import Role


@pytest.fixture
def org(make):
    district = make.district()
    squad_a, squad_b = make.squad(district), make.squad(district)
    other_district_squad = make.squad()
    return {
        "officer": make.officer(squad=squad_a),
        "colleague": make.officer(squad=squad_a),
        "leader": make.officer(Role.squad_leader, squad=squad_a),
        "other_squad": make.officer(squad=squad_b),
        "admin": make.officer(Role.district_admin, district=district),
        "supervisor": make.officer(Role.supervisor, district=district),
        "trainer": make.officer(Role.trainer, district=district),
        "other_district": make.officer(squad=other_district_squad),
    }


# who asks → which of the people above they may see
VISIBLE = {
    "officer": {"officer"},
    "leader": {"officer", "colleague", "leader"},
    "admin": {"officer", "colleague", "leader", "other_squad", "admin", "supervisor", "trainer"},
    "supervisor": {"officer", "colleague", "leader", "other_squad", "admin", "supervisor", "trainer"},
    "other_district": {"other_district"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_officer_lookup_and_list_follow_the_scope(client, make, org, viewer):
    headers = make.headers(org[viewer])
    for name, person in org.items():
        response = client.get(f"/api/org/officers/{person.id}", headers=headers)
        expected = 200 if name in VISIBLE[viewer] else 404
        assert response.status_code == expected, f"{viewer} looking at {name}"
    listed = client.get("/api/org/officers?page_size=100", headers=headers).json
    assert {o["id"] for o in listed} == {org[name].id for name in VISIBLE[viewer]}


def test_the_district_staff_of_no_squad_are_listed_on_their_own(client, make, org):
    """`no_squad=true`: the district's people of no squad (ticked together for a course's completions), within the
    scope as every list is: the city's staff (no district) are not among them; a word that is no boolean is 422."""
    org["city"] = make.officer(Role.city_admin)
    for viewer, expected in (("trainer", {"admin", "supervisor", "trainer"}), ("leader", set()),
                             ("city", {"admin", "supervisor", "trainer"})):
        listed = client.get("/api/org/officers?no_squad=true&page_size=100", headers=make.headers(org[viewer])).json
        assert {o["id"] for o in listed} == {org[name].id for name in expected}, viewer
    refused = client.get("/api/org/officers?no_squad=maybe", headers=make.headers(org["admin"]))
    assert refused.status_code == 422 and list(refused.json["errors"]["query"]) == ["no_squad"]


def test_out_of_scope_answer_is_the_same_as_missing(client, make, org):
    headers = make.headers(org["leader"])
    foreign = client.get(f"/api/org/officers/{org['other_district'].id}", headers=headers)
    missing = client.get("/api/org/officers/999999", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["error"] == missing.json["error"] == "not_found"


def test_admin_cannot_move_someone_into_another_districts_squad(client, make, org):
    foreign_squad = org["other_district"].squad_id
    response = client.patch(f"/api/org/officers/{org['officer'].id}", headers=make.headers(org["admin"]),
                            json={"squad_id": foreign_squad})
    assert response.status_code == 404
    assert client.get(f"/api/org/officers/{org['officer'].id}",
                      headers=make.headers(org["admin"])).json["squad_id"] == org["officer"].squad_id


def test_only_district_admins_manage_people(client, make, org):
    response = client.post(
        "/api/org/officers",
        headers=make.headers(org["leader"]),
        json={"badge_no": "X1", "name": "新人", "role": "officer", "squad_id": org["officer"].squad_id},
    )
    assert (response.status_code, response.json["error"]) == (403, "role_forbidden")


def test_squad_members_need_a_squad_and_staff_have_none(client, make, org):
    headers = make.headers(org["admin"])
    no_squad = client.post(
        "/api/org/officers", headers=headers, json={"badge_no": "X2", "name": "甲", "role": "officer"}
    )
    assert (no_squad.status_code, no_squad.json["error"]) == (422, "squad_required")
    staff = client.post(
        "/api/org/officers",
        headers=headers,
        json={"badge_no": "X3", "name": "乙", "role": "supervisor", "squad_id": org["officer"].squad_id},
    )
    assert (staff.status_code, staff.json["error"]) == (422, "squad_not_allowed")


def test_squads_and_community_offices_follow_the_scope(client, make, org):
    office_a = make.office(org["officer"].squad)
    office_b = make.office(org["other_squad"].squad)
    leader = make.headers(org["leader"])
    assert [s["id"] for s in client.get("/api/org/squads", headers=leader).json] == [org["leader"].squad_id]
    assert [o["id"] for o in client.get("/api/org/community-offices", headers=leader).json] == [office_a.id]
    assert client.get(f"/api/org/community-offices/{office_b.id}", headers=leader).status_code == 404
    admin = make.headers(org["admin"])
    assert {o["id"] for o in client.get("/api/org/community-offices", headers=admin).json} == {office_a.id, office_b.id}


def test_a_government_wechat_account_binds_one_person(client, make, org):
    """Giving a second person an account already bound is refused (it answered 500 when changed by PATCH)."""
    headers = make.headers(org["admin"])

    def bind(person: str):
        return client.patch(f"/api/org/officers/{org[person].id}", headers=headers, json={"wechat_userid": "zhangwei"})

    assert bind("officer").status_code == 200
    assert bind("officer").status_code == 200  # the same person again: no change
    taken = bind("colleague")
    assert (taken.status_code, taken.json["error"]) == (409, "wechat_userid_taken")
    assert client.get(f"/api/org/officers/{org['colleague'].id}", headers=headers).json["wechat_userid"] is None
    added = client.post("/api/org/officers", headers=headers, json={
        "badge_no": "X4", "name": "丙", "role": "officer", "squad_id": org["officer"].squad_id,
        "wechat_userid": "zhangwei"})
    assert (added.status_code, added.json["error"]) == (409, "wechat_userid_taken")
