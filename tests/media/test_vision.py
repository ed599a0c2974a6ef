"""Face detection and pose estimation with the real MediaPipe models on real photographs."""
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from backend.vision import face_detector, pose_estimator
from tests import photos


def test_one_face_on_the_astronaut():
    faces = face_detector().detect_faces(photos.astronaut())
    assert len(faces) == 1
    face = faces[0]
    # Her face is in the upper middle of the photo, well inside these bounds.
    assert 140 < face.left < (face.left + face.right) / 2 < face.right < 310
    assert 40 < face.top < face.bottom < 200


def test_no_face_on_coffee_rocket_or_a_blank_image():
    for image in (photos.coffee(), photos.rocket(), Image.new("RGB", (320, 240), "white")):
        assert face_detector().count_faces(image) == 0


def test_two_faces_side_by_side():
    faces = face_detector().detect_faces(photos.two_faces())
    assert len(faces) == 2
    assert sorted(face.right <= 256 for face in faces) == [False, True]  # one in each half


def test_pose_landmarks_of_the_astronaut():
    pose = pose_estimator().estimate(photos.astronaut())
    assert pose is not None and len(pose) == 33
    nose, left, right = pose["nose"], pose["left_shoulder"], pose["right_shoulder"]
    assert nose.visibility > 0.9 and left.visibility > 0.9 and right.visibility > 0.9
    assert nose.y < min(left.y, right.y)  # the head is above the shoulders
    assert right.x < nose.x < left.x  # her left shoulder is on the right of the photo


def test_no_pose_without_a_person():
    assert pose_estimator().estimate(photos.coffee()) is None


def test_estimators_are_created_once_and_serve_concurrent_callers():
    assert face_detector() is face_detector() and pose_estimator() is pose_estimator()
    images = [photos.astronaut(), photos.coffee(), photos.two_faces(), photos.rocket()] * 3
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(face_detector().count_faces, images))
        poses = list(pool.map(pose_estimator().estimate, images))
    assert counts == [1, 0, 2, 0] * 3
    assert [pose is not None for pose in poses[:2]] == [True, False]
    reference = poses[0]["nose"]
    assert all(abs(pose["nose"].x - reference.x) < 1e-4 for pose in poses[::4])
