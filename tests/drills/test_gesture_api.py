"""Gesture drills through HTTP: reference gestures, photo uploads scored by real MediaPipe, bad photos refused."""
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

from backend.config import ROOT
from backend.db import session
from backend.org.models import Role
from backend.training.drills import pose
from backend.vision import pose_estimator
from tests.photos import astronaut, coffee, encode, many_pixels_png, two_faces

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", ROOT / "instance" / "test-artefacts"))


def cameraman() -> Image.Image:
    return Image.fromarray(skimage.data.camera()).convert("RGB")


def _photos(*images, name="frame.jpg"):
    files = [(io.BytesIO(data if isinstance(data, bytes) else encode(data)), name) for data in images]
    return {"photos": files}


def _upload(client, headers, drill_id, *images, **form):
    return client.post(f"/api/training/drills/{drill_id}/photo-attempts", headers=headers,
                       data={**_photos(*images), **form}, content_type="multipart/form-data")


def _gesture_drill(client, make, trainer, code):
    response = client.post("/api/training/drills", headers=make.headers(trainer), json={
        "title": f"手势：{code}", "kind": "gesture", "gesture_code": code, "category": "classroom",
        "credit_hours": "0.5", "pass_score": 80})
    assert response.status_code == 201, response.json
    return response.json


def _angle(landmarks, joint, width, height):
    """Independently: the angle from the raw landmark coordinates, by numpy's dot product."""
    a, v, b = (np.array([landmarks[n].x * width, landmarks[n].y * height]) for n in pose.JOINTS[joint][1])
    u, w = a - v, b - v
    return float(np.degrees(np.arccos(u @ w / np.linalg.norm(u) / np.linalg.norm(w))))


def test_gesture_captured_from_a_reference_photo_scores_the_trainee(client, make):
    trainer = make.officer(Role.trainer)
    photo = cameraman()
    captured = client.post("/api/training/gestures/capture", headers=make.headers(trainer), data={
        "code": "camera_hold", "name": "持机姿势", "joints": "right_elbow,right_shoulder", "tolerance": "10",
        "photo": (io.BytesIO(encode(photo, "PNG")), "reference.png")}, content_type="multipart/form-data")
    assert captured.status_code == 201, captured.json
    landmarks = pose_estimator().estimate(photo)
    for joint in ("right_elbow", "right_shoulder"):
        assert abs(captured.json["joints"][joint]["angle"] - _angle(landmarks, joint, 512, 512)) <= 0.1
    assert captured.json["joints"]["right_elbow"]["name"] == "右肘"
    listed = client.get("/api/training/gestures", headers=make.headers(trainer)).json
    assert {"salute", "attention", "stop", "go_straight", "camera_hold"} <= {g["code"] for g in listed}

    drill = _gesture_drill(client, make, trainer, "camera_hold")
    trainee = make.headers(make.officer(squad=make.squad(trainer.district)))
    same = _upload(client, trainee, drill["id"], encode(photo, "PNG"))
    assert same.status_code == 201, same.json
    assert (same.json["status"], same.json["score"], same.json["passed"]) == ("scored", 100, True)
    assert same.json["feedback"] == ["持机姿势动作标准，各关节角度均在容差范围内"]
    image = client.get(same.json["image_url"], headers=trainee)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (512, 512)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "gesture-annotated.jpg").write_bytes(image.data)

    # mirrored, the trainee's right arm is the one that was on the left: it is far from the reference
    mirrored = _upload(client, trainee, drill["id"], photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).json
    assert mirrored["status"] == "scored" and mirrored["score"] < 80 and mirrored["passed"] is False
    assert any(f.startswith(("右肘角度偏大", "右肘角度偏小")) for f in mirrored["feedback"])
    # of a few frames the best one counts
    burst = _upload(client, trainee, drill["id"], photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT), photo).json
    assert burst["score"] == 100 and burst["result"]["frames"] == 2


def test_a_hidden_elbow_means_retake_not_zero(client, make):
    trainer = make.officer(Role.trainer)
    drill = _gesture_drill(client, make, trainer, "salute")
    trainee = make.headers(make.officer(squad=make.squad(trainer.district)))
    response = _upload(client, trainee, drill["id"], astronaut())
    assert response.status_code == 201
    body = response.json
    assert (body["status"], body["score"], body["passed"]) == ("retake", None, False)
    assert "左肘不可见，请重拍" in body["feedback"]
    joints = {j["joint"]: j for j in body["result"]["joints"]}
    assert joints["left_elbow"]["angle"] is None and joints["left_elbow"]["score"] is None
    image = client.get(body["image_url"], headers=trainee)
    assert image.status_code == 200
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "gesture-retake.jpg").write_bytes(image.data)


def test_photos_that_are_not_of_one_person_are_refused_and_nothing_is_recorded(client, make):
    trainer = make.officer(Role.trainer)
    drill = _gesture_drill(client, make, trainer, "salute")
    trainee = make.headers(make.officer(squad=make.squad(trainer.district)))
    blank = Image.new("RGB", (640, 480), "white")
    cases = [(coffee(), "no_person", "照片中未检测到人"), (two_faces(), "several_people", "照片中有多人"),
             (blank, "blank_image", "照片是空白的"), (b"this is not a photo", "not_an_image", "不是有效的图片"),
             (many_pixels_png(), "too_many_pixels", "图片像素过多")]
    for image, code, message in cases:
        response = _upload(client, trainee, drill["id"], image)
        assert response.status_code == 422, (code, response.json)
        assert response.json["error"] == code and response.json["message"].startswith(message)
    second_bad = _upload(client, trainee, drill["id"], cameraman(), coffee())
    assert second_bad.status_code == 422 and second_bad.json["message"].startswith("第 2 张照片：照片中未检测到人")
    too_many = _upload(client, trainee, drill["id"], *([cameraman()] * 6))
    assert too_many.status_code == 422 and too_many.json["error"] == "frame_count"
    wrong_kind = client.post(f"/api/training/drills/{drill['id']}/attempts", headers=trainee, json={"path": ["a"]})
    assert wrong_kind.status_code == 422 and wrong_kind.json["error"] == "wrong_drill_kind"
    assert client.get("/api/training/drill-attempts", headers=trainee).json == []

    client.post(f"/api/training/drills/{drill['id']}/close", headers=make.headers(trainer))
    closed = _upload(client, trainee, drill["id"], cameraman())
    assert closed.status_code == 409 and closed.json["error"] == "drill_closed"


def test_a_reference_photo_of_too_many_pixels_is_refused(client, make):
    captured = client.post("/api/training/gestures/capture", headers=make.headers(make.officer(Role.trainer)), data={
        "code": "camera_hold", "name": "持机姿势", "joints": "right_elbow", "tolerance": "10",
        "photo": (io.BytesIO(many_pixels_png()), "reference.png")}, content_type="multipart/form-data")
    assert captured.status_code == 422 and captured.json["error"] == "too_many_pixels"


def test_reference_gestures_outside_0_to_180_or_on_unknown_joints_are_refused(client, make):
    headers = make.headers(make.officer(Role.trainer))

    def add(joints, code="left_turn"):
        return client.post("/api/training/gestures", headers=headers,
                           json={"code": code, "name": "左转弯手势", "joints": joints})

    wide = add({"left_shoulder": {"angle": 200, "tolerance": 15}})
    assert wide.status_code == 422 and wide.json["error"] == "angle_out_of_range"
    assert "左肩的目标角度必须在 0–180° 之间" == wide.json["message"]
    unknown = add({"left_ear": {"angle": 90}})
    assert unknown.status_code == 422 and unknown.json["error"] == "unknown_joint"
    assert "left_ear" in unknown.json["message"]
    loose = add({"left_elbow": {"angle": 90, "tolerance": 0}})
    assert loose.status_code == 422 and loose.json["error"] == "tolerance_out_of_range"
    assert add({"left_elbow": {"angle": 90}}, code="salute").status_code == 409
    created = add({"left_shoulder": {"angle": 90, "tolerance": 15}, "left_elbow": {"angle": 175}})
    assert created.status_code == 201 and created.json["joints"]["left_elbow"]["tolerance"] == 15
    again = add({"left_elbow": {"angle": 90}})
    assert again.status_code == 409 and again.json["error"] == "gesture_exists"
    unknown_gesture = client.post("/api/training/drills", headers=headers, json={
        "title": "x", "kind": "gesture", "gesture_code": "moonwalk", "category": "classroom", "credit_hours": "0"})
    assert unknown_gesture.status_code == 422 and unknown_gesture.json["error"] == "unknown_gesture"


def test_concurrent_uploads_are_each_scored_alike(committed_app, make):
    """Four trainees upload at once (threads, as gunicorn's workers do): the shared estimator serves them all."""
    trainer = make.officer(Role.trainer)
    squad = make.squad(trainer.district)
    headers = [make.headers(make.officer(squad=squad)) for _ in range(4)]
    drill = committed_app.test_client().post("/api/training/drills", headers=make.headers(trainer), json={
        "title": "直行手势", "kind": "gesture", "gesture_code": "go_straight", "category": "classroom",
        "credit_hours": "0"}).json
    session.commit()
    frame = encode(cameraman(), "PNG")

    def upload(h):
        return _upload(committed_app.test_client(), h, drill["id"], frame)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(upload, headers))
    assert [r.status_code for r in responses] == [201] * 4
    assert len({(r.json["status"], r.json["score"], tuple(r.json["feedback"])) for r in responses}) == 1
