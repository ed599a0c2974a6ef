"""Joint angles from real MediaPipe on real photographs, checked against values derived independently."""
import io

import numpy as np
import pytest
import skimage.data
from PIL import Image

from backend.training.drills import pose
from backend.vision import Landmark, pose_estimator
from tests.photos import astronaut

FLIP = Image.Transpose.FLIP_LEFT_RIGHT


def cameraman() -> Image.Image:
    """The cameraman (skimage, 512×512): a man standing at a tripod, both arms bent."""
    return Image.fromarray(skimage.data.camera()).convert("RGB")


@pytest.fixture(scope="module")
def seen():
    """The cameraman as the pose model sees him: upright, mirrored and rotated by 90°."""
    image = cameraman()
    views = {"upright": image, "mirrored": image.transpose(FLIP), "rotated": image.rotate(90, expand=True)}
    return {name: (view, pose_estimator().estimate(view)) for name, view in views.items()}


def numpy_angle(landmarks, names, width, height) -> float:
    """The angle at the middle landmark, by the dot product of the two limb vectors in pixels."""
    a, v, b = (np.array([landmarks[n].x * width, landmarks[n].y * height]) for n in names)
    u, w = a - v, b - v
    return float(np.degrees(np.arccos(np.clip(u @ w / np.linalg.norm(u) / np.linalg.norm(w), -1, 1))))


def test_angles_match_the_raw_landmark_coordinates(seen):
    image, landmarks = seen["upright"]
    angles = pose.joint_angles(landmarks, *image.size)
    measured = {joint: angle for joint, angle in angles.items() if angle is not None}
    assert {"right_elbow", "right_shoulder", "left_elbow"} <= set(measured)  # both arms of the man are in view
    for joint, angle in measured.items():
        assert angle == pytest.approx(numpy_angle(landmarks, pose.JOINTS[joint][1], *image.size), abs=1e-6)
    # the camera operator's right arm is bent at the camera handle, far from straight
    assert 40 < measured["right_elbow"] < 120


def test_angles_use_pixels_not_fractions_of_a_non_square_photo():
    """Landmarks at pixel (0,0), (100,0), (100,100) of a 400×100 photo: a right angle in the picture."""
    landmarks = {name: Landmark(0.5, 0.5, 0, 1) for name in pose.LANDMARK_NAMES}
    landmarks.update(right_shoulder=Landmark(0.0, 0.0, 0, 1), right_elbow=Landmark(0.25, 0.0, 0, 1),
                     right_wrist=Landmark(0.25, 1.0, 0, 1))
    assert pose.joint_angles(landmarks, 400, 100)["right_elbow"] == pytest.approx(90)
    # and turned a quarter on the photo (now 100×400), the same right angle
    turned = dict(landmarks, right_shoulder=Landmark(1.0, 0.0, 0, 1), right_elbow=Landmark(1.0, 0.25, 0, 1),
                  right_wrist=Landmark(0.0, 0.25, 0, 1))
    assert pose.joint_angles(turned, 100, 400)["right_elbow"] == pytest.approx(90)


def test_mirroring_swaps_left_and_right(seen):
    (image, upright), (_, mirrored) = seen["upright"], seen["mirrored"]
    # his right side faces the camera: it must come back labelled "left" (not the wrists: both hands
    # hold the camera, side by side, and the model may swap them in either view)
    for name in ("elbow", "shoulder", "hip"):
        right, mirrored_left = upright[f"right_{name}"], mirrored[f"left_{name}"]
        assert mirrored_left.x == pytest.approx(1 - right.x, abs=0.05)
        assert mirrored_left.y == pytest.approx(right.y, abs=0.05)
        assert abs(mirrored[f"right_{name}"].x - (1 - right.x)) > 0.1  # and not labelled "right"
    before = pose.joint_angles(upright, *image.size)
    after = pose.joint_angles(mirrored, *image.size)
    assert after["left_elbow"] == pytest.approx(before["right_elbow"], abs=8)
    assert after["left_hip"] == pytest.approx(before["right_hip"], abs=8)


def test_rotating_the_photo_by_90_degrees_keeps_the_angles(seen):
    (image, upright), (rotated_image, rotated) = seen["upright"], seen["rotated"]
    width, height = image.size
    # a point (x, y) of the upright photo is at (y, width − x) in pixels after a 90° anticlockwise turn
    # (within 32 px of 512: the model's own jitter between views)
    elbow = upright["right_elbow"]
    assert rotated["right_elbow"].x * rotated_image.width == pytest.approx(elbow.y * height, abs=32)
    assert rotated["right_elbow"].y * rotated_image.height == pytest.approx(width - elbow.x * width, abs=32)
    before = pose.joint_angles(upright, *image.size)
    after = pose.joint_angles(rotated, *rotated_image.size)
    assert after["right_elbow"] == pytest.approx(before["right_elbow"], abs=8)


def test_scores_per_joint_with_chinese_feedback(seen):
    image, landmarks = seen["upright"]
    elbow = numpy_angle(landmarks, pose.JOINTS["right_elbow"][1], *image.size)
    shoulder = numpy_angle(landmarks, pose.JOINTS["right_shoulder"][1], *image.size)
    gesture = pose.Gesture("test", "测试", "", {"right_elbow": pose.Target(elbow + 18, 10),
                                               "right_shoulder": pose.Target(shoulder, 10)})
    result = pose.score_gesture(gesture, pose.joint_angles(landmarks, *image.size), landmarks)
    assert result.status == "scored"
    assert result.feedback == ["右肘角度偏小 18°"]
    elbow_result, shoulder_result = result.joints
    assert elbow_result.score == round(100 - 8 * 100 / pose.FALLOFF_DEGREES)  # 8° beyond the 10° tolerance
    assert shoulder_result.score == 100 and shoulder_result.feedback.startswith("右肩角度合格")
    assert result.score == round((elbow_result.score + 100) / 2)


def test_a_hidden_joint_asks_for_a_retake_not_a_zero():
    photo = astronaut()  # head and shoulders: her left elbow and both wrists are out of sight
    landmarks = pose_estimator().estimate(photo)
    assert landmarks["left_elbow"].visibility < pose.MIN_VISIBILITY
    gesture = pose.STANDARD_GESTURES["salute"]
    result = pose.score_gesture(gesture, pose.joint_angles(landmarks, *photo.size), landmarks)
    assert result.status == "retake" and result.score is None
    assert "左肘不可见，请重拍" in result.feedback
    assert "右腕不可见，无法测量右肘角度，请重拍" in result.feedback


def test_the_annotated_image_shows_the_skeleton(seen):
    image, landmarks = seen["upright"]
    gesture = pose.STANDARD_GESTURES["salute"]
    result = pose.score_gesture(gesture, pose.joint_angles(landmarks, *image.size), landmarks)
    drawn = np.asarray(Image.open(io.BytesIO(pose.annotate(image, landmarks, result))).convert("RGB"))
    x, y = (int(landmarks["right_elbow"].x * image.width), int(landmarks["right_elbow"].y * image.height))
    red_or_green = drawn[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3)
    assert any((r > 150 > g) or (g > 120 > r) for r, g, _ in red_or_green)  # the joint's marker, coloured
    assert drawn.shape[:2] == (image.height, image.width)
