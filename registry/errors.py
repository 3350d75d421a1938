"""Domain errors. ``registry.api.errors`` is the one place that maps them to HTTP."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    status = 400
    code = "bad_request"
    message = "请求无效"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.errors = errors or {}
        super().__init__(self.message)


class BadRequest(RegistryError):
    status, code, message = 400, "bad_request", "请求无效"


class Unauthenticated(RegistryError):
    status, code, message = 401, "unauthenticated", "需要登录或提供有效的访问令牌"


class Forbidden(RegistryError):
    status, code, message = 403, "forbidden", "无权执行此操作"


class NotFound(RegistryError):
    status, code, message = 404, "not_found", "未找到所请求的记录"


class Conflict(RegistryError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class PreconditionFailed(RegistryError):
    status, code, message = 412, "precondition_failed", "记录已被他人修改，请刷新后重试"


class Invalid(RegistryError):
    status, code, message = 422, "validation_failed", "提交的数据未通过校验"


class ImportRejected(RegistryError):
    status, code, message = 422, "import_rejected", "导入文件有问题，未写入任何数据"


class PreconditionRequired(RegistryError):
    status, code, message = 428, "precondition_required", "修改须携带 If-Match 请求头（取自 ETag）"
