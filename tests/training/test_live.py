"""Live classes: signed join QR, presence intervals from join / heartbeat / leave, credit, CSV export."""
import csv
import io
from datetime import UTC, datetime, timedelta

import time_machine
from PIL import Image

from backend.org.models import Role

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOURS = timedelta(hours=4)


def _setup(make):
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    return trainer, squad


def _schedule(client, trainer, make, **kw):
    body = {"title": "行政处罚法", "classroom": "区局智慧教室", "starts_at": START.isoformat(),
            "ends_at": (START + timedelta(hours=1)).isoformat(), "category": "classroom", "credit_hours": "2.0",
            "stream_url": "https://live.example.gov.cn/room/1", **kw}
    response = client.post("/api/training/live-classes", headers=make.headers(trainer, HOURS), json=body)
    assert response.status_code == 201, response.json
    return response.json


def _sig(live_class):
    return live_class["join_url"].split("sig=")[1]


def _current_sig(client, trainer, make, live_class_id):
    """The join code the classroom screen shows now (it rotates)."""
    return _sig(client.get(f"/api/training/live-classes/{live_class_id}", headers=make.headers(trainer, HOURS)).json)


def _beats(client, live_class_id, headers, traveller, minutes):
    """Heartbeats every 30 seconds for `minutes`."""
    for _ in range(minutes * 2):
        traveller.shift(timedelta(seconds=30))
        assert client.post(f"/api/training/live-classes/{live_class_id}/heartbeat", headers=headers).status_code == 200


def test_lost_heartbeats_are_a_gap_and_credit_needs_the_share(client, make):
    trainer, squad = _setup(make)
    steady, patchy = make.officer(squad=squad, name="全程"), make.officer(squad=squad, name="断线")
    with time_machine.travel(START - timedelta(minutes=1), tick=False) as traveller:
        live_class = _schedule(client, trainer, make)
        assert live_class["min_presence_percent"] == 80
        headers = {o.id: make.headers(o, HOURS) for o in (steady, patchy)}
        traveller.shift(timedelta(minutes=1))
        for officer in (steady, patchy):
            joined = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=headers[officer.id],
                                 json={"sig": _sig(live_class)})
            assert joined.status_code == 200
            assert joined.json["heartbeat_seconds"] == 30
        for minute in range(60):
            for _ in range(2):
                traveller.shift(timedelta(seconds=30))
                client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat", headers=headers[steady.id])
                if not 20 <= minute < 35:  # the patchy phone loses 15 minutes of heartbeats, never leaves
                    response = client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat",
                                           headers=headers[patchy.id])
                    assert response.status_code == 200
        rows = client.get(f"/api/training/live-classes/{live_class['id']}/attendance",
                          headers=make.headers(trainer, HOURS)).json
    by_name = {row["name"]: row for row in rows}
    assert by_name["全程"]["presence_seconds"] == 3600 and by_name["全程"]["credited"] is True
    # present 10:00–10:20 and from the heartbeat at 10:35:30 to 11:00: 20 min + 24.5 min = 2670 s, 74 % < 80 %
    assert by_name["断线"]["presence_seconds"] == 2670
    assert by_name["断线"]["credited"] is False
    assert by_name["断线"]["left_at"] is None


def test_short_silence_within_the_gap_rule_counts_as_present(client, make):
    trainer, squad = _setup(make)
    trainee = make.officer(squad=squad)
    with time_machine.travel(START, tick=False) as traveller:
        live_class = _schedule(client, trainer, make, min_presence_percent=50)
        headers = make.headers(trainee, HOURS)
        client.post(
            f"/api/training/live-classes/{live_class['id']}/join", headers=headers, json={"sig": _sig(live_class)}
        )
        _beats(client, live_class["id"], headers, traveller, 10)
        traveller.shift(timedelta(seconds=90))  # two heartbeats lost: still within 90 s
        response = client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat", headers=headers)
        assert response.json["presence_seconds"] == 10 * 60 + 90
        left = client.post(f"/api/training/live-classes/{live_class['id']}/leave", headers=headers)
        assert left.status_code == 200 and left.json["left_at"]
        after_leave = client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat", headers=headers)
        assert after_leave.status_code == 409 and after_leave.json["error"] == "not_joined"
        traveller.shift(timedelta(minutes=5))
        rejoined = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=headers,
                               json={"sig": _current_sig(client, trainer, make, live_class["id"])})
        _beats(client, live_class["id"], headers, traveller, 20)
        final = client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat", headers=headers).json
    assert rejoined.status_code == 200
    assert final["presence_seconds"] == 10 * 60 + 90 + 20 * 60  # the 5 minutes away do not count
    assert final["credited"] is True


def test_a_join_code_lives_one_to_two_windows_so_a_photo_of_it_is_useless_at_home(app, client, make):
    trainer, squad = _setup(make)
    in_room, at_home = make.officer(squad=squad), make.officer(squad=squad)
    window = timedelta(seconds=app.config["TRAINING_JOIN_CODE_SECONDS"])

    def join(officer, sig):
        return client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=make.headers(officer, HOURS),
                           json={"sig": sig})

    with time_machine.travel(START, tick=False) as traveller:
        live_class = _schedule(client, trainer, make)
        photographed = _sig(live_class)
        traveller.shift(window)  # scanned just before the code changed: still good in the next window
        assert join(in_room, photographed).status_code == 200
        traveller.shift(window)  # two windows on, the photo sent home is refused
        refused = join(at_home, photographed)
        assert refused.status_code == 403 and refused.json["error"] == "bad_signature"
        assert "已过期" in refused.json["message"] and "大屏" in refused.json["message"]
        current = _current_sig(client, trainer, make, live_class["id"])
        assert current != photographed
        assert join(at_home, current).status_code == 200


def test_bad_signature_and_heartbeat_without_join_are_refused(client, make):
    trainer, squad = _setup(make)
    trainee = make.officer(squad=squad)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        live_class = _schedule(client, trainer, make)
        other = _schedule(client, trainer, make, title="另一节课")
        headers = make.headers(trainee, HOURS)
        forged = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=headers,
                             json={"sig": _sig(other)})
        assert forged.status_code == 403 and forged.json["error"] == "bad_signature"
        garbage = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=headers,
                              json={"sig": "签名"})
        assert garbage.status_code == 403
        beat = client.post(f"/api/training/live-classes/{live_class['id']}/heartbeat", headers=headers)
        assert beat.status_code == 409 and beat.json["error"] == "not_joined"
    with time_machine.travel(START - timedelta(minutes=30), tick=False):
        early = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=make.headers(trainee),
                            json={"sig": _current_sig(client, trainer, make, live_class["id"])})
        assert early.status_code == 409 and early.json["error"] == "class_not_started"
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        late = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=make.headers(trainee),
                           json={"sig": _current_sig(client, trainer, make, live_class["id"])})
        assert late.status_code == 409 and late.json["error"] == "class_ended"


def test_class_of_another_district_is_not_found(client, make):
    trainer, _ = _setup(make)
    stranger = make.officer()
    with time_machine.travel(START, tick=False):
        live_class = _schedule(client, trainer, make)
        response = client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=make.headers(stranger),
                               json={"sig": _sig(live_class)})
    assert response.status_code == 404


def test_join_qr_code_is_a_png_of_the_signed_url(client, make):
    trainer, squad = _setup(make)
    with time_machine.travel(START, tick=False):
        live_class = _schedule(client, trainer, make)
        response = client.get(f"/api/training/live-classes/{live_class['id']}/qr.png", headers=make.headers(trainer))
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.width == image.height >= 200
    assert f"class={live_class['id']}" in live_class["join_url"] and len(_sig(live_class)) == 31  # key id . 128-bit MAC


def test_attendance_csv_per_class_and_per_officer(client, make):
    trainer, squad = _setup(make)
    trainee = make.officer(squad=squad, name="李明")
    leader = make.officer(Role.squad_leader, squad=squad)
    with time_machine.travel(START, tick=False) as traveller:
        first = _schedule(client, trainer, make, title="第一课")
        headers = make.headers(trainee, HOURS)
        client.post(f"/api/training/live-classes/{first['id']}/join", headers=headers, json={"sig": _sig(first)})
        _beats(client, first["id"], headers, traveller, 60)
        export = client.get(f"/api/training/live-classes/{first['id']}/attendance.csv", headers=make.headers(trainer))
        personal = client.get(f"/api/training/officers/{trainee.id}/attendance.csv", headers=make.headers(leader))
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["课程", "开始时间", "工号", "姓名"]
    assert rows[1][0] == "第一课" and rows[1][1] == "2026-03-02 10:00:00" and rows[1][3] == "李明"
    assert rows[1][6:] == ["60", "100.0", "是"]
    assert personal.status_code == 200
    assert list(csv.reader(io.StringIO(personal.data.decode("utf-8-sig"))))[1][3] == "李明"
    assert client.get(f"/api/training/live-classes/{first['id']}/attendance.csv",
                      headers=make.headers(trainee)).status_code == 403


def test_attendance_csv_carries_formula_like_text_as_text(client, make):
    """A class title or name starting like a formula (=, +, -, @, tab, CR) does not run when Excel opens the CSV."""
    trainer, squad = _setup(make)
    trainee = make.officer(squad=squad, name="@SUM(1+1)*cmd|' /C calc'!A0")
    with time_machine.travel(START, tick=False):
        live_class = _schedule(client, trainer, make, title='=HYPERLINK("http://evil.example","课")')
        client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=make.headers(trainee, HOURS),
                    json={"sig": _sig(live_class)})
        export = client.get(f"/api/training/live-classes/{live_class['id']}/attendance.csv",
                            headers=make.headers(trainer))
    row = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))[1]
    assert row[0] == '\'=HYPERLINK("http://evil.example","课")' and row[3] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_head_count_tells_joined_from_present(client, make):
    trainer, squad = _setup(make)
    quiet, active, gone = (make.officer(squad=squad) for _ in range(3))
    with time_machine.travel(START, tick=False) as traveller:
        live_class = _schedule(client, trainer, make)
        headers = {o.id: make.headers(o, HOURS) for o in (quiet, active, gone)}
        for officer in (quiet, active, gone):
            client.post(f"/api/training/live-classes/{live_class['id']}/join", headers=headers[officer.id],
                        json={"sig": _sig(live_class)})
        client.post(f"/api/training/live-classes/{live_class['id']}/leave", headers=headers[gone.id])
        _beats(client, live_class["id"], headers[active.id], traveller, 2)  # quiet's phone stays silent
        count = client.get(f"/api/training/live-classes/{live_class['id']}/head-count",
                           headers=make.headers(trainer, HOURS)).json
    assert (count["joined"], count["present"]) == (3, 1)


def test_trainees_do_not_get_the_signed_join_url_from_the_api(client, make):
    trainer, squad = _setup(make)
    trainee = make.officer(squad=squad)
    with time_machine.travel(START, tick=False):
        live_class = _schedule(client, trainer, make)
        seen = client.get(f"/api/training/live-classes/{live_class['id']}", headers=make.headers(trainee)).json
    assert live_class["join_url"] and seen["join_url"] is None
    assert seen["stream_url"] == "https://live.example.gov.cn/room/1"
