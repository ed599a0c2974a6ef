"""Drills (实战模拟): authoring scenario and gesture drills, reference gestures, and scoring attempts.

A scenario is a branching procedure as data:

    {"start": "arrive",
     "steps": [{"key": "arrive", "prompt": "……", "choices": [
                   {"key": "badge", "label": "出示执法证件，表明身份", "action": "亮证", "next": "talk"}, …]},
               {"key": "done", "prompt": "处置结束", "end": true}, …],
     "standard": ["亮证", "告知", "劝离", "取证", "处罚"]}

Every choice names the action it stands for; the standard procedure is the sequence of actions
an officer should take. A drill is refused unless every step is reachable from the start, every
choice leads to a step, an end can be reached from every step, and some route from the start to
an end takes exactly the standard actions. The trainee walks the steps (the light app shows each
step's choices, never the standard) and submits the choice keys taken; the score compares the
actions of that route with the standard:

    score = 100 × (standard actions in order + ½ × those out of order) ÷ standard actions
            − 10 per non-standard action − 5 per repeated action, within 0–100.
"""
from __future__ import annotations

import uuid
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from backend.config import settings
from backend.db import local_day, session, utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.files import store
from backend.org.models import Officer
from backend.org.scope import get_visible, scoped
from backend.storage import get_storage
from backend.training.common import check_category, require_author
from backend.training.drills import pose
from backend.training.drills.models import Drill, DrillAttempt, DrillAttemptStatus, DrillKind, ReferenceGesture
from backend.training.live.classes import live_class_for, require_present

MAX_PATH = 100  # choices in one scenario attempt; a loop walked longer than this is not an answer


def check_scenario(scenario: dict) -> dict:
    """Refuse a scenario whose steps point nowhere, cannot be reached, never end or miss the standard."""
    steps = {}
    for step in scenario["steps"]:
        if step["key"] in steps:
            raise Invalid(f"步骤编号「{step['key']}」重复", code="duplicate_step")
        steps[step["key"]] = step
    if scenario["start"] not in steps:
        raise Invalid(f"开始步骤「{scenario['start']}」不存在", code="step_points_nowhere")
    for step in steps.values():
        _check_step(step, steps)
    if not any(step.get("end") for step in steps.values()):
        raise Invalid("没有结束步骤：至少要有一个 end 为 true 的步骤", code="no_end")
    reachable = _reachable(scenario["start"], steps)
    unreachable = [key for key in steps if key not in reachable]
    if unreachable:
        raise Invalid(f"以下步骤从开始步骤无法到达：{'、'.join(unreachable)}", code="unreachable_steps")
    trapped = [key for key in steps if key not in _leading_to_end(steps)]
    if trapped:
        raise Invalid(f"以下步骤无论怎么选都到不了结束步骤：{'、'.join(trapped)}", code="no_way_to_end")
    standard = scenario["standard"]
    if len(set(standard)) != len(standard):
        raise Invalid("标准流程中的动作不能重复", code="duplicate_standard_action")
    if not _standard_route_exists(scenario["start"], steps, standard):
        raise Invalid(f"步骤图中没有一条从开始到结束、依次为「{' → '.join(standard)}」的路线",
                      code="standard_not_reachable")
    return scenario


def _check_step(step: dict, steps: dict) -> None:
    choices = step.get("choices") or []
    if step.get("end"):
        if choices:
            raise Invalid(f"结束步骤「{step['key']}」不能再有选项", code="end_with_choices")
        return
    if not choices:
        raise Invalid(f"步骤「{step['key']}」既不是结束步骤也没有选项", code="dead_end")
    keys = set()
    for choice in choices:
        if choice["key"] in keys:
            raise Invalid(f"步骤「{step['key']}」的选项编号「{choice['key']}」重复", code="duplicate_choice")
        keys.add(choice["key"])
        if choice["next"] not in steps:
            raise Invalid(f"步骤「{step['key']}」的选项「{choice['label']}」指向不存在的步骤「{choice['next']}」",
                          code="step_points_nowhere")


def _reachable(start: str, steps: dict) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for choice in steps[queue.popleft()].get("choices") or []:
            if choice["next"] not in seen:
                seen.add(choice["next"])
                queue.append(choice["next"])
    return seen


def _leading_to_end(steps: dict) -> set[str]:
    """Steps from which some sequence of choices reaches an end step (walked backwards from the ends)."""
    leads = {key for key, step in steps.items() if step.get("end")}
    changed = True
    while changed:
        changed = False
        for key, step in steps.items():
            if key not in leads and any(c["next"] in leads for c in step.get("choices") or []):
                leads.add(key)
                changed = True
    return leads


def _standard_route_exists(start: str, steps: dict, standard: list[str]) -> bool:
    """Search states (step, standard actions taken so far) for an end reached after all of them."""
    seen, queue = {(start, 0)}, deque([(start, 0)])
    while queue:
        key, done = queue.popleft()
        if steps[key].get("end"):
            if done == len(standard):
                return True
            continue
        for choice in steps[key]["choices"]:
            if done < len(standard) and choice["action"] == standard[done] and (choice["next"], done + 1) not in seen:
                seen.add((choice["next"], done + 1))
                queue.append((choice["next"], done + 1))
    return False


def walk(scenario: dict, path: list[str]) -> list[dict]:
    """The choices a path of choice keys takes from the start to an end step; refused if it strays."""
    steps = {step["key"]: step for step in scenario["steps"]}
    key, taken = scenario["start"], []
    for number, choice_key in enumerate(path, start=1):
        step = steps[key]
        if step.get("end"):
            raise Invalid(f"第 {number - 1} 步已到达结束，后面的选择多余", code="path_too_long")
        choice = next((c for c in step["choices"] if c["key"] == choice_key), None)
        if choice is None:
            raise Invalid(f"第 {number} 步「{step['prompt'][:30]}」没有选项「{choice_key}」", code="bad_choice")
        taken.append(choice)
        key = choice["next"]
    if not steps[key].get("end"):
        raise Invalid("路线还没有走到结束步骤，请继续选择", code="path_incomplete")
    return taken


def score_route(actions: list[str], standard: list[str]) -> dict:
    """Compare the actions taken with the standard: score, missing, out of order, extra, Chinese feedback."""
    positions = _in_order_positions(actions, standard)
    in_order = [actions[i] for i in positions]
    seen, out_of_order, non_standard, repeated = set(in_order), [], [], []
    for index, action in enumerate(actions):
        if index in positions:
            continue
        if action not in standard:
            non_standard.append(action)
        elif action in seen:
            repeated.append(action)
        else:
            out_of_order.append(action)
            seen.add(action)
    missing = [a for a in standard if a not in seen]
    raw = Decimal(100) * (len(in_order) + Decimal("0.5") * len(out_of_order)) / len(standard)
    score = int(max(Decimal(0), min(Decimal(100), raw - 10 * len(non_standard) - 5 * len(repeated)))
                .to_integral_value(ROUND_HALF_UP))
    feedback = []
    if missing:
        feedback.append(f"缺少步骤：{'、'.join(missing)}")
    for action in out_of_order:
        feedback.append(f"顺序错误：{_where(action, standard)}")
    if non_standard:
        feedback.append(f"不规范的操作：{'、'.join(non_standard)}")
    if repeated:
        feedback.append(f"重复的操作：{'、'.join(repeated)}")
    route = " → ".join(standard)
    feedback.append(f"处置流程完全符合标准：{route}" if len(feedback) == 0 else f"标准流程：{route}")
    return {"score": score, "actions": actions, "missing": missing, "out_of_order": out_of_order,
            "non_standard": non_standard, "repeated": repeated, "feedback": feedback}


def _where(action: str, standard: list[str]) -> str:
    """Where an action belongs in the standard: between its neighbours there."""
    index = standard.index(action)
    before = f"「{standard[index - 1]}」之后" if index > 0 else ""
    after = f"「{standard[index + 1]}」之前" if index + 1 < len(standard) else ""
    return f"「{action}」应在{'、'.join(p for p in (before, after) if p) or '最先进行'}"


def _in_order_positions(a: list[str], b: list[str]) -> set[int]:
    """Positions in `a` of a longest common subsequence of `a` and `b` (the actions taken in order)."""
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if a[i] == b[j] else max(lengths[i + 1][j], lengths[i][j + 1])
    positions, i, j = set(), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            positions.add(i)
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return positions


# Reference gestures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListedGesture:
    """A gesture as the list shows it: the standard ones have no id and no district, the city's no district."""

    gesture: pose.Gesture
    id: int | None = None
    district_id: int | None = None
    captured_from_photo: bool = False

    def __getattr__(self, name):
        return getattr(self.gesture, name)


def gestures(actor: Officer) -> list[ListedGesture]:
    """The standard gestures, then the reference gestures in the actor's scope: a district's people the city's and
    their district's, the city's staff the city's and every district's."""
    rows = session.scalars(scoped(ReferenceGesture, actor)
                           .order_by(ReferenceGesture.district_id.is_not(None), ReferenceGesture.id)).all()
    return ([ListedGesture(g) for g in pose.STANDARD_GESTURES.values()]
            + [_listed(row) for row in rows])


def _listed(row: ReferenceGesture) -> ListedGesture:
    return ListedGesture(_as_gesture(row), row.id, row.district_id, row.captured_from_photo)


def _as_gesture(row: ReferenceGesture) -> pose.Gesture:
    return pose.Gesture(row.code, row.name, row.description or "",
                        {joint: pose.Target(value["angle"], value["tolerance"]) for joint, value in row.joints.items()})


def gesture_for(district_id: int | None, code: str) -> pose.Gesture:
    """The gesture a drill of `district_id` names: a standard one, the district's own, else the city's (a city-wide
    drill: standard or the city's; a district's gesture is not every district's, 422 unknown_gesture)."""
    if code in pose.STANDARD_GESTURES:
        return pose.STANDARD_GESTURES[code]
    row = session.scalars(select(ReferenceGesture).where(
        or_(ReferenceGesture.district_id.is_(None), ReferenceGesture.district_id == district_id),
        ReferenceGesture.code == code).order_by(ReferenceGesture.district_id.is_(None)).limit(1)).one_or_none()
    if row is None:
        raise Invalid(f"参考手势「{code}」不存在", code="unknown_gesture")
    return _as_gesture(row)


def add_gesture(actor: Officer, *, code: str, name: str, joints: dict[str, dict], description: str | None = None,
                captured_from_photo: bool = False) -> ListedGesture:
    """A trainer adds a reference gesture of the district, the city trainer one of the city's (target angles 0–180
    on known joints). A district's code is none of the city's either: its drills name gestures by code."""
    require_author(actor)
    targets = pose.check_targets(joints)
    if code in pose.STANDARD_GESTURES:
        raise Conflict(f"「{code}」是标准手势的编号，请换一个", code="gesture_exists")
    if actor.district_id is not None and session.scalar(select(ReferenceGesture.id).where(
            ReferenceGesture.district_id.is_(None), ReferenceGesture.code == code)) is not None:
        raise Conflict(f"全市已有编号为「{code}」的手势，可直接使用，或换一个编号", code="gesture_exists")
    row = ReferenceGesture(district_id=actor.district_id, code=code, name=name, description=description,
                           joints={j: {"angle": t.angle, "tolerance": t.tolerance} for j, t in targets.items()},
                           captured_from_photo=captured_from_photo, created_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        whose = "全市" if actor.district_id is None else "本区"
        raise Conflict(f"{whose}已有编号为「{code}」的手势", code="gesture_exists") from None
    return _listed(row)


def update_gesture(actor: Officer, gesture_id: int, **changes) -> ListedGesture:
    """Change a reference gesture's name, description or targets (its code stays: drills name it): a district's by
    its training staff, the city's by the city trainer. Attempts already scored keep their scores; targets typed in
    replace those measured on a photo."""
    require_author(actor)
    row = get_visible(ReferenceGesture, gesture_id, actor, what="参考手势")
    require_author(actor, row)
    if "joints" in changes:
        targets = pose.check_targets(changes.pop("joints"))
        row.joints = {j: {"angle": t.angle, "tolerance": t.tolerance} for j, t in targets.items()}
        row.captured_from_photo = False
    for name in ("name", "description"):
        if name in changes:
            setattr(row, name, changes[name])
    session.flush()
    return _listed(row)


def capture_gesture(actor: Officer, *, code: str, name: str, photo: bytes, joints: list[str], tolerance: float,
                    description: str | None = None) -> ListedGesture:
    """A reference gesture whose target angles are measured on a trainer's (or the city trainer's) reference
    photo."""
    require_author(actor)
    pose.check_targets({joint: {"angle": 90, "tolerance": tolerance} for joint in joints})
    image = pose.load_frame(photo, max_bytes=settings().DRILL_PHOTO_MAX_BYTES)
    landmarks = pose.find_pose(image)
    pose.require_one_person(image)
    targets = pose.capture_targets(landmarks, image.width, image.height, joints, tolerance)
    return add_gesture(actor, code=code, name=name, description=description, captured_from_photo=True,
                       joints={j: {"angle": t.angle, "tolerance": t.tolerance} for j, t in targets.items()})


# Drills ---------------------------------------------------------------------------------------------

def create_drill(actor: Officer, *, title: str, kind: DrillKind, category: str, credit_hours: Decimal,
                 pass_score: int = 60, scenario: dict | None = None, gesture_code: str | None = None) -> Drill:
    """A trainer authors a drill of the district (of the standard, the city's or the district's gestures), or the
    city trainer a city-wide one (of the standard and the city's gestures: a district's reference gestures are its
    own); a scenario that is not a sound procedure is refused."""
    require_author(actor)
    check_category(actor.district_id, category)
    if not 0 <= credit_hours <= 24:
        raise Invalid("学时应在 0 到 24 之间", code="credit_hours_out_of_range")
    if kind == DrillKind.scenario:
        if scenario is None:
            raise Invalid("情景演练需要提供步骤（scenario）", code="scenario_required")
        check_scenario(scenario)
        gesture_code = None
    else:
        if not gesture_code:
            raise Invalid("手势演练需要指定参考手势（gesture_code）", code="gesture_required")
        if actor.district_id is None and gesture_code not in pose.STANDARD_GESTURES and session.scalar(
                select(ReferenceGesture.id).where(ReferenceGesture.district_id.is_(None),
                                                  ReferenceGesture.code == gesture_code)) is None:
            raise Invalid(f"全市演练只能使用标准手势和全市的参考手势，「{gesture_code}」不是", code="unknown_gesture",
                          errors={"gesture_code": [gesture_code]})
        gesture_for(actor.district_id, gesture_code)
        scenario = None
    drill = Drill(district_id=actor.district_id, title=title, kind=kind, scenario=scenario, gesture_code=gesture_code,
                  category=category, credit_hours=credit_hours, pass_score=pass_score, created_by_id=actor.id)
    session.add(drill)
    session.flush()
    return drill


def drill_for(actor: Officer, drill_id: int) -> Drill:
    return get_visible(Drill, drill_id, actor, what="演练")


def close_drill(actor: Officer, drill_id: int) -> Drill:
    """Stop taking attempts (results so far stay)."""
    require_author(actor)
    drill = drill_for(actor, drill_id)
    require_author(actor, drill)
    drill.closed_at = drill.closed_at or utcnow()
    session.flush()
    return drill


def _open_drill(actor: Officer, drill_id: int, kind: DrillKind, live_class_id: int | None) -> Drill:
    drill = drill_for(actor, drill_id)
    if drill.closed_at is not None:
        raise Conflict("该演练已关闭，不能再提交", code="drill_closed")
    if drill.kind != kind:
        raise Invalid("这是情景演练，请提交选择路线" if drill.kind == DrillKind.scenario
                      else "这是手势演练，请上传照片", code="wrong_drill_kind")
    if live_class_id is not None:
        live_class_for(actor, live_class_id)
        require_present(live_class_id, actor.id)
    return drill


def _attempt(drill: Drill, actor: Officer, live_class_id: int | None, **values) -> DrillAttempt:
    now = utcnow()
    score = values.get("score")
    attempt = DrillAttempt(drill_id=drill.id, officer_id=actor.id, live_class_id=live_class_id, done_at=now,
                           done_on=local_day(now), passed=score is not None and score >= drill.pass_score, **values)
    attempt.drill = drill
    session.add(attempt)
    session.flush()
    return attempt


def attempt_scenario(actor: Officer, drill_id: int, path: list[str], *,
                     live_class_id: int | None = None) -> DrillAttempt:
    """A trainee submits the choices taken, step by step; scored against the standard procedure."""
    drill = _open_drill(actor, drill_id, DrillKind.scenario, live_class_id)
    if len(path) > MAX_PATH:
        raise Invalid(f"选择过多：最多 {MAX_PATH} 步", code="path_too_long")
    taken = walk(drill.scenario, path)
    result = score_route([c["action"] for c in taken], drill.scenario["standard"])
    return _attempt(drill, actor, live_class_id, status=DrillAttemptStatus.scored, score=result["score"], path=path,
                    result=result)


def attempt_gesture(actor: Officer, drill_id: int, photos: list[bytes], *,
                    live_class_id: int | None = None) -> DrillAttempt:
    """A trainee uploads a photo or a few frames; the best frame counts. A hidden joint in every frame
    means "retake" (recorded, no score); a frame without a person, or several people in the frame that
    counts, refuses the upload (nothing recorded)."""
    drill = _open_drill(actor, drill_id, DrillKind.gesture, live_class_id)
    gesture = gesture_for(drill.district_id, drill.gesture_code)
    frames = []
    for number, data in enumerate(photos, start=1):
        with _frame_number(number, len(photos)):
            frames.append((number, *pose.score_frame(data, gesture, max_bytes=settings().DRILL_PHOTO_MAX_BYTES)))
    number, image, landmarks, scored = max(frames, key=lambda f: (f[3].score is not None, f[3].score or 0, -f[0]))
    with _frame_number(number, len(photos)):
        pose.require_one_person(image)
    key = f"training/drill-attempts/{drill.id}/{uuid.uuid4().hex}.jpg"
    store([(key, pose.annotate(image, landmarks, scored), "image/jpeg")])
    result = {"gesture": gesture.code, "gesture_name": gesture.name, "feedback": scored.feedback,
              "frames": len(photos), "joints": [_joint(r) for r in scored.joints]}
    return _attempt(drill, actor, live_class_id, status=DrillAttemptStatus(scored.status), score=scored.score,
                    result=result, image_key=key)


@contextmanager
def _frame_number(number: int, frames: int):
    """Name the frame in a refusal when several were uploaded ("第 2 张照片：…")."""
    try:
        yield
    except Invalid as error:
        raise Invalid((f"第 {number} 张照片：" if frames > 1 else "") + error.message, code=error.code) from None


def _joint(result: pose.JointResult) -> dict:
    return {"joint": result.joint, "name": result.name, "target": result.target, "tolerance": result.tolerance,
            "angle": result.angle, "score": result.score, "feedback": result.feedback}


def attempt_for(actor: Officer, attempt_id: int) -> DrillAttempt:
    return get_visible(DrillAttempt, attempt_id, actor, what="演练记录")


def attempt_image(actor: Officer, attempt_id: int) -> bytes:
    attempt = attempt_for(actor, attempt_id)
    if attempt.image_key is None:
        raise NotFound("该演练记录没有标注图片", code="no_image")
    return get_storage().get(attempt.image_key)
