"""Staff sign-in: passwords, lockout, token expiry, revocation, deactivated officers."""
from datetime import timedelta

import pytest

from backend.org.models import Role

PASSWORD = "correct-horse"


@pytest.fixture
def leader(make):
    return make.officer(Role.squad_leader, password=PASSWORD)


def login(client, badge_no, password=PASSWORD):
    return client.post("/api/auth/login", json={"badge_no": badge_no, "password": password})


def test_login_gives_a_token_that_opens_the_api(client, leader):
    response = login(client, leader.badge_no)
    assert response.status_code == 200
    assert response.json["officer"]["badge_no"] == leader.badge_no
    assert response.json["officer"]["role_name"] == "中队长"
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200 and me.json["id"] == leader.id


def test_wrong_password_and_unknown_badge_look_the_same(client, leader):
    wrong = login(client, leader.badge_no, "nope")
    unknown = login(client, "NO-SUCH", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"] == unknown.json["error"] == "bad_credentials"
    assert wrong.json["message"] == "工号或密码错误"


def test_five_failures_lock_the_account_even_for_the_right_password(client, leader):
    for _ in range(5):
        assert login(client, leader.badge_no, "guess").status_code == 401
    locked = login(client, leader.badge_no)
    assert locked.status_code == 429
    assert locked.json["error"] == "account_locked"
    assert "锁定" in locked.json["message"]


def test_a_success_resets_the_failure_count(client, leader):
    for _ in range(4):
        login(client, leader.badge_no, "guess")
    assert login(client, leader.badge_no).status_code == 200
    for _ in range(4):
        login(client, leader.badge_no, "guess")
    assert login(client, leader.badge_no).status_code == 200


def test_missing_malformed_and_unknown_tokens_are_refused(client):
    assert client.get("/api/auth/me").json["error"] == "token_missing"
    assert client.get("/api/auth/me", headers={"Authorization": "Basic abc"}).json["error"] == "token_missing"
    response = client.get("/api/auth/me", headers={"Authorization": "Bearer made-up"})
    assert (response.status_code, response.json["error"]) == (401, "token_invalid")


def test_expired_token_is_refused(client, make, leader):
    headers = make.headers(leader, ttl=timedelta(seconds=-1))
    response = client.get("/api/auth/me", headers=headers)
    assert (response.status_code, response.json["error"]) == (401, "token_expired")


def _without_request_id(response) -> tuple:
    body = {key: value for key, value in response.json.items() if key != "request_id"}
    return response.status_code, body


def test_deactivated_officer_loses_access_and_cannot_log_in(client, make, leader):
    admin = make.officer(Role.district_admin, district=leader.district)
    headers = make.headers(leader)
    response = client.patch(f"/api/org/officers/{leader.id}", headers=make.headers(admin), json={"active": False})
    assert response.status_code == 200 and response.json["active"] is False
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 401 and "重新登录" in me.json["message"]
    right, wrong = login(client, leader.badge_no), login(client, leader.badge_no, "not-the-password")
    # Nothing tells a right password from a wrong one, nor a deactivated account from a mistyped badge.
    assert _without_request_id(right) == _without_request_id(wrong) == _without_request_id(
        login(client, "NO-SUCH", "not-the-password"))
    assert right.status_code == 401 and right.json["error"] == "bad_credentials"


@pytest.mark.parametrize("change", [{"password": "a-new-password-9"}, {"role": "officer"}, {"active": False}],
                         ids=["password reset", "role change", "deactivation"])
def test_an_account_change_ends_every_session_of_the_person(client, make, leader, change):
    admin = make.officer(Role.district_admin, district=leader.district)
    sessions = [{"Authorization": f"Bearer {login(client, leader.badge_no).json['token']}"}, make.headers(leader)]
    assert all(client.get("/api/auth/me", headers=h).status_code == 200 for h in sessions)
    response = client.patch(f"/api/org/officers/{leader.id}", headers=make.headers(admin), json=change)
    assert response.status_code == 200, response.json
    for headers in sessions:
        me = client.get("/api/auth/me", headers=headers)
        assert me.status_code == 401 and me.json["error"] == "token_invalid"
        assert me.json["message"] == "登录凭证无效，请重新登录"
    if "active" not in change:  # signing in again works, under the new terms
        again = login(client, leader.badge_no, change.get("password", PASSWORD))
        assert again.status_code == 200 and again.json["officer"]["role"] == change.get("role", "squad_leader")


def test_changing_a_phone_number_keeps_the_person_signed_in(client, make, leader):
    admin = make.officer(Role.district_admin, district=leader.district)
    headers = make.headers(leader)
    assert client.patch(f"/api/org/officers/{leader.id}", headers=make.headers(admin),
                        json={"phone": "13800001111"}).status_code == 200
    assert client.get("/api/auth/me", headers=headers).status_code == 200


def test_logout_revokes_the_token(client, make, leader):
    headers = make.headers(leader)
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/auth/me", headers=headers)
    assert (response.status_code, response.json["error"]) == (401, "token_invalid")
