"""marshmallow fields whose default error messages are in Simplified Chinese.

Every schema in the project builds on these, so a user never sees marshmallow's
English defaults. Only the messages differ from marshmallow's own fields.
"""

from __future__ import annotations

import re

from marshmallow import Schema as _Schema
from marshmallow import fields as f
from marshmallow import validate

_COMMON = {
    "required": "此字段为必填项",
    "null": "此字段不能为空",
    "validator_failed": "取值无效",
}


def _zh(base: type[f.Field], **messages: str) -> type[f.Field]:
    return type(base.__name__, (base,), {"default_error_messages": {**_COMMON, **messages}})


# Text fields take printable text: NUL and other C0 controls (tab and line breaks
# excepted) and lone UTF-16 surrogates cannot be stored (PostgreSQL refuses NUL, UTF-8
# has no surrogates) nor written to a workbook, so they are refused at the door.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# No text field is unbounded: one without a declared length still stops here.
MAX_TEXT = 10_000
# Integers fit the INTEGER columns of both databases (signed 32-bit: ids, lengths, counts).
INT_LIMIT = 2**31


class String(
    _zh(
        f.String,
        invalid="应为字符串",
        control="含有不允许的控制字符或无效字符",
        too_long=f"长度不能超过 {MAX_TEXT}",
    )
):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_TEXT:
            raise self.make_error("too_long")
        if _FORBIDDEN_CHARS.search(text):
            raise self.make_error("control")
        return text


class Integer(_zh(f.Integer, invalid="应为整数", too_large="数值过大")):
    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is not None and not -INT_LIMIT <= number < INT_LIMIT:
            raise self.make_error("too_large")
        return number


Decimal = _zh(f.Decimal, invalid="应为数字", special="不允许特殊数值", too_large="数值过大")
Float = _zh(f.Float, invalid="应为数字", special="不允许特殊数值", too_large="数值过大")
Boolean = _zh(f.Boolean, invalid="应为布尔值（true/false）")
Date = _zh(f.Date, invalid="日期格式应为 YYYY-MM-DD", format="日期格式无效")
DateTime = _zh(f.DateTime, invalid="时间格式应为 ISO 8601", format="时间格式无效")
Dict = _zh(f.Dict, invalid="应为对象")
Raw = _zh(f.Raw)


class List(f.List):
    default_error_messages = {**_COMMON, "invalid": "应为列表"}


class Nested(f.Nested):
    default_error_messages = {**_COMMON, "type": "应为对象"}


class Schema(_Schema):
    """Base schema: Chinese schema-level messages, unknown fields rejected. A dump-only
    field reports what is stored, which may be nothing: it is nullable (and documented so)."""

    error_messages = {"unknown": "不允许的字段", "type": "请求体应为 JSON 对象"}

    def on_bind_field(self, field_name: str, field_obj: f.Field) -> None:
        if field_obj.dump_only:
            field_obj.allow_none = True


class ResponseSchema(Schema):
    """A schema only ever dumped (an answer, never a request): every field may be null."""

    def on_bind_field(self, field_name: str, field_obj: f.Field) -> None:
        field_obj.allow_none = True


def one_of(choices, label: str = "取值") -> validate.OneOf:
    return validate.OneOf(choices, error=f"{label}应为以下之一：{{choices}}")


def text_length(min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    if min and max:
        msg = f"长度应在 {min} 到 {max} 之间"
    elif max:
        msg = f"长度不能超过 {max}"
    else:
        msg = f"长度至少为 {min}"
    return validate.Length(min=min, max=max, error=msg)


def at_least(minimum) -> validate.Range:
    return validate.Range(min=minimum, error=f"不能小于 {minimum}")
