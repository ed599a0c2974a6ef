"""A camera's system officer (`CAM-<code>`, holder of its evidence chain) is no person: no list, picker, detail
or count of people shows it, no one can edit, reactivate or give it a password, and its alerts still work."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.db import session
from backend.org.models import Role
from backend.supervision.points.models import MonthlyPoints
from backend.supervision.points.operations import refresh_month
from tests.nonsite.platform import alert, send


def listed(client, make, reader, query: str = "") -> set[int]:
    response = client.get(f"/api/org/officers{query}", headers=make.headers(reader))
    assert response.status_code == 200, response.json
    return {officer["id"] for officer in response.json}


def test_the_camera_account_is_in_no_list_of_people_and_its_alerts_still_work(client, make, squad, cam, leader):
    officer = make.officer(Role.officer, squad=squad)
    admin = make.officer(Role.district_admin, district=squad.district)
    account = cam["officer_id"]
    for reader, query in [(admin, ""), (admin, f"?squad_id={squad.id}"), (admin, "?active=false"),
                          (leader, ""), (leader, f"?squad_id={squad.id}&active=false")]:
        people = listed(client, make, reader, query)
        assert account not in people, query
    assert {officer.id, leader.id} <= listed(client, make, admin, f"?squad_id={squad.id}")
    assert client.get(f"/api/org/officers/{account}", headers=make.headers(admin)).status_code == 404

    response = send(client, alert(cam["code"]))
    assert response.status_code == 201, response.json
    chain = client.get(f"/api/evidence/chains?officer_id={account}", headers=make.headers(leader))
    assert chain.status_code == 200 and chain.json[0]["records"] == 1, chain.json


def test_no_one_can_reactivate_the_camera_account_or_give_it_a_password(client, make, squad, cam):
    admin = make.officer(Role.district_admin, district=squad.district)
    response = client.patch(f"/api/org/officers/{cam['officer_id']}", headers=make.headers(admin),
                            json={"active": True, "password": "camera-pass-1"})
    assert (response.status_code, response.json["error"]) == (404, "not_found")
    login = client.post("/api/auth/login", json={"badge_no": f"CAM-{cam['code']}", "password": "camera-pass-1"})
    assert login.status_code == 401


def test_the_points_month_has_no_sheet_for_the_camera_account(client, make, squad, cam, leader):
    assert send(client, alert(cam["code"])).status_code == 201
    refresh_month(date.today().replace(day=1))
    session.commit()
    sheets = set(session.scalars(select(MonthlyPoints.officer_id).where(
        MonthlyPoints.officer_id.in_([cam["officer_id"], leader.id]))))
    assert sheets == {leader.id}
