"""The outbox: messages written with their records, delivered by the `outbox.deliver` job through the real
wechatpy client against the fake government-WeChat server; what district staff see and resend."""
from __future__ import annotations

import socket
import threading
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from backend.db import session, utcnow
from backend.demo import load_demo
from backend.org.models import Officer, Role
from backend.outbox import DEAD, DELIVERED, PENDING, OutboxMessage
from backend.scheduler import JOBS, SUCCEEDED, run_job
from backend.supervision.points import jobs as points_jobs
from backend.wechat.messages import queue_text_card

JOB = {job.id: job for job in JOBS}["outbox.deliver"]


def card(title: str) -> dict:
    return dict(title=title, description=f"{title}的内容", url="https://app.example.cn/x")


def titles_to(fake_wechat, userid: str) -> list[str]:
    return [m["textcard"]["title"] for m in fake_wechat.messages_to(userid)]


def run_sender(app) -> None:
    assert run_job(app, JOB, None) == SUCCEEDED


@pytest.fixture
def wechat_unconfigured(app, monkeypatch):
    """The demo: no corp id, agent or secret set."""
    for name in ("WECHAT_CORP_ID", "WECHAT_AGENT_ID", "WECHAT_SECRET", "WECHAT_CONTACTS_SECRET"):
        monkeypatch.setitem(app.config, name, "")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})


def test_a_month_published_in_the_demo_without_wechat_is_published_and_its_card_shown_as_not_sent(
        app, client, make, fake_wechat, wechat_unconfigured):
    load_demo()
    session.commit()
    leader = session.scalar(select(Officer).where(Officer.badge_no == "JA2001"))
    admin = session.scalar(select(Officer).where(Officer.district_id == leader.district_id,
                                                 Officer.role == Role.district_admin))
    november = date(2026, 11, 1)
    points_jobs.daily_records(november)
    points_jobs.monthly_points(november)
    session.commit()
    url = f"/api/points/squads/{leader.squad_id}/monthly"

    assert client.post(f"{url}/review", headers=make.headers(leader), json={"month": "2026-11"}).status_code == 200
    published = client.post(f"{url}/publish", headers=make.headers(leader), json={"month": "2026-11"})

    assert published.status_code == 200, published.json
    assert published.json["done"] == 2
    run_sender(app)
    listed = client.get("/api/outbox/messages", headers=make.headers(admin))
    assert listed.status_code == 200
    # the demo's supervision findings were told too, and its locked past quarter's months published
    cards = [m for m in listed.json if m["title"].startswith("2026年11月积分")]
    assert sorted((m["title"], m["recipients"][0], m["sent"], m["state_name"]) for m in cards) == [
        ("2026年11月积分已公布", "sunli", False, "未发送"), ("2026年11月积分已公布", "zhoujie", False, "未发送")]
    assert {m["last_error"] for m in listed.json} == {"政务微信尚未配置，请联系管理员"}
    assert {m["failures"] for m in listed.json} == {0}  # not configured is no failed attempt: never dead
    assert fake_wechat.calls["message/send"] == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("outage", ["errors", "refused"])
def test_an_hour_of_wechat_outage_loses_nothing_and_sends_nothing_twice(
        outage, app, make, fake_wechat, monkeypatch):
    squad = make.squad()
    people = [make.officer(squad=squad, wechat_userid=f"outage-{i}") for i in range(3)]
    queue_text_card(people[:2], **card("今日勤务提醒"))  # one message to two officers
    for person in people:
        queue_text_card([person], **card(f"积分已公布：{person.wechat_userid}"))
    session.commit()
    if outage == "errors":
        fake_wechat.fail("message/send", -1, times=10_000)  # 系统繁忙
    else:
        monkeypatch.setitem(app.config, "WECHAT_API_BASE_URL", f"http://127.0.0.1:{_closed_port()}/cgi-bin/")
        monkeypatch.setitem(app.extensions, "wechat_clients", {})
    start = utcnow()

    for minute in range(61):  # the sender runs every minute of the hour
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            run_sender(app)
    session.expire_all()
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.state for m in messages] == [PENDING] * 4
    assert fake_wechat.sent == []
    tried = {m.id: [a.errcode for a in m.attempts] for m in messages}
    assert all(len(codes) == 6 for codes in tried.values())  # at minutes 0, 1, 3, 7, 15 and 31: backing off
    assert {code for codes in tried.values() for code in codes} == ({-1} if outage == "errors" else {None})

    fake_wechat.recover("message/send")
    monkeypatch.setitem(app.config, "WECHAT_API_BASE_URL", f"{fake_wechat.base_url}/cgi-bin/")
    monkeypatch.setitem(app.extensions, "wechat_clients", {})
    for minute in range(61, 200):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            run_sender(app)
    session.expire_all()
    assert [m.state for m in session.scalars(select(OutboxMessage))] == [DELIVERED] * 4
    assert titles_to(fake_wechat, "outage-0") == ["今日勤务提醒", "积分已公布：outage-0"]
    assert titles_to(fake_wechat, "outage-1") == ["今日勤务提醒", "积分已公布：outage-1"]
    assert titles_to(fake_wechat, "outage-2") == ["积分已公布：outage-2"]


def test_two_senders_racing_send_each_message_once(committed_app, make, fake_wechat):
    squad = make.squad()
    people = [make.officer(squad=squad, wechat_userid=f"race-{i}") for i in range(120)]
    for person in people:
        queue_text_card([person], **card(f"提醒 {person.wechat_userid}"))
    session.commit()
    session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def sender():
        barrier.wait()
        outcomes.append(run_job(committed_app, JOB, None))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [SUCCEEDED, SUCCEEDED]
    assert sorted(m["touser"] for m in fake_wechat.sent) == sorted(p.wechat_userid for p in people)
    assert set(session.scalars(select(OutboxMessage.state))) == {DELIVERED}


def test_a_card_to_nobody_valid_is_recorded_as_delivered_to_nobody_and_blocks_nothing(app, client, make, fake_wechat):
    squad = make.squad()
    admin = make.officer(Role.district_admin, district=squad.district)
    gone = make.officer(squad=squad, wechat_userid="Left.Officer")  # WeCom answers its UserId lower-cased
    stays = make.officer(squad=squad, wechat_userid="Stays")
    fake_wechat.invalid_users.add("left.officer")
    queue_text_card([gone], **card("只发给已离职的人"))
    queue_text_card([gone, stays], **card("发给两个人"))
    queue_text_card([stays], **card("排在后面的消息"))
    session.commit()

    run_sender(app)

    assert fake_wechat.calls["message/send"] == 3
    assert titles_to(fake_wechat, "Stays") == ["发给两个人", "排在后面的消息"]
    nobody, both, last = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert (nobody.state, nobody.delivered_count, nobody.rejected) == (DELIVERED, 0, "Left.Officer")
    assert [(a.outcome, a.errcode) for a in nobody.attempts] == [("nobody", 81013)]
    assert (both.delivered_count, both.rejected) == (1, "Left.Officer")
    assert (last.state, last.delivered_count) == (DELIVERED, 1)
    detail = client.get(f"/api/outbox/messages/{nobody.id}", headers=make.headers(admin)).json
    assert (detail["state_name"], detail["delivered_count"], detail["rejected"]) == ("已送达", 0, ["Left.Officer"])
    assert detail["attempts"][0]["errcode"] == 81013


def test_a_message_that_keeps_failing_dies_and_staff_resend_it(app, client, make, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_MINUTES", "1,2")
    squad = make.squad()
    admin = make.officer(Role.district_admin, district=squad.district)
    stranger = make.officer(Role.district_admin)  # another district's staff
    officer = make.officer(squad=squad, wechat_userid="dies-1")
    queue_text_card([officer], **card("督察发现问题通知"))
    session.commit()
    fake_wechat.fail("message/send", 45009, times=3)
    start = utcnow()
    for minute in (0, 2, 5):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            run_sender(app)

    dead = client.get("/api/outbox/messages", headers=make.headers(admin), query_string={"state": "dead"}).json
    assert [(m["title"], m["state"], m["failures"], m["sent"]) for m in dead] == [("督察发现问题通知", DEAD, 3, False)]
    assert client.get("/api/outbox/messages", headers=make.headers(stranger)).json == []
    assert client.get("/api/outbox/messages", headers=make.headers(officer)).status_code == 403
    with time_machine.travel(start + timedelta(days=1), tick=False):
        run_sender(app)
    assert fake_wechat.sent == []  # dead stays dead until someone resends it

    resent = client.post(f"/api/outbox/messages/{dead[0]['id']}/resend", headers=make.headers(admin))
    assert resent.status_code == 200 and resent.json["state"] == PENDING
    run_sender(app)
    assert titles_to(fake_wechat, "dies-1") == ["督察发现问题通知"]
    again = client.post(f"/api/outbox/messages/{dead[0]['id']}/resend", headers=make.headers(admin))
    assert (again.status_code, again.json["error"]) == (409, "message_delivered")
    assert client.get("/api/outbox/messages", headers=make.headers(admin)).json == []
    attempts = client.get(f"/api/outbox/messages/{dead[0]['id']}", headers=make.headers(admin)).json["attempts"]
    assert [(a["outcome"], a["errcode"]) for a in attempts] == [("failed", 45009)] * 3 + [("delivered", 0)]


def test_a_text_card_reaches_the_officers_with_a_wechat_account_in_one_call(app, make, fake_wechat):
    squad = make.squad()
    zhang, li = make.officer(squad=squad, wechat_userid="zhangwei"), make.officer(squad=squad, wechat_userid="lisi")
    offline = make.officer(squad=squad)  # no government-WeChat account

    assert queue_text_card([zhang, li, offline], title="排班提醒", description="明天 08:00 南京西路固守",
                           url="https://app.example.cn/duty/today") == 2
    assert queue_text_card([offline], **card("无人可发")) == 0
    run_sender(app)

    [message] = fake_wechat.sent
    assert set(message["touser"].split("|")) == {"zhangwei", "lisi"}
    assert (message["msgtype"], message["agentid"]) == ("textcard", 1000002)
    assert message["textcard"] == {"title": "排班提醒", "description": "明天 08:00 南京西路固守",
                                   "url": "https://app.example.cn/duty/today", "btntxt": "详情"}
