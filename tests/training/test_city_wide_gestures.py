"""City-wide reference gestures (issue 22): the city trainer adds and edits the city's gestures (no district), every
district reads them and uses them in its drills beside the standard ones and its own; a district's staff change no
city gesture (403 city_wide_training), the city trainer no district's (403 district_training); a city-wide drill
names the standard and the city's gestures only (422 unknown_gesture).

Each role row: tests/authz/city_wide.py (callers of district A; the city's staff of none)."""
from __future__ import annotations

import io
import itertools

import pytest
from sqlalchemy.exc import IntegrityError

from backend.db import session
from backend.org.models import Role
from backend.training.drills.models import ReferenceGesture
from backend.training.drills.operations import gesture_for
from tests.authz.city_wide import CITY_WIDE, DISTRICT, READ_ONLY, ROLE, build_world, check, row, seen
from tests.drills.test_gesture_api import _upload, cameraman
from tests.photos import encode

BEYOND_64_BITS = 2**64 + 1
STANDARD = ["salute", "attention", "stop", "go_straight", "slow_down"]
_codes = itertools.count()


def writes(admin: str, trainer: str, city_trainer: str) -> dict:
    return row(ROLE, ROLE, admin, ROLE, trainer, ROLE, READ_ONLY, READ_ONLY, city_trainer, READ_ONLY)


@pytest.fixture
def world(make):
    return build_world(make)


def _add(client, headers, code: str, name: str = "左转弯手势", angle: float = 90):
    return client.post("/api/training/gestures", headers=headers, json={
        "code": code, "name": name, "joints": {"right_elbow": {"angle": angle, "tolerance": 20}}})


def _gesture(client, headers, code: str, name: str = "左转弯手势") -> dict:
    added = _add(client, headers, code, name)
    assert added.status_code == 201, added.json
    return added.json


def _drill(client, headers, code: str):
    return client.post("/api/training/drills", headers=headers, json={
        "title": f"手势：{code}", "kind": "gesture", "gesture_code": code, "category": "classroom",
        "credit_hours": "0.5", "pass_score": 80})


def test_who_adds_a_reference_gesture(client, make, world):
    def call(headers):
        return _add(client, headers, f"turn_{next(_codes)}")

    check(world, make, call, writes("201", "201", "201"))
    city = _gesture(client, make.headers(world.city_trainer), "city_turn", "全市左转弯手势")
    assert (city["district_id"], city["standard"], city["captured_from_photo"]) == (None, False, False)
    assert isinstance(city["id"], int)
    own = _gesture(client, make.headers(world.trainer_a), "own_turn")
    assert own["district_id"] == world.trainer_a.district_id


def test_who_edits_a_city_gesture_and_a_districts(client, make, world):
    city = _gesture(client, make.headers(world.city_trainer), "city_turn", "全市左转弯手势")
    own = _gesture(client, make.headers(world.trainer_a), "own_turn")

    def edit(gesture):
        return lambda headers: client.patch(f"/api/training/gestures/{gesture['id']}", headers=headers,
                                            json={"name": "改过的名称"})

    check(world, make, edit(city), writes(CITY_WIDE, CITY_WIDE, "200"))
    check(world, make, edit(own), writes("200", "200", DISTRICT))
    refused = edit(city)(make.headers(world.trainer_a)).json
    assert refused["message"] == "全市培训由市局培训管理员管理，区局不能修改"
    # the city trainer's edit of its targets reaches every district's drills of it; a refused one changes nothing
    headers = make.headers(world.city_trainer)
    changed = client.patch(f"/api/training/gestures/{city['id']}", headers=headers, json={
        "description": "右臂向左平伸", "joints": {"left_elbow": {"angle": 170, "tolerance": 10}}})
    assert changed.status_code == 200, changed.json
    assert changed.json["joints"] == {"left_elbow": {"angle": 170, "tolerance": 10, "name": "左肘"}}
    assert changed.json["code"] == "city_turn" and changed.json["description"] == "右臂向左平伸"
    bad = client.patch(f"/api/training/gestures/{city['id']}", headers=headers, json={
        "name": "不该保存", "joints": {"left_elbow": {"angle": 181}}})
    assert bad.status_code == 422 and bad.json["error"] == "angle_out_of_range"
    session.expire_all()
    stored = session.get(ReferenceGesture, city["id"])
    assert (stored.name, stored.joints) == ("改过的名称", {"left_elbow": {"angle": 170, "tolerance": 10}})
    assert gesture_for(world.officer_b.district_id, "city_turn").joints["left_elbow"].angle == 170
    # the code stays: drills name the gesture by it
    renamed = client.patch(f"/api/training/gestures/{city['id']}", headers=headers, json={"code": "other"})
    assert renamed.status_code == 422 and "code" in renamed.json["errors"]["json"]


def test_each_reads_the_standard_the_citys_and_their_districts_gestures(client, make, world):
    _gesture(client, make.headers(world.city_trainer), "city_turn", "全市左转弯手势")
    _gesture(client, make.headers(world.trainer_a), "a_turn")
    trainer_b = make.officer(Role.trainer, district=world.officer_b.district)
    _gesture(client, make.headers(trainer_b), "b_turn")

    def codes(officer) -> list[str]:
        response = client.get("/api/training/gestures", headers=make.headers(officer))
        assert response.status_code == 200, response.json
        return [g["code"] for g in response.json]

    assert codes(world.officer_a) == [*STANDARD, "city_turn", "a_turn"]
    assert codes(trainer_b) == [*STANDARD, "city_turn", "b_turn"]
    assert codes(world.city_trainer) == [*STANDARD, "city_turn", "a_turn", "b_turn"]  # the city sees every district
    assert codes(world.callers[Role.town_leader]) == STANDARD  # none of a district's training records
    standard = client.get("/api/training/gestures", headers=make.headers(world.officer_a)).json[0]
    assert (standard["id"], standard["district_id"], standard["standard"]) == (None, None, True)


def test_which_gestures_a_drill_may_name(client, make, world):
    city, trainer_a = make.headers(world.city_trainer), make.headers(world.trainer_a)
    trainer_b = make.headers(make.officer(Role.trainer, district=world.officer_b.district))
    _gesture(client, city, "city_turn", "全市左转弯手势")
    _gesture(client, trainer_a, "a_turn")
    _gesture(client, trainer_b, "b_turn")

    city_drill = _drill(client, city, "city_turn")
    assert city_drill.status_code == 201 and city_drill.json["district_id"] is None, city_drill.json
    assert _drill(client, city, "salute").status_code == 201
    for code in ("a_turn", "b_turn", "moonwalk"):  # a district's gesture is its own, not every district's
        refused = _drill(client, city, code)
        assert (refused.status_code, refused.json["error"]) == (422, "unknown_gesture"), refused.json
        assert refused.json["message"].startswith("全市演练只能使用标准手势和全市的参考手势")
        assert refused.json["errors"] == {"gesture_code": [code]}
    assert _drill(client, trainer_a, "city_turn").status_code == 201
    assert _drill(client, trainer_a, "a_turn").status_code == 201
    other = _drill(client, trainer_a, "b_turn")  # another district's gesture
    assert (other.status_code, other.json["error"]) == (422, "unknown_gesture")
    assert other.json["message"] == "参考手势「b_turn」不存在"


def test_a_code_is_unique_among_the_citys_and_a_district_takes_none_of_the_citys(client, make, world):
    city = make.headers(world.city_trainer)
    _gesture(client, city, "city_turn", "全市左转弯手势")
    again = _add(client, city, "city_turn")
    assert (again.status_code, again.json["error"]) == (409, "gesture_exists")
    assert again.json["message"] == "全市已有编号为「city_turn」的手势"
    taken = _add(client, make.headers(world.trainer_a), "city_turn")
    assert (taken.status_code, taken.json["error"]) == (409, "gesture_exists")
    assert taken.json["message"].startswith("全市已有编号为「city_turn」的手势")
    standard = _add(client, city, "salute")
    assert (standard.status_code, standard.json["error"]) == (409, "gesture_exists")
    # a district's code came first: the city may take it, that district's drills keep their own gesture
    _gesture(client, make.headers(world.trainer_a), "a_turn", "本区左转弯")
    assert _add(client, city, "a_turn", "全市左转弯").status_code == 201
    assert gesture_for(world.trainer_a.district_id, "a_turn").name == "本区左转弯"
    assert gesture_for(world.officer_b.district_id, "a_turn").name == "全市左转弯"
    assert gesture_for(None, "a_turn").name == "全市左转弯"


def test_the_database_holds_one_city_gesture_of_a_code(make, world):
    """NULL districts are not equal in the (district_id, code) key: the partial unique index holds the city's."""
    joints = {"right_elbow": {"angle": 90, "tolerance": 20}}
    session.add(ReferenceGesture(district_id=None, code="twice", name="一", joints=joints,
                                 created_by_id=world.city_trainer.id))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ReferenceGesture(district_id=None, code="twice", name="二", joints=joints,
                                     created_by_id=world.city_trainer.id))
        session.flush()
    session.add(ReferenceGesture(district_id=world.trainer_a.district_id, code="twice", name="三", joints=joints,
                                 created_by_id=world.trainer_a.id))
    session.flush()


def test_the_city_trainer_captures_a_city_gesture_from_a_photo_and_a_district_drills_it(client, make, world):
    photo = cameraman()
    captured = client.post("/api/training/gestures/capture", headers=make.headers(world.city_trainer), data={
        "code": "camera_hold", "name": "持机姿势", "joints": "right_elbow,right_shoulder", "tolerance": "10",
        "photo": (io.BytesIO(encode(photo, "PNG")), "reference.png")}, content_type="multipart/form-data")
    assert captured.status_code == 201, captured.json
    assert (captured.json["district_id"], captured.json["captured_from_photo"]) == (None, True)
    trainer_b = make.officer(Role.trainer, district=world.officer_b.district)
    drill = _drill(client, make.headers(trainer_b), "camera_hold")
    assert drill.status_code == 201, drill.json
    scored = _upload(client, make.headers(world.officer_b), drill.json["id"], encode(photo, "PNG"))
    assert scored.status_code == 201, scored.json
    assert (scored.json["status"], scored.json["score"]) == ("scored", 100)
    # a district's trainer capturing a photo adds their district's, not the city's
    own = client.post("/api/training/gestures/capture", headers=make.headers(world.trainer_a), data={
        "code": "camera_hold", "name": "持机姿势", "joints": "right_elbow", "tolerance": "10",
        "photo": (io.BytesIO(encode(photo, "PNG")), "reference.png")}, content_type="multipart/form-data")
    assert (own.status_code, own.json["error"]) == (409, "gesture_exists")


# Hostile input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["ｌｅｆｔ", " left", "left ", "left\n", "左转", "left\u200bturn", "LEFT", "",
                                  "a" * 33, "1left"])
def test_a_code_not_of_ascii_lowercase_letters_digits_and_underscores_is_refused(client, make, world, code):
    response = _add(client, make.headers(world.city_trainer), code)
    assert response.status_code == 422 and "code" in response.json["errors"]["json"], response.json
    assert session.query(ReferenceGesture).count() == 0


@pytest.mark.parametrize("gesture_id", [BEYOND_64_BITS, 2**63, 0])
def test_an_unknown_gesture_id_is_not_found(client, make, world, gesture_id):
    response = client.patch(f"/api/training/gestures/{gesture_id}", headers=make.headers(world.city_trainer),
                            json={"name": "x"})
    assert (response.status_code, response.json["error"]) == (404, "not_found")


def test_another_districts_gesture_is_not_found_and_names_are_checked(client, make, world):
    trainer_b = make.officer(Role.trainer, district=world.officer_b.district)
    theirs = _gesture(client, make.headers(trainer_b), "b_turn")
    response = client.patch(f"/api/training/gestures/{theirs['id']}", headers=make.headers(world.trainer_a),
                            json={"name": "x"})
    assert (response.status_code, response.json["error"]) == (404, "not_found")
    city = _gesture(client, make.headers(world.city_trainer), "city_turn")
    for body in ({"name": ""}, {"name": None}, {"name": "名" * 65}, {"joints": {}}, {"joints": []}):
        refused = client.patch(f"/api/training/gestures/{city['id']}", headers=make.headers(world.city_trainer),
                               json=body)
        assert refused.status_code == 422, (body, refused.json)
    # a district trainer writing a city gesture: refused as the city's, whatever the body
    assert seen(client.patch(f"/api/training/gestures/{city['id']}", headers=make.headers(world.trainer_a),
                             json={"joints": {"left_elbow": {"angle": 90}}})) == CITY_WIDE
