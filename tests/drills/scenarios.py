"""A scenario drill as a trainer writes it: an unlicensed street vendor on the pavement (无证摊贩)."""
from __future__ import annotations

import copy

STANDARD = ["亮证", "告知", "劝离", "取证", "处罚"]

VENDOR = {
    "start": "arrive",
    "standard": STANDARD,
    "steps": [
        {"key": "arrive", "prompt": "巡查中发现一名无证摊贩在人行道上设摊售卖水果，行人被迫走上机动车道。你首先：",
         "choices": [
             {"key": "badge", "label": "出示执法证件，表明身份", "action": "亮证", "next": "identified"},
             {"key": "seize", "label": "直接上前暂扣水果和推车", "action": "暂扣", "next": "angry"},
             {"key": "photo_first", "label": "先拍照取证", "action": "取证", "next": "angry"}]},
        {"key": "angry", "prompt": "摊贩情绪激动，围观群众增多。你：",
         "choices": [
             {"key": "badge_late", "label": "出示执法证件，表明身份", "action": "亮证", "next": "identified"}]},
        {"key": "identified", "prompt": "摊贩问你凭什么管。你：",
         "choices": [
             {"key": "inform", "label": "告知其违法事实和依据", "action": "告知", "next": "informed"},
             {"key": "persuade_now", "label": "直接劝其离开", "action": "劝离", "next": "persuaded_early"}]},
        {"key": "persuaded_early", "prompt": "摊贩不服，要求说明依据。你：",
         "choices": [{"key": "inform_late", "label": "告知其违法事实和依据", "action": "告知", "next": "evidence"}]},
        {"key": "informed", "prompt": "摊贩表示知道了，但仍不收摊。你：",
         "choices": [
             {"key": "persuade", "label": "耐心劝说其自行离开", "action": "劝离", "next": "evidence"},
             {"key": "shout", "label": "大声呵斥", "action": "呵斥", "next": "evidence"}]},
        {"key": "evidence", "prompt": "摊贩拒不离开。你：",
         "choices": [
             {"key": "record", "label": "拍照录像，固定证据", "action": "取证", "next": "penalty"},
             {"key": "skip_record", "label": "不取证，直接开具处罚", "action": "处罚", "next": "done"}]},
        {"key": "penalty", "prompt": "证据已固定。你：",
         "choices": [{"key": "fine", "label": "依法作出处罚决定", "action": "处罚", "next": "done"}]},
        {"key": "done", "prompt": "处置结束", "end": True},
    ],
}

STANDARD_PATH = ["badge", "inform", "persuade", "record", "fine"]


def vendor(**changes) -> dict:
    """A deep copy of the vendor scenario, with top-level keys replaced."""
    scenario = copy.deepcopy(VENDOR)
    scenario.update(changes)
    return scenario


def drill_body(scenario: dict | None = None, **kw) -> dict:
    return {"title": kw.pop("title", "无证摊贩现场处置"), "kind": "scenario", "category": "classroom",
            "credit_hours": kw.pop("credit_hours", "0.5"), "scenario": scenario or vendor(), **kw}
