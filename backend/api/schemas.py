"""The base schema every API schema derives from: unknown fields refused, messages in Chinese."""
from marshmallow import RAISE, fields, validate
from marshmallow import Schema as _Schema

from backend.api.fields import Id, Month

# Marshmallow's default messages, in the language of the people reading them.
_FIELD_MESSAGES = {
    fields.Field: {"required": "缺少必填字段。", "null": "不能为空。", "validator_failed": "取值无效。"},
    fields.String: {"invalid": "应为字符串。"},
    fields.Integer: {"invalid": "应为整数。", "too_large": "数值过大。"},
    fields.Float: {"invalid": "应为数字。", "special": "不能是 NaN 或无穷大。"},
    fields.Decimal: {"invalid": "应为数字。", "special": "不能是 NaN 或无穷大。"},
    fields.Boolean: {"invalid": "应为布尔值 true 或 false。"},
    fields.DateTime: {"invalid": "应为 ISO 8601 时间，如 2026-01-31T08:30:00+08:00。"},
    fields.AwareDateTime: {"invalid_awareness": "时间必须带时区，如 +08:00。"},
    fields.Date: {"invalid": "应为日期，如 2026-01-31。"},
    fields.Time: {"invalid": "应为时间，如 08:30。"},
    fields.List: {"invalid": "应为数组。"},
    fields.Dict: {"invalid": "应为对象。"},
    fields.Nested: {"type": "应为对象。"},
    fields.Email: {"invalid": "不是有效的邮箱地址。"},
    fields.URL: {"invalid": "不是有效的网址。"},
    fields.UUID: {"invalid_uuid": "不是有效的 UUID。"},
    fields.Enum: {"unknown": "取值必须是以下之一：{choices}。"},
}
for _field, _messages in _FIELD_MESSAGES.items():
    _field.default_error_messages = {**_field.default_error_messages, **_messages}


class Schema(_Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "未知字段。", "type": "请求体应为 JSON 对象。"}


# Values a response computes from the object: a plain `fields.Function` has no type in the OpenAPI document,
# so a generated client would not know what it gets. `openapi_type` (api/__init__.py) documents these.
class Text(fields.Function):
    OPENAPI = {"type": "string"}


class Texts(fields.Function):
    OPENAPI = {"type": "array", "items": {"type": "string"}}


class Flag(fields.Function):
    OPENAPI = {"type": "boolean"}


class Count(fields.Function):
    OPENAPI = {"type": "integer"}


class Record(fields.Function):
    OPENAPI = {"type": "object"}


class Rows(fields.Function):
    OPENAPI = {"type": "array", "items": {"type": "object"}}


def openapi_type(_converter, field, **_kwargs) -> dict:
    """The OpenAPI type of a computed field (an apispec attribute function)."""
    return dict(getattr(field, "OPENAPI", {}))


validate.Length.message_min = "长度不能少于 {min}。"
validate.Length.message_max = "长度不能超过 {max}。"
validate.Length.message_all = "长度应在 {min} 到 {max} 之间。"
validate.Length.message_equal = "长度应为 {equal}。"
validate.Range.message_gte = "大于等于"
validate.Range.message_gt = "大于"
validate.Range.message_lte = "小于等于"
validate.Range.message_lt = "小于"
validate.Range.message_min = "应{min_op} {{min}}。"
validate.Range.message_max = "应{max_op} {{max}}。"
validate.Range.message_all = "应{min_op} {{min}}且{max_op} {{max}}。"
validate.OneOf.default_message = "取值必须是以下之一：{choices}。"


class MonthQuerySchema(Schema):
    """A monthly report's query: the month."""

    month = Month(required=True, metadata={"example": "2026-11"})


class SquadMonthQuerySchema(MonthQuerySchema):
    """A monthly report's query: the month, and one squad if wanted."""

    squad_id = Id(metadata={"description": "只看此中队"})


class DistrictMonthQuerySchema(MonthQuerySchema):
    """A city-wide monthly report's query: the month, and one district if wanted."""

    district_id = Id(metadata={"description": "只看此区（不在您的范围内时 404）"})


class DistrictChoiceSchema(Schema):
    """The district whose settings a city role reads (they belong to none): required of them, 422 without."""

    district_id = Id(metadata={"description": "区局（市局人员必填；区局人员可省略，填写他区为 404）"})
