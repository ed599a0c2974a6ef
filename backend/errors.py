"""Domain exceptions: a machine code for programs and a Chinese message for people."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_code = "invalid"
    default_message = "请求无效"

    def __init__(self, message: str | None = None, code: str | None = None, errors: dict | None = None):
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.errors = errors
        super().__init__(self.message)


class Invalid(DomainError):
    status = 422
    default_code = "invalid"
    default_message = "输入数据无效"


class Unauthorized(DomainError):
    status = 401
    default_code = "unauthorized"
    default_message = "请先登录"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"
    default_message = "无权执行此操作"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    default_message = "对象不存在"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
    default_message = "与现有数据冲突"


class StaleWrite(DomainError):
    """Someone else changed the object since it was read (two writers past the same ETag)."""
    status = 412
    default_code = "precondition_failed"
    default_message = "数据已被他人修改，请刷新后重试"


class TooManyRequests(DomainError):
    status = 429
    default_code = "too_many_requests"
    default_message = "请求过于频繁，请稍后再试"


class ServiceUnavailable(DomainError):
    status = 503
    default_code = "unavailable"
    default_message = "外部服务暂不可用，请稍后再试"
