"""Faces and body pose in photos: small interfaces, implemented with MediaPipe's bundled models.

Each estimator is created once per process on first use. A MediaPipe graph must not be called
from two threads at once, so an estimator lends its graphs from a small pool, at most one per CPU
core, created only when requests actually overlap. Measured on two cores with two request threads
(640×480 photos): pose about 25 frames/s with one graph behind a lock, 32–45 with two; each
pose graph costs about 110 MB, so the pool is bounded by the cores rather than one per thread.
"""
from __future__ import annotations

import os
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class FaceBox:
    """A detected face in pixels of the image given (left, top, right, bottom), with its score."""

    left: int
    top: int
    right: int
    bottom: int
    score: float


@dataclass(frozen=True)
class Landmark:
    """One joint: x, y normalised to the image (0–1, may fall outside), z relative depth, visibility 0–1."""

    x: float
    y: float
    z: float
    visibility: float


Pose = dict[str, Landmark]  # keyed by joint name: "nose", "left_shoulder", "right_elbow" …


class FaceDetector(Protocol):
    def detect_faces(self, image: Image.Image) -> list[FaceBox]: ...

    def count_faces(self, image: Image.Image) -> int: ...

    def detect_small_faces(self, image: Image.Image) -> list[FaceBox]: ...


class PoseEstimator(Protocol):
    def estimate(self, image: Image.Image) -> Pose | None: ...


class _GraphPool:
    """Lend MediaPipe graphs one caller at a time; create up to `size` of them as callers overlap."""

    def __init__(self, factory, size: int):
        self._factory, self._size, self._created = factory, size, 0
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self):
        try:
            graph = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                create = self._created < self._size
                self._created += create
            graph = self._factory() if create else self._idle.get()
        try:
            yield graph
        finally:
            self._idle.put(graph)


def _pool_size() -> int:
    return len(os.sched_getaffinity(0))


def _rgb_array(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


class MediaPipeFaceDetector:
    """MediaPipe face detection, full-range model (faces up to about 5 m away, as in street photos)."""

    def __init__(self):
        import mediapipe as mp

        self._graphs = _GraphPool(lambda: mp.solutions.face_detection.FaceDetection(model_selection=1), _pool_size())

    def detect_faces(self, image: Image.Image) -> list[FaceBox]:
        pixels = _rgb_array(image)
        with self._graphs.borrow() as graph:
            result = graph.process(pixels)
        height, width = pixels.shape[:2]
        boxes = []
        for detection in result.detections or ():
            box = detection.location_data.relative_bounding_box
            left, top = max(0, int(box.xmin * width)), max(0, int(box.ymin * height))
            right = min(width, int((box.xmin + box.width) * width + 0.5))
            bottom = min(height, int((box.ymin + box.height) * height + 0.5))
            if right > left and bottom > top:
                boxes.append(FaceBox(left, top, right, bottom, float(detection.score[0])))
        return boxes

    def count_faces(self, image: Image.Image) -> int:
        return len(self.detect_faces(image))

    def detect_small_faces(self, image: Image.Image) -> list[FaceBox]:
        """Faces down to about TILE / 16 pixels wide anywhere in a large photo (overlapping tiles, then merged)."""
        boxes, scale = [], 1
        while max(image.width, image.height) > LARGEST_LEVEL * scale:
            scale *= 2
        level = image.convert("RGB").reduce(scale)
        while True:
            for left, top in _tile_origins(level.width, level.height):
                tile = level.crop((left, top, min(left + TILE, level.width), min(top + TILE, level.height)))
                boxes += [FaceBox((face.left + left) * scale, (face.top + top) * scale, (face.right + left) * scale,
                                  (face.bottom + top) * scale, face.score) for face in self.detect_faces(tile)]
            if max(level.size) <= TILE:
                return _merged(boxes)
            level, scale = level.reduce(2), scale * 2


# The detector finds faces down to about 6 % of the picture's width (measured: 39 px in a 640-px tile,
# not 26 px; in a whole 12-megapixel photo not even 105 px). So a large photo is searched in TILE-px
# tiles overlapping by a quarter, at full size and then halved until one tile holds it all: each level
# finds faces of 6–25 % of TILE (a face up to a quarter tile wide lies whole in some tile), the next
# level twice that. A 12-megapixel photo costs 48 + 12 + 4 + 1 tiles, about 6 ms each (0.4–0.9 s in
# all); larger photos start halved, so the cost stays bounded and the smallest face found is about 1 %
# of the photo's longer side.
TILE = 640
LARGEST_LEVEL = 4096


def _tile_origins(width: int, height: int) -> list[tuple[int, int]]:
    stride = TILE * 3 // 4

    def starts(length: int) -> list[int]:
        if length <= TILE:
            return [0]
        return sorted({*range(0, length - TILE, stride), length - TILE})

    return [(left, top) for top in starts(height) for left in starts(width)]


def _merged(boxes: list[FaceBox]) -> list[FaceBox]:
    """One box per face: boxes sharing at least half of the smaller one (the same face, from
    neighbouring tiles or levels) become their union."""
    merged: list[FaceBox] = []
    for box in sorted(boxes, key=lambda b: (b.right - b.left) * (b.bottom - b.top), reverse=True):
        for index, kept in enumerate(merged):
            overlap_w = min(box.right, kept.right) - max(box.left, kept.left)
            overlap_h = min(box.bottom, kept.bottom) - max(box.top, kept.top)
            if overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h * 2 >= (box.right - box.left) * (
                    box.bottom - box.top):
                merged[index] = FaceBox(min(box.left, kept.left), min(box.top, kept.top), max(box.right, kept.right),
                                        max(box.bottom, kept.bottom), max(box.score, kept.score))
                break
        else:
            merged.append(box)
    return merged


class MediaPipePoseEstimator:
    """MediaPipe pose (BlazePose, 33 landmarks) on single photos."""

    def __init__(self):
        import mediapipe as mp

        self._graphs = _GraphPool(lambda: mp.solutions.pose.Pose(static_image_mode=True), _pool_size())
        self._names = [joint.name.lower() for joint in mp.solutions.pose.PoseLandmark]

    def estimate(self, image: Image.Image) -> Pose | None:
        pixels = _rgb_array(image)
        with self._graphs.borrow() as graph:
            result = graph.process(pixels)
        if result.pose_landmarks is None:
            return None
        return {name: Landmark(point.x, point.y, point.z, point.visibility)
                for name, point in zip(self._names, result.pose_landmarks.landmark, strict=True)}


_instances: dict[str, object] = {}
_creating = threading.Lock()


def _once(name: str, factory):
    instance = _instances.get(name)
    if instance is None:
        with _creating:
            instance = _instances.get(name)
            if instance is None:
                instance = _instances[name] = factory()
    return instance


def face_detector() -> FaceDetector:
    """The process's face detector (created on first use)."""
    return _once("face", MediaPipeFaceDetector)


def pose_estimator() -> PoseEstimator:
    """The process's pose estimator (created on first use)."""
    return _once("pose", MediaPipePoseEstimator)
