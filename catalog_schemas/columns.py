"""The columns of the catalog spreadsheet: field, Chinese header, header synonyms seen in
real templates, the hint shown to whoever fills it in, and the code list behind a
drop-down. Readers, writers, the template and the exports all use this one table."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from . import codes
from .catalog import OPEN_TYPES


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    synonyms: tuple[str, ...] = ()
    hint: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False


# A cell holding one of these clears the stored value; an empty cell keeps it.
CLEAR_MARKERS = ("#清空", "#CLEAR", "〔清空〕")
LIST_SEPARATORS = (";", "；", "、", ",", "，", "\n")
COLLECTION_MODES_ZH = {"原始采集": "collected", "共享获取": "obtained"}

RESOURCE_SHEET = "信息资源"
ITEM_SHEET = "信息项"
KEY = Column(
    "key", "资源序号", ("序号", "行号", "资源编号"), "信息项表用它（或信息资源代码）关联到资源"
)

RESOURCE_COLUMNS: tuple[Column, ...] = (
    KEY,
    Column("code", "信息资源代码", ("资源代码", "目录代码"), "新登记的资源留空，由系统生成"),
    Column(
        "classification_code",
        "信息资源分类",
        ("分类码", "分类代码", "资源分类", "信息资源分类码"),
        "类(1位)+项(2位)+目(3位)+细目，如 101001",
        required=True,
    ),
    Column("name", "信息资源名称", ("资源名称", "目录名称"), required=True),
    Column("provider_name", "信息资源提供方", ("提供方", "提供单位", "提供部门")),
    Column(
        "provider_code",
        "提供方代码",
        ("提供方统一社会信用代码", "提供单位代码", "统一社会信用代码"),
    ),
    Column("summary", "信息资源摘要", ("摘要", "资源摘要", "内容摘要"), required=True),
    Column(
        "format_class",
        "信息资源格式",
        ("资源格式", "格式分类", "格式类型"),
        choices=tuple(codes.FORMATS),
        required=True,
    ),
    Column(
        "format_detail",
        "格式说明",
        ("具体格式", "格式明细"),
        "如 oracle、xlsx、pdf；自描述格式须说明",
    ),
    Column(
        "share_type", "共享类型", ("共享属性", "共享类别"), choices=codes.SHARE_TYPES, required=True
    ),
    Column(
        "share_condition",
        "共享条件",
        ("共享依据", "不予共享依据"),
        "有条件共享写条件，不予共享写法律依据",
    ),
    Column("share_method_class", "共享方式", ("共享方式分类",), choices=codes.SHARE_METHOD_CLASSES),
    Column(
        "share_method_platform",
        "共享平台方式",
        ("平台共享方式", "共享方式类型"),
        choices=codes.PLATFORM_SHARE_METHODS,
    ),
    Column(
        "open_type", "开放属性", ("是否向社会开放", "开放类型"), choices=OPEN_TYPES, required=True
    ),
    Column("open_condition", "开放条件", ()),
    Column(
        "update_cycle",
        "更新周期",
        ("更新频率", "更新频度"),
        choices=codes.NATIONAL_UPDATE_CYCLES,
        required=True,
    ),
    Column("publish_date", "发布日期", ("发布时间",), "YYYY-MM-DD", required=True),
    Column("related_codes", "关联资源代码", ("关联资源",), "多个用分号分隔"),
    Column(
        "system_codes",
        "产生系统",
        ("系统编码", "来源系统编码"),
        "产生该资源的信息系统编码，多个用分号分隔",
    ),
)

# Written by exports after the resource columns, never read back (an import ignores them):
# what the catalog says about an entry to reusers, set by the provider's publication
# settings rather than per entry (services/publication.py).
PUBLICATION_COLUMNS: tuple[Column, ...] = (
    Column("licence_title", "许可协议"),
    Column("licence_url", "许可协议地址"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系人电话"),
    Column("contact_email", "联系人邮箱"),
    Column("keywords", "关键词"),
    Column("modified", "最后修改时间"),
    Column("landing_page", "资源页面"),
)

ITEM_COLUMNS: tuple[Column, ...] = (
    KEY,
    Column("resource_code", "信息资源代码", ("资源代码",), "已登记资源可直接填代码"),
    Column("name", "信息项名称", ("数据项名称", "字段名称", "信息项", "数据项"), required=True),
    Column(
        "data_type",
        "数据类型",
        ("字段类型", "类型"),
        choices=tuple(codes.DATA_TYPES.values()),
        required=True,
    ),
    Column("length", "数据长度", ("长度", "字段长度")),
    Column("description", "信息项描述", ("描述", "说明", "备注")),
    Column("collection_mode", "采集方式", ("数据来源方式",), choices=tuple(COLLECTION_MODES_ZH)),
    Column("share_type", "信息项共享类型", ("信息项共享属性",), choices=codes.SHARE_TYPES),
    Column("open_type", "信息项开放属性", (), choices=OPEN_TYPES),
    Column("element_identifier", "数据元标识符", ("数据元", "数据元编码")),
)


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    for junk in ("*", "（必填）", "(必填)", "必填", " ", "\u3000", "\n", "\t", "：", ":"):
        text = text.replace(junk, "")
    return text.strip()


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    index = {}
    for col in columns:
        for name in (col.header, *col.synonyms):
            index[normalise_header(name)] = col
    return index
