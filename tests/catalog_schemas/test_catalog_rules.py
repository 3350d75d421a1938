from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from catalog_schemas import DataItemSchema, LocalCodes, ResourceSchema, configure_local_codes
from catalog_schemas.codes import DATA_TYPES, FORMATS, SHARE_TYPES

BASE = {
    "classification_code": "101001",
    "name": "人口基础信息",
    "summary": "摘要",
    "format_class": "电子文件",
    "format_detail": "PDF",
    "share_type": "无条件共享",
    "share_method_class": "共享平台方式",
    "share_method_platform": "文件",
    "open_type": "不予开放",
    "update_cycle": "每月",
    "publish_date": "2025-06-30",
}


def errors_of(**changes):
    try:
        ResourceSchema().load({**BASE, **changes})
    except ValidationError as exc:
        return exc.messages
    return {}


def test_valid_entry_normalises():
    data = ResourceSchema().load(BASE)
    assert data["format_detail"] == "pdf"
    assert data["share_condition"] == "无条件"


def test_conditional_share_needs_conditions():
    assert "share_condition" in errors_of(share_type="有条件共享")
    assert errors_of(share_type="有条件共享", share_condition="仅限政务用途") == {}


def test_no_share_needs_legal_basis_and_no_method():
    errs = errors_of(share_type="不予共享")
    assert "share_condition" in errs and "share_method_class" in errs
    assert "share_condition" in errors_of(
        share_type="不予共享",
        share_condition="无条件",
        share_method_class=None,
        share_method_platform=None,
    )
    assert (
        errors_of(
            share_type="不予共享",
            share_condition="《中华人民共和国统计法》第三十九条",
            share_method_class=None,
            share_method_platform=None,
        )
        == {}
    )


def test_share_method_structure():
    assert "share_method_class" in errors_of(share_method_class=None, share_method_platform=None)
    assert "share_method_platform" in errors_of(share_method_platform=None)
    assert "share_method_platform" in errors_of(share_method_class="邮件方式")
    assert errors_of(share_method_class="介质方式", share_method_platform=None) == {}


def test_open_with_conditions_needs_them():
    assert "open_condition" in errors_of(open_type="有条件开放")
    assert errors_of(open_type="有条件开放", open_condition="脱敏后开放") == {}


def test_formats():
    assert "format_detail" in errors_of(format_class="自描述格式", format_detail=None)
    assert errors_of(format_class="自描述格式", format_detail="GeoJSON") == {}
    assert "format_detail" in errors_of(
        format_class="数据库", format_detail="MongoDB", items=[{"name": "a", "data_type": "C"}]
    )
    assert "format_class" in errors_of(format_class="纸质")


@pytest.mark.parametrize("format_class", ["数据库", "电子表格"])
def test_items_required_for_database_and_spreadsheet(format_class):
    detail = FORMATS[format_class][0]
    assert "items" in errors_of(format_class=format_class, format_detail=detail, items=[])
    assert (
        errors_of(
            format_class=format_class,
            format_detail=detail,
            items=[{"name": "姓名", "data_type": "C"}],
        )
        == {}
    )


def test_data_types_all_eleven_and_alias():
    for letter, label in DATA_TYPES.items():
        assert DataItemSchema().load({"name": "x", "data_type": label})["data_type"] == label
        assert (
            DataItemSchema().load({"name": "x", "data_type": letter.lower()})["data_type"] == label
        )
    assert DataItemSchema().load({"name": "x", "data_type": "字符串型C"})["data_type"] == "字符型C"
    with pytest.raises(ValidationError) as exc:
        DataItemSchema().load({"name": "x", "data_type": "字符"})
    assert "data_type" in exc.value.messages
    assert len(DATA_TYPES) == 11


def test_dates():
    assert "publish_date" in errors_of(publish_date="2025/06/30")
    assert "publish_date" in errors_of(publish_date="2025-02-30")


def test_update_cycles_come_from_configuration():
    try:
        configure_local_codes(LocalCodes(extra_update_cycles=()))
        assert "update_cycle" in errors_of(update_cycle="不定期")
        configure_local_codes(LocalCodes(extra_update_cycles=("不定期", "每两年")))
        assert errors_of(update_cycle="每两年") == {}
    finally:
        configure_local_codes(LocalCodes())


@given(
    st.sampled_from(SHARE_TYPES),
    st.text(max_size=5),
    st.sampled_from(["共享平台方式", "邮件方式", "介质方式", None]),
    st.sampled_from(["库表", "接口", "文件", None]),
)
def test_share_rules_property(share_type, condition, method, platform):
    """The loader accepts exactly the combinations the standard allows."""
    errs = errors_of(
        share_type=share_type,
        share_condition=condition or None,
        share_method_class=method,
        share_method_platform=platform,
    )
    cond = condition.strip()
    ok = True
    if share_type == "有条件共享" and not cond:
        ok = False
    if share_type == "不予共享" and (not cond or cond == "无条件" or method or platform):
        ok = False
    if share_type != "不予共享" and (not method or (method == "共享平台方式") != bool(platform)):
        ok = False
    if any(
        ch not in "\t\n\r" and (ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF) for ch in condition
    ):
        ok = False  # text that cannot be stored is refused whatever the rule
    assert (errs == {}) == ok, (share_type, condition, method, platform, errs)
