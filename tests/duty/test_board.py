"""Today's duty board: each shift's state as the squad leader sees it at a desk, in one request."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from backend.db import local_day, utcnow
from backend.org.models import Role
from tests.duty.helpers import check_payload, north_of, refused_in_chinese


def test_the_board_tells_on_post_late_out_of_area_missing_upcoming_and_absent_apart(client, make):
    squad = make.squad()
    leader = make.officer(Role.squad_leader, squad=squad)
    post = make.post(squad, name="静安寺广场")
    now = utcnow().replace(microsecond=0)
    hour = timedelta(hours=1)
    on_post, late, away, missing, upcoming, absent = (make.officer(squad=squad, name=n) for n in
                                                        ("甲", "乙", "丙", "丁", "戊", "己"))
    shifts = {who: make.shift(who, now - hour, now + 6 * hour, post=post, day=local_day(now))
              for who in (on_post, late, away, missing)}
    shifts[upcoming] = make.shift(upcoming, now + hour, now + 8 * hour, post=post, day=local_day(now))
    shifts[absent] = make.shift(absent, now - 3 * hour, now - 2 * hour, post=post, day=local_day(now))
    for who, minutes, extra in ((on_post, 1, {}), (late, 20, {}),
                                (away, 2, {"lat": north_of(31.2304, 900), "reason": "协助处置突发事件"})):
        sent = client.post("/api/duty/check-ins", headers=make.headers(who),
                           json=check_payload(shifts[who], now - hour + timedelta(minutes=minutes), **extra))
        assert sent.status_code == 201, sent.json
    other_squad_officer = make.officer()
    make.shift(other_squad_officer, now - hour, now + hour, day=local_day(now))

    board = client.get("/api/duty/board", headers=make.headers(leader))

    assert board.status_code == 200, board.json
    states = {row["officer_name"]: (row["state"], row["state_name"]) for row in board.json}
    assert states == {"甲": ("on_duty", "在岗"), "乙": ("late", "迟到"), "丙": ("out_of_area_pending", "外勤待审批"),
                      "丁": ("missing", "未签到"), "戊": ("upcoming", "未到签到时间"), "己": ("absent", "缺勤")}
    waiting = next(row for row in board.json if row["state"] == "out_of_area_pending")
    assert waiting["post_name"] == "静安寺广场" and waiting["check_in"]["reason"] == "协助处置突发事件"
    assert waiting["check_in"]["distance_outside_m"] > 700

    decided = client.post(f"/api/duty/checks/{waiting['check_in']['id']}/decision", headers=make.headers(leader),
                          json={"approve": False, "note": "未说明情况"})
    assert decided.status_code == 200
    again = client.get("/api/duty/board", headers=make.headers(leader)).json
    assert {row["officer_name"]: row["state"] for row in again}["丙"] == "out_of_area_rejected"

    with time_machine.travel(now + 7 * hour, tick=False):  # the day is over: the one who never came is absent
        later = client.get(f"/api/duty/board?day={local_day(now)}", headers=make.headers(leader)).json
    assert {row["officer_name"]: row["state"] for row in later}["丁"] == "absent"


def test_an_officer_sees_only_their_own_line_and_bad_days_are_refused_in_chinese(client, make):
    squad = make.squad()
    officer, colleague = make.officer(squad=squad), make.officer(squad=squad)
    now = utcnow()
    for who in (officer, colleague):
        make.shift(who, now, now + timedelta(hours=2), day=local_day(now))

    own = client.get("/api/duty/board", headers=make.headers(officer))
    assert [row["officer_id"] for row in own.json] == [officer.id]

    for query in ("day=2026-02-30", "day=2100-01-01", "squad_id=99999999999999999999", "day=%ED%A0%80"):
        refused = client.get(f"/api/duty/board?{query}", headers=make.headers(officer))
        assert refused.status_code in (400, 422), (query, refused.json)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.json["message"])
    assert refused_in_chinese(client.get("/api/duty/board"), 401, "token_missing")
