"""The OpenAPI document tells the truth: every operation has an operationId, the If-Match
header where it is required, and every error status it can answer, each with our
``{code, message, errors}`` envelope (``ErrorSchema``).

Views mark what the document cannot infer with ``blp.doc``: ``x-if-match`` (the
operation needs If-Match) and ``x-download`` (a file, with its content types). The
plugin turns the marks into parameters and responses when the document is built.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import BasePlugin

from catalog_schemas.fields import Dict, Schema, String

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": '取自上次读取时响应的 ETag，例如 "3"；缺少时 428，不一致时 412',
    "example": '"1"',
}
_MUTATING = {"post", "put", "patch", "delete"}
# Status → name of the response component flask-smorest registers for it.
_NAMES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    428: "PRECONDITION_REQUIRED",
    503: "SERVICE_UNAVAILABLE",
}


class ErrorSchema(Schema):
    """Every error: an English code, a Chinese message, and per-field messages."""

    code = String(
        required=True,
        metadata={
            "description": "英文错误代码，如 validation_failed",
            "example": "validation_failed",
        },
    )
    message = String(
        required=True, metadata={"description": "中文说明", "example": "提交的数据未通过校验"}
    )
    errors = Dict(
        required=True,
        metadata={"description": "按字段给出的中文说明", "example": {"name": ["此字段为必填项"]}},
    )


def operation_id(method: str, path: str) -> str:
    """get /api/v1/resources/{record_id}/items → get_resources_by_record_id_items"""
    body = re.sub(r"^/api/v1/?", "", path) or "root"
    body = re.sub(r"\{(\w+)\}", r"by_\1", body)
    return f"{method}_{re.sub(r'[^0-9A-Za-z]+', '_', body).strip('_')}"


class TruthfulErrors(BasePlugin):
    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **_: Any
    ) -> None:
        for method, op in (operations or {}).items():
            if not isinstance(op, dict):
                continue
            op.setdefault("operationId", operation_id(method, path or ""))
            responses = op.setdefault("responses", {})
            responses.pop("default", None)
            statuses = set()
            has_query = any(
                p.get("in") == "query" for p in op.get("parameters", []) if isinstance(p, dict)
            )
            if has_query or "requestBody" in op or method in _MUTATING:
                statuses.add(400)
            statuses.add(401)  # any call may carry a bad or revoked token
            statuses.add(403)  # every operation is decided per role in authz.py
            if method in _MUTATING:
                statuses |= {409, 413, 503}
            if "{" in (path or ""):
                statuses.add(404)
            if op.get("requestBody") or method in ("post", "put", "patch"):
                statuses |= {415, 422}
            if op.pop("x-if-match", False):
                op.setdefault("parameters", []).append(dict(IF_MATCH))
                statuses |= {412, 428}
            download = op.pop("x-download", None)
            if download:
                success = next((s for s in responses if str(s).startswith("2")), 200)
                responses[success] = {
                    "description": download.get("description", "文件"),
                    "content": {
                        mime: {
                            "schema": {"type": "object"}
                            if mime == "application/json"
                            else {"type": "string", "format": "binary"}
                        }
                        for mime in download["types"]
                    },
                }
            for status in sorted(statuses):
                responses.setdefault(status, _NAMES[status])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(description: str) -> dict:
    """``blp.doc(**upload(...))``: the operation takes one file, as multipart field ``file``."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": description,
                            }
                        },
                    }
                }
            },
        }
    }


def download(*types: str, description: str = "文件") -> dict:
    """``blp.doc(**download(...))``: the operation answers with a file of these types."""
    return {"x-download": {"types": list(types), "description": description}}
