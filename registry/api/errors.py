"""The only place where errors become HTTP responses: ``{code, message, errors}``."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import RegistryError

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: ("bad_request", "请求无效"),
    401: ("unauthenticated", "需要登录或提供有效的访问令牌"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "未找到所请求的地址或记录"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作与当前状态冲突"),
    412: ("precondition_failed", "记录已被他人修改，请刷新后重试"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "请求体应为 application/json"),
    422: ("validation_failed", "提交的数据未通过校验"),
    428: ("precondition_required", "修改须携带 If-Match 请求头"),
    500: ("internal_error", "服务器内部错误"),
}


def _text_keys(value):
    """marshmallow keys list errors by index (int) beside ``_schema`` (str): JSON wants text."""
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def envelope(status: int, code: str, message: str, errors: dict | None = None, headers=None):
    # A person's browser gets the same answer as a page (the web layer renders it; a 401
    # becomes the sign-in page); every other client gets the JSON envelope.
    page = current_app.extensions.get("registry.error_page")
    if page is not None and wants_page():
        return page(status, code, message, _text_keys(errors or {}), headers)
    response = jsonify({"code": code, "message": message, "errors": _text_keys(errors or {})})
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def wants_page() -> bool:
    """A page's error is a page unless the client asks for JSON; under /api/ the answer is
    JSON unless a browser navigates there (it prefers HTML over JSON)."""
    accept = request.accept_mimetypes
    if not request.path.startswith("/api/"):
        return accept["application/json"] <= accept["text/html"] or not accept
    return accept.best_match(("application/json", "text/html")) == "text/html" and (
        accept["text/html"] > accept["application/json"]
    )


def _flatten(messages: dict) -> tuple[dict, set[str]]:
    """webargs nests errors by location (json, query); callers want fields."""
    errors: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            errors.update(fields)
        else:
            errors["_body" if location == "json" else location] = fields
    return errors, set(messages)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    code, message = _HTTP_MESSAGES.get(status, ("http_error", error.name))
    data = getattr(error, "data", None) or {}
    errors = {}
    if "messages" in data:
        errors, locations = _flatten(data["messages"])
        if locations == {"query"}:
            status, code, message = 400, "bad_query", "查询参数无效"
        elif status == 400 and "_body" in errors:
            message, errors = "请求体不是有效的 JSON 对象", {"_body": ["请求体不是有效的 JSON"]}
    return envelope(status, code, message, errors, data.get("headers"))


def register(app: Flask) -> None:
    @app.errorhandler(RegistryError)
    def _domain(error: RegistryError):
        return envelope(error.status, error.code, error.message, error.errors)

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError):
        code, message = _HTTP_MESSAGES[412]
        return envelope(412, code, message)

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError):
        log.info("integrity error: %s", error.orig)
        return envelope(409, "integrity_conflict", "与已有记录冲突（唯一性或引用约束）")

    @app.errorhandler(DataError)
    def _data(error: DataError):
        # Schemas bound every value; this is the net under them, never a 500.
        log.warning("value refused by the database: %s", error.orig)
        return envelope(422, "value_out_of_range", "提交的数据超出允许的长度或范围")

    @app.errorhandler(OperationalError)
    def _operational(error: OperationalError):
        if "database is locked" in str(error.orig) or "database is busy" in str(error.orig):
            # SQLite's one write lock stayed taken for DATABASE_BUSY_TIMEOUT: try again soon.
            log.warning("database busy: %s", error.orig)
            return envelope(
                503, "database_busy", "系统繁忙，请稍后重试", headers={"Retry-After": "5"}
            )
        raise error

    @app.errorhandler(RecursionError)
    def _too_deep(_error: RecursionError):
        return envelope(400, "too_deeply_nested", "请求体嵌套层次过深")

    app.register_error_handler(HTTPException, handle_http_exception)

    if app.testing:
        return  # let tests see the traceback

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error", exc_info=error)
        code, message = _HTTP_MESSAGES[500]
        return envelope(500, code, message)
