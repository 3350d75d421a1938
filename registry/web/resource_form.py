"""The catalog-entry form (信息资源登记表) as the 编制指南 lays it out: what a posted form
becomes for ``ResourceSchema`` (the API's own schema, so the same rules and the same
Chinese messages), and what a stored entry looks like in the form."""

from __future__ import annotations

from typing import Any

from flask import request

from catalog_schemas import codes
from catalog_schemas.catalog import OPEN_TYPES

from ..models import Resource
from ..services.resources import CATALOG_FIELDS
from .common import text_or_none

ITEM_COLUMNS = (
    "name",
    "data_type",
    "length",
    "collection_mode",
    "share_type",
    "element_identifier",
    "description",
)
# Blank rows under the items, so a clerk without JavaScript can still add some.
SPARE_ITEM_ROWS = 3

FIELD_LABELS = {
    "classification_code": "信息资源分类",
    "name": "信息资源名称",
    "provider_code": "信息资源提供方",
    "summary": "信息资源摘要",
    "format_class": "信息资源格式",
    "format_detail": "具体格式",
    "share_type": "共享类型",
    "share_condition": "共享条件",
    "share_method_class": "共享方式",
    "share_method_platform": "共享平台方式",
    "open_type": "是否向社会开放",
    "open_condition": "开放条件",
    "update_cycle": "更新周期",
    "publish_date": "发布日期",
    "related_codes": "关联资源代码",
    "system_ids": "产生系统",
    "items": "信息项",
    "status": "状态",
    "code": "信息资源代码",
    "data_type": "数据类型",
    "length": "数据长度",
    "collection_mode": "采集方式",
    "element_identifier": "数据元标识符",
    "description": "说明",
}


def choices() -> dict[str, Any]:
    """The code lists the form's drop-downs offer."""
    return {
        "subjects": [
            (f"{cat}{sub}", f"{cat}{sub} {codes.CATEGORY_NAMES[cat]} / {name}")
            for cat, subjects in codes.SUBJECTS.items()
            for sub, name in subjects.items()
        ],
        "formats": list(codes.FORMATS),
        "format_details": {k: list(v) for k, v in codes.FORMATS.items()},
        "share_types": list(codes.SHARE_TYPES),
        "share_methods": list(codes.SHARE_METHOD_CLASSES),
        "platform_methods": list(codes.PLATFORM_SHARE_METHODS),
        "open_types": list(OPEN_TYPES),
        "update_cycles": list(codes.local_codes().update_cycles),
        "data_types": list(codes.DATA_TYPES.values()),
        "collection_modes": [("collected", "原始采集"), ("obtained", "共享获取")],
        "item_share_types": [("", "同资源"), *[(s, s) for s in codes.SHARE_TYPES]],
    }


def from_form() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The posted form as ResourceSchema input, and the item rows as typed (blank rows
    dropped, so row numbers in error messages are the rows the clerk sees)."""
    form = request.form
    prefix, rest = form.get("classification_prefix", ""), form.get("classification_rest", "")
    data: dict[str, Any] = {}
    classification = (prefix.strip() + rest.strip()) or None
    if classification:
        data["classification_code"] = classification
    for name in ("name", "summary", "format_class", "share_type", "open_type", "update_cycle"):
        if value := text_or_none(form.get(name)):
            data[name] = value
    if value := text_or_none(form.get("publish_date")):
        data["publish_date"] = value
    for name in (
        "format_detail",
        "share_condition",
        "share_method_class",
        "share_method_platform",
        "open_condition",
    ):
        data[name] = text_or_none(form.get(name))
    if provider := text_or_none(form.get("provider_code")):
        data["provider_code"] = provider
    related = (form.get("related_codes") or "").replace("，", ",").replace("、", ",")
    data["related_codes"] = [c.strip() for c in related.split(",") if c.strip()]
    data["system_ids"] = [int(v) for v in form.getlist("system_ids") if v.isdigit()]
    rows = _item_rows()
    data["items"] = [_item(row) for row in rows]
    return data, rows


def _item_rows() -> list[dict[str, str]]:
    columns = {c: request.form.getlist(f"item-{c}") for c in ITEM_COLUMNS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {c: (values[i].strip() if i < len(values) else "") for c, values in columns.items()}
        # A row is blank when nothing but the defaults is in it.
        if any(row[c] for c in ("name", "length", "element_identifier", "description")):
            rows.append(row)
    return rows


def _item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {"name": row["name"], "data_type": row["data_type"]}
    length = row["length"]
    item["length"] = int(length) if length.isdigit() else (length or None)
    item["collection_mode"] = row["collection_mode"] or "collected"
    for name in ("share_type", "element_identifier", "description"):
        item[name] = row[name] or None
    return item


def from_resource(resource: Resource) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A stored entry as the form shows it."""
    values = {name: getattr(resource, name) for name in CATALOG_FIELDS}
    values["classification_code"] = resource.classification_code
    values["publish_date"] = resource.publish_date.isoformat() if resource.publish_date else ""
    values["related_codes"] = "，".join(resource.related_codes or [])
    values["system_ids"] = [s.id for s in resource.systems]
    values["provider_code"] = resource.provider.code
    rows = [
        {c: ("" if getattr(i, c) is None else getattr(i, c)) for c in ITEM_COLUMNS}
        for i in resource.items
    ]
    return values, rows


def form_values(data: dict[str, Any]) -> dict[str, Any]:
    """Posted input shown again as typed."""
    values = dict(data)
    values["related_codes"] = "，".join(data.get("related_codes") or [])
    return values
