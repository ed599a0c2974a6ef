"""Scenario drills: trainers author branching procedures, trainees walk them and read what they missed."""
from datetime import timedelta

from backend.org.models import Role
from tests.drills.scenarios import STANDARD, STANDARD_PATH, drill_body, vendor


def _drill(client, make, trainer=None, **kw):
    trainer = trainer or make.officer(Role.trainer)
    response = client.post("/api/training/drills", headers=make.headers(trainer), json=drill_body(**kw))
    assert response.status_code == 201, response.json
    return trainer, response.json


def _attempt(client, headers, drill_id, path, **kw):
    return client.post(f"/api/training/drills/{drill_id}/attempts", headers=headers, json={"path": path, **kw})


def test_standard_route_scores_full_marks_and_the_trainee_never_sees_the_standard(client, make):
    trainer, drill = _drill(client, make)
    assert drill["scenario"]["standard"] == STANDARD  # the trainer sees it
    trainee = make.headers(make.officer(squad=make.squad(trainer.district)))
    seen = client.get(f"/api/training/drills/{drill['id']}", headers=trainee).json
    assert "standard" not in seen["scenario"] and seen["scenario"]["steps"][0]["choices"][0]["action"] == "亮证"
    result = _attempt(client, trainee, drill["id"], STANDARD_PATH)
    assert result.status_code == 201
    assert (result.json["score"], result.json["passed"]) == (100, True)
    assert result.json["feedback"] == ["处置流程完全符合标准：亮证 → 告知 → 劝离 → 取证 → 处罚"]


def test_feedback_names_missing_steps_wrong_order_and_non_standard_actions(client, make):
    trainer, drill = _drill(client, make)
    trainee = make.headers(make.officer(squad=make.squad(trainer.district)))

    skipped = _attempt(client, trainee, drill["id"], ["badge", "inform", "persuade", "skip_record"]).json
    assert skipped["feedback"][0] == "缺少步骤：取证"
    assert skipped["score"] == 80 and skipped["result"]["missing"] == ["取证"]

    early = _attempt(client, trainee, drill["id"], ["badge", "persuade_now", "inform_late", "record", "fine"]).json
    assert early["feedback"][0] == "顺序错误：「劝离」应在「告知」之后、「取证」之前"
    assert early["score"] == 90

    rough = _attempt(client, trainee, drill["id"], ["seize", "badge_late", "inform", "shout", "record", "fine"]).json
    assert rough["feedback"][0] == "缺少步骤：劝离"
    assert "不规范的操作：暂扣、呵斥" in rough["feedback"]
    assert rough["score"] == 60  # 4 of 5 in order (80) − 2 non-standard actions × 10
    assert rough["passed"] is True and rough["feedback"][-1] == "标准流程：亮证 → 告知 → 劝离 → 取证 → 处罚"


def test_unsound_procedures_are_refused_with_the_reason(client, make):
    trainer = make.officer(Role.trainer)
    headers = make.headers(trainer)

    def refused(scenario):
        response = client.post("/api/training/drills", headers=headers, json=drill_body(scenario))
        assert response.status_code == 422, response.json
        return response.json

    nowhere = vendor()
    nowhere["steps"][6]["choices"][0]["next"] = "court"
    body = refused(nowhere)
    assert body["error"] == "step_points_nowhere" and "不存在的步骤「court」" in body["message"]

    orphan = vendor()
    orphan["steps"].append({"key": "island", "prompt": "无人到达", "choices": [
        {"key": "x", "label": "x", "action": "告知", "next": "done"}]})
    body = refused(orphan)
    assert body["error"] == "unreachable_steps" and "island" in body["message"]

    endless = vendor()
    endless["steps"][-1] = {"key": "done", "prompt": "循环", "choices": [
        {"key": "again", "label": "重来", "action": "亮证", "next": "arrive"}]}
    assert refused(endless)["error"] == "no_end"

    trap = vendor()
    trap["steps"][1]["choices"][0]["next"] = "angry"  # "angry" only leads back to itself
    assert refused(trap)["error"] == "no_way_to_end"

    assert refused(vendor(standard=["亮证", "劝离", "告知"]))["error"] == "standard_not_reachable"
    assert refused(vendor(start="nowhere"))["error"] == "step_points_nowhere"

    too_long = client.post("/api/training/drills", headers=headers, json=drill_body(credit_hours="30"))
    assert too_long.status_code == 422 and too_long.json["error"] == "credit_hours_out_of_range"

    officer = make.officer(squad=make.squad(trainer.district))
    response = client.post("/api/training/drills", headers=make.headers(officer), json=drill_body())
    assert response.status_code == 403


def test_paths_that_stray_and_closed_drills_are_refused_and_nothing_is_written(client, make):
    trainer, drill = _drill(client, make)
    trainee = make.officer(squad=make.squad(trainer.district))
    headers = make.headers(trainee, timedelta(hours=1))

    wrong = _attempt(client, headers, drill["id"], ["badge", "bribe"])
    assert (
        wrong.status_code == 422
        and wrong.json["error"] == "bad_choice"
        and "没有选项「bribe」" in wrong.json["message"]
    )
    short = _attempt(client, headers, drill["id"], ["badge", "inform"])
    assert short.status_code == 422 and short.json["error"] == "path_incomplete"
    empty = _attempt(client, headers, drill["id"], [])
    assert empty.status_code == 422

    closed = client.post(f"/api/training/drills/{drill['id']}/close", headers=make.headers(trainer))
    assert closed.status_code == 200 and closed.json["closed_at"]
    late = _attempt(client, headers, drill["id"], STANDARD_PATH)
    assert (
        late.status_code == 409
        and late.json["error"] == "drill_closed"
        and late.json["message"] == "该演练已关闭，不能再提交"
    )
    mine = client.get(f"/api/training/drill-attempts?drill_id={drill['id']}", headers=headers).json
    assert mine == []

    other_district = make.headers(make.officer())
    assert client.get(f"/api/training/drills/{drill['id']}", headers=other_district).status_code == 404
