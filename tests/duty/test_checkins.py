"""Check-in and check-out through HTTP: time, place, selfie, idempotency, approval."""
import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.audit import AuditEntry
from backend.db import session, utcnow
from backend.duty.models import DutyCheck
from backend.org.models import Role
from backend.storage import get_storage
from tests import photos
from tests.duty.helpers import check_payload, north_of, refused_in_chinese


@pytest.fixture
def team(make):
    leader = make.officer(Role.squad_leader)
    officer = make.officer(squad=leader.squad)
    post = make.post(leader.squad, radius_m=100)
    return leader, officer, post


def _shift(make, officer, post, started_minutes_ago: int, hours: int = 4, **kw):
    start = utcnow().replace(microsecond=0) - timedelta(minutes=started_minutes_ago)
    return make.shift(officer, start, start + timedelta(hours=hours), post=post, **kw)


def _count() -> int:
    return session.scalar(select(func.count()).select_from(DutyCheck))


def test_on_time_check_in_inside_the_fence_and_the_same_id_again_returns_the_first(client, make, team):
    _, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=3)
    headers = make.headers(officer)
    payload = check_payload(shift, utcnow())
    first = client.post("/api/duty/check-ins", headers=headers, json=payload)
    assert first.status_code == 201, first.json
    assert (first.json["timing"], first.json["out_of_area"], first.json["distance_outside_m"]) == ("on_time", False, 0)
    assert first.json["late_sync"] is False and first.json["received_at"]
    before = _count()
    again = client.post("/api/duty/check-ins", headers=headers, json=payload | {"lat": 0.0})
    assert again.status_code == 200 and again.json == first.json
    assert _count() == before
    today = client.get(f"/api/duty/today?day={shift.day}", headers=headers).json
    assert today[0]["owed"] == ["check_out"] and today[0]["check_in"]["timing"] == "on_time"


def test_late_after_the_grace_period_and_too_early_before_the_window(client, make, team):
    _, officer, post = team
    headers = make.headers(officer)
    late_shift = _shift(make, officer, post, started_minutes_ago=20)
    late = client.post("/api/duty/check-ins", headers=headers,
                       json=check_payload(late_shift, late_shift.starts_at + timedelta(minutes=20)))
    assert late.status_code == 201 and (late.json["timing"], late.json["minutes_off"]) == ("late", 20)
    future_shift = _shift(make, officer, post, started_minutes_ago=-180)
    early = client.post("/api/duty/check-ins", headers=headers, json=check_payload(future_shift, utcnow()))
    assert early.status_code == 422 and early.json["error"] == "too_early" and "签到时间" in early.json["message"]


def test_gps_accuracy_counts_towards_the_fence_but_absurd_or_negative_accuracy_is_refused(client, make, team):
    _, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=1)
    headers = make.headers(officer)
    lat = north_of(post.center_lat, 120)  # 20 m outside the 100 m circle
    for accuracy, code in ((-1, "validation_error"), (5000, "accuracy_too_poor")):
        response = client.post("/api/duty/check-ins", headers=headers,
                               json=check_payload(shift, utcnow(), lat=lat, accuracy_m=accuracy))
        assert refused_in_chinese(response, 422, code), response.json
    assert _count() == 0
    ok = client.post("/api/duty/check-ins", headers=headers,
                     json=check_payload(shift, utcnow(), lat=lat, accuracy_m=30))
    assert ok.status_code == 201 and ok.json["out_of_area"] is False and ok.json["distance_outside_m"] == 20


def test_outside_needs_a_reason_then_waits_for_the_leader(client, make, team):
    leader, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=1)
    headers = make.headers(officer)
    far = north_of(post.center_lat, 800)
    refused = client.post("/api/duty/check-ins", headers=headers, json=check_payload(shift, utcnow(), lat=far))
    assert refused.status_code == 422 and refused.json["error"] == "outside_fence"
    assert "700 米" in refused.json["message"]
    assert _count() == 0
    accepted = client.post("/api/duty/check-ins", headers=headers,
                           json=check_payload(shift, utcnow(), lat=far, reason="协助处置突发占道"))
    assert accepted.status_code == 201
    assert (accepted.json["out_of_area"], accepted.json["approval"]) == (True, "pending")
    pending = client.get("/api/duty/checks", headers=make.headers(leader)).json
    assert [c["id"] for c in pending] == [accepted.json["id"]]
    assert client.post(f"/api/duty/checks/{accepted.json['id']}/decision", headers=headers,
                       json={"approve": True}).status_code == 403
    decided = client.post(f"/api/duty/checks/{accepted.json['id']}/decision", headers=make.headers(leader),
                          json={"approve": True, "note": "属实"})
    assert decided.status_code == 200 and decided.json["approval"] == "approved"
    again = client.post(f"/api/duty/checks/{accepted.json['id']}/decision", headers=make.headers(leader),
                        json={"approve": False})
    assert again.status_code == 409 and again.json["error"] == "already_decided"


@pytest.mark.parametrize(("lat", "lng"), [(91, 121.4737), (31.2304, 181), (float("nan"), 121.4737),
                                          (31.2304, float("inf"))])
def test_coordinates_out_of_range_or_not_numbers_are_refused_in_chinese(client, make, team, lat, lng):
    _, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=1)
    response = client.post("/api/duty/check-ins", headers=make.headers(officer),
                           json=check_payload(shift, utcnow(), lat=lat, lng=lng))
    assert refused_in_chinese(response, 422, "validation_error"), response.json
    [field] = response.json["errors"]["json"]
    assert field == ("lat" if lat != 31.2304 else "lng")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["errors"]["json"][field][0])
    assert _count() == 0


def test_nobody_checks_in_for_someone_elses_shift(client, make, team):
    leader, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=1)
    mate = make.officer(squad=leader.squad)
    by_mate = client.post("/api/duty/check-ins", headers=make.headers(mate), json=check_payload(shift, utcnow()))
    assert refused_in_chinese(by_mate, 404, "not_found")
    by_leader = client.post("/api/duty/check-ins", headers=make.headers(leader), json=check_payload(shift, utcnow()))
    assert refused_in_chinese(by_leader, 403, "not_your_shift")
    assert _count() == 0


def test_check_out_needs_a_check_in_and_leaving_early_is_judged(client, make, team):
    _, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=60, hours=2)
    headers = make.headers(officer)
    orphan = client.post("/api/duty/check-outs", headers=headers, json=check_payload(shift, utcnow()))
    assert refused_in_chinese(orphan, 409, "not_checked_in")
    client.post("/api/duty/check-ins", headers=headers, json=check_payload(shift, shift.starts_at))
    before = client.post("/api/duty/check-outs", headers=headers,
                         json=check_payload(shift, shift.starts_at - timedelta(minutes=1)))
    assert refused_in_chinese(before, 422, "check_out_before_check_in")
    assert _count() == 1
    out = client.post("/api/duty/check-outs", headers=headers,
                      json=check_payload(shift, shift.starts_at + timedelta(minutes=60)))
    assert out.status_code == 201 and (out.json["timing"], out.json["minutes_off"]) == ("early_leave", 60)
    assert client.get(f"/api/duty/shifts/{shift.id}", headers=headers).json["attended_minutes"] == 60


def test_client_times_in_the_future_or_too_old_are_refused(client, make, team):
    _, officer, post = team
    shift = _shift(make, officer, post, started_minutes_ago=1)
    headers = make.headers(officer)
    future = client.post("/api/duty/check-ins", headers=headers,
                         json=check_payload(shift, utcnow() + timedelta(hours=1)))
    assert future.status_code == 422 and future.json["error"] == "client_time_in_future"
    old_shift = _shift(make, officer, post, started_minutes_ago=80 * 60)
    old = client.post("/api/duty/check-ins", headers=headers, json=check_payload(old_shift, old_shift.starts_at))
    assert old.status_code == 422 and old.json["error"] == "client_time_too_old"


def _selfie(image) -> str:
    return base64.b64encode(photos.encode(image)).decode()


def test_selfie_posts_need_exactly_one_real_face(client, make, team):
    leader, officer, _ = team
    post = make.post(leader.squad, selfie_required=True)
    shift = _shift(make, officer, post, started_minutes_ago=1)
    headers = make.headers(officer)
    refusals = {
        "selfie_required": None,
        "not_an_image": base64.b64encode(b"this is not a photo at all").decode(),
        "selfie_no_face": _selfie(photos.coffee()),
        "selfie_many_faces": _selfie(photos.two_faces()),
        "too_many_pixels": base64.b64encode(photos.many_pixels_png()).decode(),
    }
    for code, selfie in refusals.items():
        extra = {"selfie": selfie} if selfie else {}
        response = client.post("/api/duty/check-ins", headers=headers, json=check_payload(shift, utcnow(), **extra))
        assert refused_in_chinese(response, 422, code), (code, response.json)
    assert _count() == 0
    ok = client.post("/api/duty/check-ins", headers=headers,
                     json=check_payload(shift, utcnow(), selfie=_selfie(photos.astronaut())))
    assert ok.status_code == 201 and ok.json["has_selfie"] is True
    check = session.get(DutyCheck, ok.json["id"])
    assert check.selfie_key.startswith(f"duty/selfies/{officer.id}/")
    shown = client.get(f"/api/duty/checks/{check.id}/selfie", headers=make.headers(leader))
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.data == get_storage().get(check.selfie_key) == photos.encode(photos.astronaut())
    stranger = make.officer(Role.squad_leader)
    assert client.get(f"/api/duty/checks/{check.id}/selfie", headers=make.headers(stranger)).status_code == 404
    for role in (Role.supervisor, Role.trainer):  # they see the check, but their work needs no one's face
        reader = make.officer(role, district=leader.squad.district)
        assert client.get(f"/api/duty/checks/{check.id}", headers=make.headers(reader)).status_code == 200
        refused = client.get(f"/api/duty/checks/{check.id}/selfie", headers=make.headers(reader))
        assert refused_in_chinese(refused, 403, "not_needed_for_role")
    reads = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "duty_check_selfie")).all()
    assert [(r.actor_id, r.object_id, r.action) for r in reads] == [
        (leader.id, str(check.id), "read duty_check_selfie")
    ]


def test_a_shift_synced_after_close_day_loses_its_absence_and_counts_its_minutes(client, make, team):
    from backend.duty.jobs import close_day

    _, officer, post = team
    headers = make.headers(officer)
    shift = _shift(make, officer, post, started_minutes_ago=600, hours=8)  # ended two hours ago
    unfinished = _shift(make, officer, post, started_minutes_ago=1200, hours=8)
    client.post("/api/duty/check-ins", headers=headers, json=check_payload(unfinished, unfinished.starts_at))
    assert close_day(shift.day) == {"closed": 2, "absent": 1, "missing_check_out": 1}
    session.commit()
    out = client.post("/api/duty/check-outs", headers=headers, json=check_payload(unfinished, unfinished.ends_at))
    assert out.status_code == 201
    marks = client.get(f"/api/duty/shifts/{unfinished.id}", headers=headers).json
    assert (marks["missing_check_out"], marks["attended_minutes"]) == (False, 480)
    check_in = client.post("/api/duty/check-ins", headers=headers, json=check_payload(shift, shift.starts_at))
    assert check_in.status_code == 201 and check_in.json["late_sync"] is True
    marks = client.get(f"/api/duty/shifts/{shift.id}", headers=headers).json
    assert (marks["absent"], marks["attended_minutes"]) == (False, 0)
    out = client.post("/api/duty/check-outs", headers=headers,
                      json=check_payload(shift, shift.ends_at + timedelta(minutes=5)))
    assert out.status_code == 201 and out.json["timing"] == "on_time"
    marks = client.get(f"/api/duty/shifts/{shift.id}", headers=headers).json
    assert (marks["absent"], marks["missing_check_out"], marks["attended_minutes"]) == (False, False, 480)


def test_a_client_id_used_by_another_officer_is_refused_and_nothing_changes(client, make, team):
    _, officer, post = team
    mate = make.officer(squad=officer.squad)
    mine = _shift(make, officer, post, started_minutes_ago=3)
    theirs = _shift(make, mate, post, started_minutes_ago=3)
    payload = check_payload(mine, utcnow())
    assert client.post("/api/duty/check-ins", headers=make.headers(officer), json=payload).status_code == 201
    reused = client.post("/api/duty/check-ins", headers=make.headers(mate), json=payload | {"shift_id": theirs.id})
    assert refused_in_chinese(reused, 409, "client_id_reused")
    assert _count() == 1


def test_a_polygon_post_admits_a_check_in_inside_and_measures_one_outside(client, make, team):
    from backend.duty.models import Post

    leader, officer, _ = team
    square = [{"lat": 31.23, "lng": 121.47}, {"lat": 31.23, "lng": 121.48}, {"lat": 31.24, "lng": 121.48},
              {"lat": 31.24, "lng": 121.47}]
    created = client.post("/api/duty/posts", headers=make.headers(leader),
                          json={"name": "静安寺广场", "fence": {"shape": "polygon", "points": square}})
    assert created.status_code == 201, created.json
    post = session.get(Post, created.json["id"])
    inside, outside = (_shift(make, officer, post, started_minutes_ago=minutes) for minutes in (3, 300))
    headers = make.headers(officer)
    ok = client.post("/api/duty/check-ins", headers=headers,
                     json=check_payload(inside, utcnow(), lat=31.235, lng=121.475))
    assert ok.status_code == 201 and (ok.json["out_of_area"], ok.json["distance_outside_m"]) == (False, 0)
    far = client.post("/api/duty/check-ins", headers=headers,
                      json=check_payload(outside, outside.starts_at, lat=north_of(31.24, 500), lng=121.475))
    assert refused_in_chinese(far, 422, "outside_fence") and "静安寺广场" in far.json["message"]
    assert "500 米" in far.json["message"]
