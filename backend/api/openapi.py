"""What the OpenAPI document says beyond the schemas: decimals as text, examples for every field, the 404 of ids."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from apispec import BasePlugin


def decimal_as_text(_converter, field, ret, **_kwargs) -> dict:
    """Decimal fields the API writes as text ("2.0"): documented as decimal strings, bounds as numbers."""
    if not (isinstance(field, ma.fields.Decimal) and field.as_string):
        return {}
    for key in ("minimum", "maximum"):
        if key in ret:
            ret[f"x-{key}"] = float(Decimal(ret.pop(key)))
    return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}


# Examples for fields that carry none of their own, by name, then by type (Swagger UI and the committed
# openapi.json show them; a field's own `metadata={"example": ...}` always wins).
EXAMPLES_BY_NAME = {
    "client_id": "6f1c2a9e-5b7d-4c1e-9a2b-8d6f0e4c7b21",
    "lat": 31.2304,
    "lng": 121.4737,
    "coord_system": "gcj02",
    "accuracy_m": 10,
    "reason": "协助处置突发占道经营",
    "note": "情况属实",
    "message": "已到现场，正在处置",
    "reply": "已劝离流动摊贩并清理现场",
    "comment": "处理及时",
    "description": "人行道上有流动摊贩占道经营",
    "place": "静安区南京西路 1266 号",
    "name": "南京西路东段",
    "title": "文明执法规范",
    "phone": "13912345678",
    "badge_no": "31010001",
    "password": "Chengguan#2026",
    "media_id": "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0",
    "code": "CODE-from-wechat-oauth",
    "sig": "Zk9lYk1hR2xZbTQ",
    "stem": "执法人员着装应当？",
    "content": "已按要求整改",
    "problem": "执法记录仪未全程开启",
    "requirement": "立即整改并书面说明",
    "url": "https://learn.example.gov.cn/c/1",
    "organisation": "上海市城管执法局培训中心",
    "wechat_userid": "zhangwei",
    "subject_ref": "沪静城罚〔2026〕1号",
    "explanation": "依据执法规范第十二条",
    "stream_url": "https://live.example.gov.cn/room/1",
    "category": "classroom",
    "tags": ["着装"],
    "options": ["亮证", "告知", "劝离", "罚款"],
    "answer": [0],
    "classroom": "智慧教室",
    "officer_ids": [1024, 1025],
    "course_ids": [3],
    "evidence_ids": [501],
    "type_code": "uniform",
    "tag": "着装",
    "squad": "一中队",
    "officer_badge_no": "31010001",
    "withdrawal_reason": "当事人主动纠正",
    "revocation_reason": "事实不清",
    "withdrawal_approved_by": "张科长",
    "revocation_approved_by": "张科长",
    "selfie": "/9j/4AAQSkZJRgABAQAAAQABAAD...",
}
EXAMPLES_BY_TYPE = {
    ma.fields.AwareDateTime: "2026-06-01T08:30:00+08:00", ma.fields.DateTime: "2026-06-01T08:30:00+08:00",
    ma.fields.Date: "2026-06-01", ma.fields.Time: "08:30", ma.fields.Boolean: True, ma.fields.Integer: 1,
    ma.fields.Float: 1.5, ma.fields.Decimal: "2.0",
}


def default_example(_converter, field, ret, **_kwargs) -> dict:
    """An example for a documented field that has none: its first allowed value, or by name, or by type."""
    if (
        "example" in ret
        or "$ref" in ret
        or ret.get("type") in ("object", "array")
        and field.name not in EXAMPLES_BY_NAME
    ):
        return {}
    if ret.get("enum"):
        return {"example": ret["enum"][0]}
    if field.name in EXAMPLES_BY_NAME:
        return {"example": EXAMPLES_BY_NAME[field.name]}
    for field_type, example in EXAMPLES_BY_TYPE.items():
        if isinstance(field, field_type):
            return {"example": example}
    return {}


class DownloadLinks(BasePlugin):
    """A file download's GET documents the signed download link it accepts instead of the header."""

    def operation_helper(self, path=None, operations=None, **_kwargs):
        from backend.api.links import DOC_MARK, LINK_PARAMETER

        for operation in (operations or {}).values():
            if operation.pop(DOC_MARK, False):
                operation.setdefault("parameters", []).append({
                    "in": "query", "name": LINK_PARAMETER, "required": False, "schema": {"type": "string"},
                    "description": "下载链接的签名（POST /api/downloads/links 所得），代替 Authorization 头；"
                                   "过期 410 link_expired，用于别的文件 403 link_mismatch，签发者已登出 401"})


class NotFoundForIds(BasePlugin):
    """Every operation on a URL with an object id documents the 404 it answers outside scope."""

    def operation_helper(self, path=None, operations=None, **_kwargs):
        if "{" not in (path or ""):
            return
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            if 404 not in responses and "404" not in responses:
                responses["404"] = {"description": "不存在或不在数据权限内"}
