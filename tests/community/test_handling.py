"""The squad's side: a complaint played through from QR scan to rating, deadlines, privacy, permissions."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.community.jobs import warn_overdue
from backend.community.models import Complaint, OverdueWarning
from backend.db import session, utcnow
from backend.org.models import Officer, Role
from backend.outbox import deliver
from tests.community.conftest import jpeg, signed, submit
from tests.photos import coffee, encode


def staff(office) -> tuple[Officer, Officer, Officer]:
    """The office squad's leader and its two officers."""
    people = session.scalars(select(Officer).where(Officer.squad_id == office.squad_id).order_by(Officer.id)).all()
    leader = next(p for p in people if p.role == Role.squad_leader)
    a, b = [p for p in people if p.role == Role.officer]
    return leader, a, b


def warn_at(moment) -> int:
    """Run the hourly deadline check, then the outbox's sender, as if the clock showed `moment`."""
    with time_machine.travel(moment, tick=False):
        warned = warn_overdue()
        deliver()
        return warned


def cards(fake_wechat, officer: Officer) -> list[str]:
    return [m["textcard"]["title"] for m in fake_wechat.messages_to(officer.wechat_userid)]


def test_complaint_is_played_through_from_scan_to_rating(client, office, make, fake_wechat):
    leader, officer, _ = staff(office)
    s = signed(office)
    assert (
        client.get(f"/api/community/public/offices/{s['office_code']}/{s['version']}/{s['signature']}").status_code
        == 200
    )
    submitted = submit(client, office, photos=1, phone="13812345678")
    assert submitted.status_code == 201
    code = submitted.json["tracking_code"]
    complaint = session.scalar(select(Complaint))

    # Nobody accepted it within the category's 2 hours: the leader is warned once, however often the job runs.
    assert warn_at(complaint.submitted_at + timedelta(hours=1)) == 0
    assert warn_at(complaint.submitted_at + timedelta(hours=3)) == 1
    assert warn_at(complaint.submitted_at + timedelta(hours=4)) == 0
    assert cards(fake_wechat, leader) == ["诉件受理超期预警"]
    assert "无序设摊" in fake_wechat.messages_to(leader.wechat_userid)[0]["textcard"]["description"]

    lead, mine = make.headers(leader), make.headers(officer)
    queue = client.get("/api/community/complaints", headers=lead).json
    assert [c["id"] for c in queue] == [complaint.id] and queue[0]["phone"] == "138****5678"
    suggestions = client.get(f"/api/community/complaints/{complaint.id}/suggestions", headers=lead).json
    assert officer.id in [s["officer_id"] for s in suggestions]
    assert client.post(f"/api/community/complaints/{complaint.id}/accept", headers=lead).json["status"] == "accepted"
    assigned = client.post(f"/api/community/complaints/{complaint.id}/assign", headers=lead,
                           json={"officer_id": officer.id})
    assert assigned.json["status"] == "assigned" and assigned.json["phone"] == "138****5678"

    detail = client.get(f"/api/community/complaints/{complaint.id}", headers=mine).json
    assert detail["phone"] == "13812345678"  # only the handling officer sees the number
    assert client.post(f"/api/community/complaints/{complaint.id}/start", headers=mine).json["status_name"] == "处理中"
    assert client.post(f"/api/community/complaints/{complaint.id}/replies", headers=mine,
                       json={"message": "已到现场，摊贩已劝离，将持续巡查"}).status_code == 200
    capture = {"client_id": "c5-evidence-0001", "captured_at": utcnow().isoformat(), "lat": "31.2231",
               "lng": "121.4453", "place": "小区南门"}
    evidence = client.post(f"/api/community/complaints/{complaint.id}/evidence", headers=mine,
                           data={**capture, "file": jpeg()}, content_type="multipart/form-data")
    assert evidence.status_code == 201, evidence.json
    assert (evidence.json["subject_type"], evidence.json["subject_ref"]) == ("complaint", str(complaint.id))
    again = client.post(f"/api/community/complaints/{complaint.id}/evidence", headers=mine,
                        data={**capture, "file": jpeg()}, content_type="multipart/form-data")
    assert again.status_code == 200 and again.json["id"] == evidence.json["id"]  # a resent upload counts once
    seen_by_leader = client.get(f"/api/community/complaints/{complaint.id}", headers=lead).json
    assert [e["id"] for e in seen_by_leader["evidence"]] == [evidence.json["id"]]
    resident_photo = seen_by_leader["photos"][0]["id"]
    photo = client.get(f"/api/community/complaints/{complaint.id}/photos/{resident_photo}", headers=lead)
    assert photo.status_code == 200 and photo.data[:3] == b"\xff\xd8\xff"

    # Past the one-day resolve deadline: one more warning, for that stage.
    assert warn_at(complaint.submitted_at + timedelta(days=2)) == 1
    assert cards(fake_wechat, leader) == ["诉件受理超期预警", "诉件办结超期预警"]

    resolved = client.post(f"/api/community/complaints/{complaint.id}/resolve", headers=mine,
                           json={"reply": "摊贩已清理，已纳入每日巡查点"})
    assert resolved.json["status"] == "resolved"
    early = client.post(f"/api/community/public/complaints/{code}/rating", json={"score": 5})
    assert early.status_code == 409 and early.json["error"] == "complaint_not_closed"
    assert client.post(f"/api/community/complaints/{complaint.id}/close", headers=lead).json["status"] == "closed"

    rated = client.post(f"/api/community/public/complaints/{code}/rating", json={"score": 4, "comment": "处理及时"})
    assert rated.status_code == 200 and rated.json["rating"] == 4 and rated.json["can_rate"] is False
    again = client.post(f"/api/community/public/complaints/{code}/rating", json={"score": 1})
    assert again.status_code == 409 and again.json["error"] == "already_rated"
    session.expire_all()
    assert session.get(Complaint, complaint.id).rating == 4

    public = client.get(f"/api/community/public/complaints/{code}").json
    assert [e["status_name"] for e in public["timeline"]] == [
        "已提交", "已受理", "已派单", "处理中", "处理中", "处理中", "已办结", "已结案"]  # a rating is not public
    assert "执法队员上传了现场处理照片" in [e["note"] for e in public["timeline"]]
    notes = " ".join(e["note"] for e in public["timeline"])
    assert "摊贩已劝离" in notes and "摊贩已清理" in notes
    assert officer.name not in str(public) and officer.badge_no not in str(public) and leader.name not in str(public)

    audited = session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "complaint", AuditEntry.object_id == str(complaint.id))).all()
    for action in ("accept", "assign", "start", "replies", "evidence", "resolve", "close", "public_rating"):
        assert f"POST community.{action}" in audited


def test_only_the_leader_assigns_and_only_the_assignee_handles(client, office, make):
    leader, officer, other = staff(office)
    complaint = make.complaint(office)
    forbidden = client.post(f"/api/community/complaints/{complaint.id}/assign", headers=make.headers(officer),
                            json={"officer_id": officer.id})
    assert forbidden.status_code == 403
    client.post(f"/api/community/complaints/{complaint.id}/assign", headers=make.headers(leader),
                json={"officer_id": officer.id})
    response = client.post(f"/api/community/complaints/{complaint.id}/start", headers=make.headers(leader))
    assert response.status_code == 403 and response.json["error"] == "assignee_only"
    response = client.post(f"/api/community/complaints/{complaint.id}/start", headers=make.headers(other))
    assert response.status_code == 404  # a squad mate does not see a complaint assigned to someone else
    stranger = make.officer()
    assign_outsider = client.post(f"/api/community/complaints/{complaint.id}/assign", headers=make.headers(leader),
                                  json={"officer_id": stranger.id})
    assert assign_outsider.status_code == 422 and assign_outsider.json["error"] == "invalid_assignee"


def test_an_officer_sees_only_the_complaints_assigned_to_them(client, office, make):
    leader, officer, other = staff(office)
    mine, theirs, unassigned = make.complaint(office), make.complaint(office), make.complaint(office)
    for complaint, assignee in ((mine, officer), (theirs, other)):
        client.post(f"/api/community/complaints/{complaint.id}/assign", headers=make.headers(leader),
                    json={"officer_id": assignee.id})
    listed = client.get("/api/community/complaints", headers=make.headers(officer)).json
    assert [c["id"] for c in listed] == [mine.id]
    assert client.get(f"/api/community/complaints/{theirs.id}", headers=make.headers(officer)).status_code == 404
    queue = client.get("/api/community/complaints", headers=make.headers(leader)).json
    assert {c["id"] for c in queue} == {mine.id, theirs.id, unassigned.id}


def test_other_squads_do_not_see_the_complaint(client, office, make):
    complaint = make.complaint(office)
    outsider = make.officer(Role.squad_leader)
    response = client.get(f"/api/community/complaints/{complaint.id}", headers=make.headers(outsider))
    assert response.status_code == 404
    assert client.get("/api/community/complaints", headers=make.headers(outsider)).json == []


def test_reject_and_transfer_need_a_reason_and_tell_the_resident(client, office, make):
    leader, _, _ = staff(office)
    lead = make.headers(leader)
    rejected = make.complaint(office)
    no_reason = client.post(f"/api/community/complaints/{rejected.id}/reject", headers=lead, json={"reason": " "})
    assert no_reason.status_code == 422 and no_reason.json["error"] == "reason_required"
    client.post(f"/api/community/complaints/{rejected.id}/reject", headers=lead,
                json={"reason": "不属于城管职责，请拨打 12345 市民热线"})
    public = client.get(f"/api/community/public/complaints/{rejected.tracking_code}").json
    assert public["status_name"] == "不予受理" and "12345" in public["timeline"][-1]["note"]

    moved = make.complaint(office)
    neighbour = make.squad(office.squad.district)
    transferred = client.post(f"/api/community/complaints/{moved.id}/transfer", headers=lead,
                              json={"squad_id": neighbour.id, "reason": "地点属于相邻街道"})
    assert transferred.status_code == 200 and transferred.json["squad_id"] == neighbour.id
    new_leader = make.officer(Role.squad_leader, squad=neighbour)
    accepted = client.post(f"/api/community/complaints/{moved.id}/accept", headers=make.headers(new_leader))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"


def test_wrong_order_of_steps_is_a_conflict(client, office, make):
    leader, _, _ = staff(office)
    complaint = make.complaint(office)
    response = client.post(f"/api/community/complaints/{complaint.id}/close", headers=make.headers(leader))
    assert response.status_code == 409 and response.json["error"] == "invalid_transition"
    assert "已提交" in response.json["message"]


def test_district_deadlines_apply_to_new_complaints(client, office, make):
    admin = make.officer(Role.district_admin, district=office.squad.district)
    response = client.put("/api/community/deadlines/noise", headers=make.headers(admin),
                          json={"accept_hours": 1, "resolve_days": 2})
    assert response.status_code == 200
    listed = {d["category"]: d for d in client.get("/api/community/deadlines", headers=make.headers(admin)).json}
    assert listed["noise"]["accept_hours"] == 1 and listed["street_vending"]["accept_hours"] == 2
    body = submit(client, office, category="noise", description="深夜 KTV 噪声").json
    complaint = session.scalar(
        select(Complaint).where(Complaint.tracking_code == body["tracking_code"].replace("-", ""))
    )
    assert complaint.accept_due_at - complaint.submitted_at == timedelta(hours=1)
    assert complaint.resolve_due_at - complaint.submitted_at == timedelta(days=2)


def test_overdue_warning_is_given_once_and_its_card_sent_when_wechat_answers(office, make, fake_wechat):
    leader, _, _ = staff(office)
    complaint = make.complaint(office)
    fake_wechat.fail("message/send", 45009, times=10)
    assert warn_at(complaint.accept_due_at + timedelta(minutes=1)) == 1
    assert session.scalar(select(OverdueWarning)) is not None
    assert cards(fake_wechat, leader) == []
    fake_wechat.recover("message/send")
    assert warn_at(complaint.accept_due_at + timedelta(minutes=61)) == 0
    assert cards(fake_wechat, leader) == ["诉件受理超期预警"]


def test_evidence_from_wechat_goes_to_the_complaint_and_only_the_assignee_may_add_it(client, office, make,
                                                                                     fake_wechat):
    leader, officer, other = staff(office)
    complaint = make.complaint(office)
    client.post(f"/api/community/complaints/{complaint.id}/assign", headers=make.headers(leader),
                json={"officer_id": officer.id})
    fake_wechat.media["MEDIA-C5"] = (encode(coffee()), "image/jpeg")
    body = {"media_id": "MEDIA-C5", "client_id": "c5-wechat-0001", "captured_at": utcnow().isoformat(),
            "lat": 31.2231, "lng": 121.4453}
    refused = client.post(f"/api/community/complaints/{complaint.id}/evidence/wechat", headers=make.headers(leader),
                          json=body)
    assert refused.status_code == 403 and refused.json["error"] == "assignee_only"
    unseen = client.post(f"/api/community/complaints/{complaint.id}/evidence/wechat", headers=make.headers(other),
                         json=body)
    assert unseen.status_code == 404
    taken = client.post(f"/api/community/complaints/{complaint.id}/evidence/wechat", headers=make.headers(officer),
                        json=body)
    assert taken.status_code == 201 and taken.json["subject_ref"] == str(complaint.id)
    mislabelled = client.post(f"/api/community/complaints/{complaint.id}/evidence/wechat",
                              headers=make.headers(officer), json={**body, "subject_ref": "999"})
    assert mislabelled.status_code == 422  # the subject is always this complaint


def test_suggestion_puts_the_officer_on_duty_nearest_to_the_complaint_first(client, office, make):
    from backend.duty.models import Position

    leader, far, near = staff(office)
    idle = make.officer(squad=office.squad)
    now = utcnow()
    make.shift(far, now - timedelta(hours=1), now + timedelta(hours=3), duty_type="fixed_post",
               post=make.post(office.squad, lat=31.2400, lng=121.4600, radius_m=100))
    patrol = make.shift(near, now - timedelta(hours=1), now + timedelta(hours=3))
    make.shift(idle, now - timedelta(hours=6), now - timedelta(hours=2))  # already off duty
    for minutes, lat in ((40, 31.2600), (5, 31.2239)):  # the older ping is stale and far away
        session.add(Position(client_id=f"c5-ping-{minutes}", officer_id=near.id, shift_id=patrol.id, source="app",
                             recorded_at=now - timedelta(minutes=minutes), lat=lat, lng=121.4453, accuracy_m=10))
    session.flush()
    complaint = make.complaint(office, lat=31.2231, lng=121.4453, coord_system="gcj02")
    suggestions = client.get(f"/api/community/complaints/{complaint.id}/suggestions",
                             headers=make.headers(leader)).json
    assert [(s["officer_id"], s["basis"]) for s in suggestions] == [
        (near.id, "position"), (far.id, "post"), (idle.id, "squad")]
    assert 50 <= suggestions[0]["distance_m"] <= 150
    assert 1500 <= suggestions[1]["distance_m"] <= 2500
    assert suggestions[2]["distance_m"] is None


def test_the_queue_names_the_deadline_a_complaint_has_passed(client, office, make):
    leader, officer, _ = staff(office)
    complaint = make.complaint(office)  # street vending: accept within 2 hours, resolve within a day
    url = f"/api/community/complaints/{complaint.id}"

    def overdue_at(moment) -> str | None:
        with time_machine.travel(moment, tick=False):
            return client.get(url, headers=make.headers(leader)).json["overdue"]

    assert overdue_at(complaint.submitted_at + timedelta(hours=1)) is None
    assert overdue_at(complaint.accept_due_at + timedelta(minutes=1)) == "accept"
    assigned = client.post(f"{url}/assign", headers=make.headers(leader), json={"officer_id": officer.id})
    assert assigned.status_code == 200
    assert overdue_at(complaint.accept_due_at + timedelta(minutes=1)) is None  # accepted when assigned
    assert overdue_at(complaint.resolve_due_at + timedelta(minutes=1)) == "resolve"
    with time_machine.travel(complaint.resolve_due_at + timedelta(minutes=1), tick=False):
        queue = client.get("/api/community/complaints?overdue=true", headers=make.headers(leader)).json
    assert [(row["id"], row["overdue"]) for row in queue] == [(complaint.id, "resolve")]
