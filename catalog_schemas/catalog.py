"""The catalog entry (信息资源) and its data items (信息项) as marshmallow schemas.

The cross-field rules of the standard live in ``catalog_entry_errors`` so that a
partial update can be checked against the merged record, not just the patch.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, post_load, validates, validates_schema

from . import codes
from .fields import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    List,
    Nested,
    Schema,
    String,
    at_least,
    one_of,
    text_length,
)
from .identifiers import classification_error, resource_code_error

OPEN_UNCONDITIONAL = "无条件开放"
OPEN_CONDITIONAL = "有条件开放"
OPEN_NONE = "不予开放"
OPEN_TYPES = (OPEN_UNCONDITIONAL, OPEN_CONDITIONAL, OPEN_NONE)


class DataItemSchema(Schema):
    """信息项: one column or field of a resource."""

    id = Integer(dump_only=True)
    name = String(required=True, validate=text_length(1, 100), metadata={"example": "公民身份号码"})
    data_type = String(required=True, metadata={"example": "字符型C"})
    length = Integer(allow_none=True, validate=at_least(1), metadata={"example": 18})
    description = String(allow_none=True, validate=text_length(max=500))
    collection_mode = String(
        load_default="collected", validate=one_of(codes.COLLECTION_MODES, "采集方式")
    )
    share_type = String(allow_none=True, validate=one_of(codes.SHARE_TYPES, "共享类型"))
    open_type = String(allow_none=True, validate=one_of(OPEN_TYPES, "开放属性"))
    element_identifier = String(allow_none=True, validate=text_length(1, 64))
    match_confidence = Float(dump_only=True)

    @validates("data_type")
    def _data_type(self, value: str, **_: Any) -> None:
        if codes.normalise_data_type(value) is None:
            raise ValidationError("数据类型应为以下之一：" + "、".join(codes.DATA_TYPES.values()))

    @post_load
    def _normalise(self, data: dict, **_: Any) -> dict:
        if "data_type" in data:
            data["data_type"] = codes.normalise_data_type(data["data_type"])
        return data


class ResourceSchema(Schema):
    """信息资源: one entry of the information-resource catalog (政务信息资源目录)."""

    id = Integer(dump_only=True)
    code = String(dump_only=True)
    classification_code = String(
        required=True, metadata={"description": "分类码：类+项+目(+细目)", "example": "101001"}
    )
    classification_path = List(String(), dump_only=True)
    name = String(required=True, validate=text_length(1, 200), metadata={"example": "人口基础信息"})
    provider_code = String(validate=text_length(1, 32))
    provider_name = String(dump_only=True)
    summary = String(
        required=True, validate=text_length(1, 2000), metadata={"example": "全县户籍人口基础信息"}
    )
    format_class = String(required=True, validate=one_of(tuple(codes.FORMATS), "信息资源格式"))
    format_detail = String(allow_none=True, validate=text_length(max=200))
    share_type = String(required=True, validate=one_of(codes.SHARE_TYPES, "共享类型"))
    share_condition = String(allow_none=True, validate=text_length(max=1000))
    share_method_class = String(
        allow_none=True, validate=one_of(codes.SHARE_METHOD_CLASSES, "共享方式")
    )
    share_method_platform = String(
        allow_none=True, validate=one_of(codes.PLATFORM_SHARE_METHODS, "共享平台方式")
    )
    open_type = String(required=True, validate=one_of(OPEN_TYPES, "开放属性"))
    open_to_public = Boolean(dump_only=True)
    open_condition = String(allow_none=True, validate=text_length(max=1000))
    update_cycle = String(required=True, metadata={"example": "每日"})
    publish_date = Date(required=True, metadata={"example": "2026-01-15"})
    related_codes = List(String(), load_default=list)
    system_ids = List(Integer(), load_default=list)
    items = List(Nested(DataItemSchema))
    item_count = Integer(dump_only=True)
    status = String(dump_only=True)
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)

    @validates("classification_code")
    def _classification(self, value: str, **_: Any) -> None:
        if err := classification_error(value):
            raise ValidationError(err)

    @validates("update_cycle")
    def _cycle(self, value: str, **_: Any) -> None:
        allowed = codes.local_codes().update_cycles
        if value not in allowed:
            raise ValidationError("更新周期应为以下之一：" + "、".join(allowed))

    @validates("related_codes")
    def _related(self, value: list[str], **_: Any) -> None:
        bad = [c for c in value if resource_code_error(c)]
        if bad:
            raise ValidationError("关联资源代码格式不正确：" + "、".join(bad))

    @validates_schema(skip_on_field_errors=False)  # report every problem of a row at once
    def _rules(self, data: dict, partial: bool | tuple = False, **_: Any) -> None:
        if partial:
            return  # the service checks the merged record with catalog_entry_errors
        if errors := catalog_entry_errors(data):
            raise ValidationError(errors)

    @post_load
    def _normalise(self, data: dict, **_: Any) -> dict:
        return normalise_catalog_entry(data)


def normalise_catalog_entry(data: dict) -> dict:
    """Canonical spellings: format detail as the code list spells it, 无条件 condition."""
    detail = data.get("format_detail")
    allowed = codes.FORMATS.get(data.get("format_class") or "", ())
    if detail and allowed:
        canonical = {a.lower(): a for a in allowed}.get(detail.strip().lower())
        if canonical:
            data["format_detail"] = canonical
    if data.get("share_type") == codes.SHARE_UNCONDITIONAL and not data.get("share_condition"):
        data["share_condition"] = "无条件"
    return data


def catalog_entry_errors(data: dict) -> dict[str, list[str]]:
    """The standard's conditional rules, checked over a whole (merged) catalog entry."""
    errors: dict[str, list[str]] = {}

    def err(name: str, msg: str) -> None:
        errors.setdefault(name, []).append(msg)

    share_type = data.get("share_type")
    condition = (data.get("share_condition") or "").strip()
    if share_type == codes.SHARE_CONDITIONAL and not condition:
        err("share_condition", "有条件共享须写明共享条件")
    if share_type == codes.SHARE_NONE and (not condition or condition == "无条件"):
        err("share_condition", "不予共享须写明所依据的法律、行政法规或党中央、国务院政策")

    method = data.get("share_method_class")
    platform = data.get("share_method_platform")
    if share_type == codes.SHARE_NONE:
        if method or platform:
            err("share_method_class", "不予共享的资源不应填写共享方式")
    elif share_type in codes.SHARE_TYPES:
        if not method:
            err("share_method_class", "共享方式为必填项（不予共享除外）")
        elif method == codes.SHARE_METHOD_PLATFORM and not platform:
            err("share_method_platform", "共享平台方式须选择 库表、接口 或 文件")
        elif method != codes.SHARE_METHOD_PLATFORM and platform:
            err("share_method_platform", "仅共享平台方式可填写平台共享方式")

    if data.get("open_type") == OPEN_CONDITIONAL and not (data.get("open_condition") or "").strip():
        err("open_condition", "有条件开放须写明开放条件")

    format_class = data.get("format_class")
    detail = (data.get("format_detail") or "").strip()
    allowed = codes.FORMATS.get(format_class or "", ())
    if format_class in codes.FORMATS_DESCRIBED_BY_PROVIDER and not detail:
        err("format_detail", f"信息资源格式为“{format_class}”时须说明具体格式")
    elif allowed and detail and detail.lower() not in {a.lower() for a in allowed}:
        err("format_detail", f"“{format_class}”的具体格式应为以下之一：" + "、".join(allowed))

    if format_class in codes.FORMATS_REQUIRING_ITEMS and "items" in data and not data["items"]:
        err("items", f"“{format_class}”类资源须填写信息项")
    return errors
