"""A morning played through HTTP: roster, reminder, check-ins, positions, check-outs, close-day, facts."""
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.db import LOCAL_TZ, session, utcnow
from backend.duty.jobs import close_day, send_shift_reminders
from backend.duty.queries import daily_duty_facts
from backend.org.models import Role
from backend.outbox import deliver
from backend.scheduler import JOBS, SKIPPED, SUCCEEDED, JobRun, run_job
from tests.duty.helpers import check_payload, north_of
from tests.wechat.test_callback import _encrypted_post

JOB = {job.id: job for job in JOBS}


def _location_event(userid: str, at: datetime, lat: float, lng: float) -> str:
    return (f"<xml><ToUserName><![CDATA[wwfakecorp0001]]></ToUserName><FromUserName><![CDATA[{userid}]]>"
            f"</FromUserName><CreateTime>{int(at.timestamp())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[LOCATION]]></Event><Latitude>{lat}</Latitude><Longitude>{lng}</Longitude>"
            f"<Precision>20.0</Precision><AgentID>1000002</AgentID></xml>")


def test_a_morning_on_duty_ends_in_exactly_the_facts_that_happened(app, client, make, fake_wechat):
    leader = make.officer(Role.squad_leader, wechat_userid="leader01")
    names = ["ontime", "late", "outside", "absent", "rejected"]
    crew = {name: make.officer(squad=leader.squad, wechat_userid=f"{name}01") for name in names}
    post = make.post(leader.squad, radius_m=150)
    lead = make.headers(leader)
    heads = {name: make.headers(officer) for name, officer in crew.items()}

    # The roster: everyone on the same 3.5-hour patrol that started four hours ago (Shanghai time).
    start = (utcnow() - timedelta(hours=4)).astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=210)
    day = start.date()
    roster = client.post("/api/duty/shifts", headers=lead, json={"shifts": [
        {"officer_id": officer.id, "day": day.isoformat(), "start": start.strftime("%H:%M"),
         "end": end.strftime("%H:%M"), "ends_next_day": end.date() > day, "duty_type": "patrol",
         "post_id": post.id} for officer in crew.values()]})
    assert roster.status_code == 201, roster.json
    shift = {name: next(s for s in roster.json if s["officer_id"] == crew[name].id) for name in names}

    # The morning reminder reaches every officer's government WeChat as a text card.
    assert run_job(app, JOB["duty.shift_reminders"], day) == SUCCEEDED
    assert run_job(app, JOB["outbox.deliver"], None) == SUCCEEDED
    for name in names:
        [card] = fake_wechat.messages_to(f"{name}01")
        assert card["msgtype"] == "textcard" and card["textcard"]["title"] == "今日勤务提醒"
        assert f"{start:%H:%M}–" in card["textcard"]["description"] and post.name in card["textcard"]["description"]
    assert fake_wechat.messages_to("leader01") == []

    def at(minutes: int) -> datetime:
        return (start + timedelta(minutes=minutes)).astimezone(UTC)

    class S:  # what check_payload needs of a shift
        def __init__(self, name):
            self.id = shift[name]["id"]

    def submit(kind: str, name: str, minutes: int, **extra):
        response = client.post(f"/api/duty/{kind}", headers=heads[name],
                               json=check_payload(S(name), at(minutes), lat=post.center_lat, lng=post.center_lng)
                               | extra)
        assert response.status_code == 201, response.json
        return response.json

    far = north_of(post.center_lat, 900)
    assert submit("check-ins", "ontime", 1)["timing"] == "on_time"
    assert (submit("check-ins", "late", 17)["minutes_off"]) == 17
    outside = submit("check-ins", "outside", 2, lat=far, reason="支援邻近路段整治")
    rejected = submit("check-ins", "rejected", 3, lat=far, reason="在家附近")
    assert client.post(f"/api/duty/checks/{outside['id']}/decision", headers=lead,
                       json={"approve": True}).status_code == 200
    assert client.post(f"/api/duty/checks/{rejected['id']}/decision", headers=lead,
                       json={"approve": False, "note": "理由不成立"}).status_code == 200

    # Patrol positions: a batch from the app, and LOCATION events pushed by government WeChat (WGS-84).
    pings = [{"client_id": f"ontime-ping-{i}", "client_at": at(30 + 10 * i).isoformat(), "lat": north_of(
        post.center_lat, 100 * i), "lng": post.center_lng, "accuracy_m": 12} for i in range(3)]
    batch = client.post("/api/duty/positions", headers=heads["ontime"], json={"positions": pings})
    assert batch.status_code == 200 and batch.json == {"accepted": 3, "duplicate": 0}
    for i in range(2):
        query, body = _encrypted_post(_location_event("late01", at(40 + 10 * i), north_of(31.2324, 150 * i),
                                                      121.4692), str(int(time.time())))
        assert client.post("/api/wechat/callback", query_string=query, data=body,
                           content_type="text/xml").status_code == 200
    late_track = client.get(f"/api/duty/shifts/{shift['late']['id']}/track", headers=heads["late"]).json
    assert late_track["positions"] == 2 and late_track["track_metres"] == 150
    assert [p["recorded_at"] for p in late_track["points"]] == sorted(p["recorded_at"] for p in late_track["points"])
    assert len(late_track["points"]) == 2 and late_track["points"][1]["lat"] > late_track["points"][0]["lat"]

    submit("check-outs", "ontime", 210)
    assert submit("check-outs", "late", 180)["timing"] == "early_leave"
    submit("check-outs", "outside", 210)
    submit("check-outs", "rejected", 210)

    # Close the day: the absence is marked, once, however often the job is started.
    assert run_job(app, JOB["duty.close_day"], day) == SUCCEEDED
    assert run_job(app, JOB["duty.close_day"], day) == SKIPPED
    assert close_day(day) == {"closed": 0, "absent": 0, "missing_check_out": 0}
    absent = client.get(f"/api/duty/shifts/{shift['absent']['id']}", headers=lead).json
    assert absent["absent"] is True and absent["closed_at"]

    answer = client.get("/api/duty/facts", headers=lead, query_string={"day": day.isoformat()})
    assert answer.status_code == 200, answer.json
    facts = {row["officer_id"]: row for row in answer.json}
    expected = {
        "ontime": dict(attended_minutes=209, late=0, early_leave=0, absent=0, out_of_area_approved=0,
                       out_of_area_rejected=0, patrol_metres=200),
        "late": dict(attended_minutes=163, late=1, early_leave=1, absent=0, out_of_area_approved=0,
                     out_of_area_rejected=0, patrol_metres=150),
        "outside": dict(attended_minutes=208, late=0, early_leave=0, absent=0, out_of_area_approved=1,
                        out_of_area_rejected=0, patrol_metres=0),
        "absent": dict(attended_minutes=0, late=0, early_leave=0, absent=1, out_of_area_approved=0,
                       out_of_area_rejected=0, patrol_metres=0),
        "rejected": dict(attended_minutes=0, late=0, early_leave=0, absent=0, out_of_area_approved=0,
                         out_of_area_rejected=1, patrol_metres=0),
    }
    assert facts == {crew[name].id: dict(officer_id=crew[name].id, officer_name=crew[name].name,
                                         badge_no=crew[name].badge_no, scheduled_minutes=210, **values)
                     for name, values in expected.items()}
    # The points engine reads the same figures, for everyone with shifts that day.
    assert {row.officer_id: row._asdict() for row in daily_duty_facts(day)} == {
        officer_id: {key: value for key, value in row.items() if key not in ("officer_name", "badge_no")}
        for officer_id, row in facts.items()}
    assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job_id == "duty.close_day")) == 1


def test_reminders_are_not_sent_twice_and_shared_shifts_share_one_call(make, fake_wechat):
    first, second = make.officer(wechat_userid="twice01"), make.officer(wechat_userid="twice02")
    start = utcnow().replace(microsecond=0) + timedelta(hours=1)
    for officer in (first, second):
        shift = make.shift(officer, start, start + timedelta(hours=8))
    assert send_shift_reminders(shift.day)["queued"] == 2
    deliver()
    assert [m["touser"] for m in fake_wechat.sent] == ["twice01|twice02"]
    assert send_shift_reminders(shift.day)["queued"] == 0
    deliver()
    assert len(fake_wechat.messages_to("twice01")) == 1
