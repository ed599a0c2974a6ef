"""Gesture and posture scoring (一个手势, 队列训练): pose landmarks → joint angles → per-joint score.

Angles are measured in the image plane (2D), from landmark x, y converted to pixels, not from
MediaPipe's 3D world landmarks. A trainer judges a gesture on a photo taken face-on, and the
standard gestures (敬礼, 立正, 交通指挥手势) are defined as seen from the front; the 2D angle is what
both see. The depth MediaPipe guesses from one photo is its noisiest coordinate, and the 2D angle
stays the same when the photo is rotated or scaled, so the score does not depend on how the phone
was held. (Normalised x and y are fractions of width and height, so they are scaled to pixels
first; otherwise every angle in a non-square photo would be skewed.)

Sides are the person's own: "右肘" is the trainee's right elbow, which appears on the left of a
photo taken facing them (and swaps sides in a mirrored selfie).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from backend.errors import Invalid
from backend.images import cjk_font, validate_image
from backend.vision import Landmark, Pose, face_detector, pose_estimator

# Joint → (Chinese name, (landmark, vertex landmark, landmark)); the angle is taken at the vertex.
JOINTS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "left_shoulder": ("左肩", ("left_hip", "left_shoulder", "left_elbow")),
    "right_shoulder": ("右肩", ("right_hip", "right_shoulder", "right_elbow")),
    "left_elbow": ("左肘", ("left_shoulder", "left_elbow", "left_wrist")),
    "right_elbow": ("右肘", ("right_shoulder", "right_elbow", "right_wrist")),
    "left_hip": ("左髋", ("left_shoulder", "left_hip", "left_knee")),
    "right_hip": ("右髋", ("right_shoulder", "right_hip", "right_knee")),
    "left_knee": ("左膝", ("left_hip", "left_knee", "left_ankle")),
    "right_knee": ("右膝", ("right_hip", "right_knee", "right_ankle")),
}

LANDMARK_NAMES = {
    "left_shoulder": "左肩", "right_shoulder": "右肩", "left_elbow": "左肘", "right_elbow": "右肘",
    "left_wrist": "左腕", "right_wrist": "右腕", "left_hip": "左髋", "right_hip": "右髋",
    "left_knee": "左膝", "right_knee": "右膝", "left_ankle": "左踝", "right_ankle": "右踝",
}

SKELETON = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
            ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
            ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
            ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
            ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
            ("right_hip", "right_knee"), ("right_knee", "right_ankle")]

MIN_VISIBILITY = 0.5  # MediaPipe's own threshold for drawing a landmark
FALLOFF_DEGREES = 45  # beyond the tolerance a joint loses its score linearly over this many degrees
MAX_FRAME_SIDE = 1280  # larger photos are scaled down before the pose model (it works at 256 px anyway)


@dataclass(frozen=True)
class Target:
    angle: float  # degrees, 0–180
    tolerance: float  # degrees either side that still count as correct


@dataclass(frozen=True)
class Gesture:
    code: str
    name: str
    description: str
    joints: dict[str, Target]


def _gesture(code: str, name: str, description: str, **joints: tuple[float, float]) -> Gesture:
    return Gesture(code, name, description, {joint: Target(*value) for joint, value in joints.items()})


# The standard gestures, as seen in a photo taken from the front (trainers add their own per district).
STANDARD_GESTURES: dict[str, Gesture] = {g.code: g for g in (
    _gesture("salute", "敬礼", "右手取捷径抬起，右大臂略平，与两肩略成一线，中指微接帽檐右角前约 2 厘米；左臂自然下垂",
             right_shoulder=(85, 20), right_elbow=(40, 20), left_shoulder=(10, 15), left_elbow=(170, 15)),
    _gesture("attention", "立正", "两臂自然下垂，两腿挺直，身体正直",
             left_shoulder=(10, 15), right_shoulder=(10, 15), left_elbow=(170, 15), right_elbow=(170, 15),
             left_hip=(175, 10), right_hip=(175, 10), left_knee=(175, 10), right_knee=(175, 10)),
    _gesture("stop", "停止手势", "左臂向前上方直伸，掌心向前；右臂自然下垂",
             left_shoulder=(140, 25), left_elbow=(170, 20), right_shoulder=(10, 15), right_elbow=(170, 15)),
    _gesture("go_straight", "直行手势", "两臂向两侧平伸，与肩同高，掌心向前",
             left_shoulder=(90, 15), left_elbow=(170, 15), right_shoulder=(90, 15), right_elbow=(170, 15)),
    _gesture("slow_down", "减速慢行手势", "右臂向右前方平伸，掌心向下；左臂自然下垂",
             right_shoulder=(80, 20), right_elbow=(170, 20), left_shoulder=(10, 15), left_elbow=(170, 15)),
)}


def check_targets(joints: dict[str, dict]) -> dict[str, Target]:
    """A trainer's target angles: known joints only, angles 0–180, tolerances 1–90; refused otherwise."""
    if not joints:
        raise Invalid("手势至少要设定一个关节角度", code="no_joints")
    unknown = [name for name in joints if name not in JOINTS]
    if unknown:
        known = "、".join(f"{key}（{value[0]}）" for key, value in JOINTS.items())
        raise Invalid(f"未知关节：{'、'.join(unknown)}；可用关节：{known}", code="unknown_joint")
    targets = {}
    for name, value in joints.items():
        angle, tolerance = value.get("angle"), value.get("tolerance", 15)
        if not _number(angle) or not 0 <= angle <= 180:
            raise Invalid(f"{JOINTS[name][0]}的目标角度必须在 0–180° 之间", code="angle_out_of_range")
        if not _number(tolerance) or not 1 <= tolerance <= 90:
            raise Invalid(f"{JOINTS[name][0]}的容差必须在 1–90° 之间", code="tolerance_out_of_range")
        targets[name] = Target(float(angle), float(tolerance))
    return targets


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def angle_at(a: tuple[float, float], vertex: tuple[float, float], b: tuple[float, float]) -> float:
    """The angle a–vertex–b in degrees (0–180)."""
    ax, ay = a[0] - vertex[0], a[1] - vertex[1]
    bx, by = b[0] - vertex[0], b[1] - vertex[1]
    return math.degrees(abs(math.atan2(ax * by - ay * bx, ax * bx + ay * by)))


def _visible(point: Landmark) -> bool:
    return point.visibility >= MIN_VISIBILITY and 0 <= point.x <= 1 and 0 <= point.y <= 1


def joint_angles(pose: Pose, width: int, height: int) -> dict[str, float | None]:
    """Every joint's image-plane angle in degrees; None where one of its three landmarks is not visible."""
    angles = {}
    for joint, (_, names) in JOINTS.items():
        points = [pose[name] for name in names]
        if all(_visible(p) for p in points):
            a, v, b = ((p.x * width, p.y * height) for p in points)
            angles[joint] = angle_at(a, v, b)
        else:
            angles[joint] = None
    return angles


@dataclass(frozen=True)
class JointResult:
    joint: str
    name: str
    target: float
    tolerance: float
    angle: float | None  # None: not visible
    score: int | None
    feedback: str


@dataclass(frozen=True)
class GestureScore:
    status: str  # "scored" | "retake"
    score: int | None  # 0–100 when scored
    joints: list[JointResult]
    feedback: list[str]  # what the trainee reads, in Chinese


def score_gesture(gesture: Gesture, angles: dict[str, float | None], pose: Pose) -> GestureScore:
    """Score each target joint; any target joint not visible means "retake", never a zero."""
    results = [_score_joint(joint, target, angles[joint], pose) for joint, target in gesture.joints.items()]
    hidden = [r.feedback for r in results if r.angle is None]
    if hidden:
        return GestureScore("retake", None, results, hidden)
    score = round(sum(r.score for r in results) / len(results))
    off = [r.feedback for r in results if r.score < 100]
    return GestureScore("scored", score, results, off or [f"{gesture.name}动作标准，各关节角度均在容差范围内"])


def _score_joint(joint: str, target: Target, angle: float | None, pose: Pose) -> JointResult:
    name, landmarks = JOINTS[joint]
    if angle is None:
        hidden = next(n for n in (landmarks[1], landmarks[0], landmarks[2]) if not _visible(pose[n]))
        feedback = (f"{name}不可见，请重拍" if hidden == landmarks[1]
                    else f"{LANDMARK_NAMES[hidden]}不可见，无法测量{name}角度，请重拍")
        return JointResult(joint, name, target.angle, target.tolerance, None, None, feedback)
    deviation = angle - target.angle
    beyond = max(0.0, abs(deviation) - target.tolerance)
    score = max(0, round(100 - beyond * 100 / FALLOFF_DEGREES))
    if beyond == 0:
        feedback = f"{name}角度合格（{angle:.0f}°）"
    else:
        feedback = f"{name}角度{'偏大' if deviation > 0 else '偏小'} {abs(deviation):.0f}°"
    return JointResult(joint, name, target.angle, target.tolerance, round(angle, 1), score, feedback)


def load_frame(data: bytes, *, max_bytes: int | None = None) -> Image.Image:
    """A validated JPEG or PNG (backend.images), upright, RGB, scaled down to at most MAX_FRAME_SIDE."""
    image = validate_image(data, max_bytes=max_bytes).image.convert("RGB")
    image.thumbnail((MAX_FRAME_SIDE, MAX_FRAME_SIDE))
    return image


def find_pose(image: Image.Image) -> Pose:
    """The person's landmarks; a blank photo or one without a person is refused."""
    low, high = image.convert("L").getextrema()
    if high - low < 16:
        raise Invalid("照片是空白的，请对准学员重新拍摄", code="blank_image")
    pose = pose_estimator().estimate(image)
    if pose is None:
        raise Invalid("照片中未检测到人，请让学员全身或上半身完整入镜后重拍", code="no_person")
    return pose


def require_one_person(image: Image.Image) -> None:
    """The pose model follows one person only: with a second face the score could be someone else's.

    Run once on the frame that is scored (not on every frame of a burst): the face model costs about
    a fifth of the pose model.
    """
    if face_detector().count_faces(image) > 1:
        raise Invalid("照片中有多人，请只拍摄一名学员后重拍", code="several_people")


def score_frame(data: bytes, gesture: Gesture, *, max_bytes: int | None = None
                ) -> tuple[Image.Image, Pose, GestureScore]:
    """The full path of one frame: decode and validate, pose, angles, score (see `require_one_person`)."""
    image = load_frame(data, max_bytes=max_bytes)
    pose = find_pose(image)
    return image, pose, score_gesture(gesture, joint_angles(pose, image.width, image.height), pose)


def capture_targets(pose: Pose, width: int, height: int, joints: list[str], tolerance: float) -> dict[str, Target]:
    """Targets taken from a reference photo: the angles measured there, each with `tolerance`."""
    angles = joint_angles(pose, width, height)
    hidden = [JOINTS[j][0] for j in joints if angles[j] is None]
    if hidden:
        raise Invalid(f"参考照片中{'、'.join(hidden)}不可见，请换一张完整清晰的照片", code="joint_not_visible")
    return {joint: Target(round(angles[joint], 1), tolerance) for joint in joints}


GREEN, RED, GREY, WHITE = (22, 163, 74), (220, 38, 38), (148, 163, 184), (255, 255, 255)


def annotate(image: Image.Image, pose: Pose, result: GestureScore) -> bytes:
    """A JPEG of the photo with the skeleton, each target joint coloured (green ok, red off, grey hidden)
    and labelled with its angle and target."""
    canvas = image.convert("RGB").copy()
    draw = ImageDraw.Draw(canvas)
    width, height = canvas.size
    line = max(2, width // 160)

    def at(name: str) -> tuple[float, float]:
        return pose[name].x * width, pose[name].y * height

    for a, b in SKELETON:
        if _visible(pose[a]) and _visible(pose[b]):
            draw.line([at(a), at(b)], fill=WHITE, width=line)
    font = cjk_font(max(14, width // 32))
    for r in result.joints:
        vertex = JOINTS[r.joint][1][1]
        x, y = at(vertex)
        colour = GREY if r.angle is None else GREEN if r.score == 100 else RED
        radius = line * 3
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour, outline=WHITE, width=line // 2 or 1)
        label = f"{r.name} 不可见" if r.angle is None else f"{r.name} {r.angle:.0f}°（目标 {r.target:.0f}°）"
        x, y = min(max(x + radius + 4, 0), width - 10), min(max(y - radius, 0), height - 10)
        box = draw.textbbox((x, y), label, font=font)
        draw.rectangle([box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2], fill=(15, 23, 42))
        draw.text((x, y), label, font=font, fill=colour if colour != GREY else WHITE)
    header = f"得分 {result.score}" if result.score is not None else "需要重拍"
    font = cjk_font(max(18, width // 20))
    box = draw.textbbox((10, 10), header, font=font)
    draw.rectangle([box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4], fill=(15, 23, 42))
    draw.text((10, 10), header, font=font, fill=WHITE)
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
