"""Code lists of the catalog metadata standard (政务信息资源目录编制指南（试行）, 2017).

Values are stored as the standard spells them, in Chinese, so exports read like the
paper catalog. Local extras (更新周期 beyond the six national values, share-request
deadlines) are set once per process by ``configure_local_codes`` from configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# 信息资源分类: 类 → 项.
CATEGORY_NAMES = {"1": "基础信息资源", "2": "主题信息资源", "3": "部门信息资源"}
SUBJECTS: dict[str, dict[str, str]] = {
    "1": {
        "01": "人口",
        "02": "法人单位",
        "03": "自然资源和空间地理",
        "04": "社会信用",
        "05": "电子证照",
    },
    "2": {
        "01": "公共服务",
        "02": "健康保障",
        "03": "社会保障",
        "04": "食品药品安全",
        "05": "安全生产",
        "06": "价格监管",
        "07": "能源安全",
        "08": "信用体系",
        "09": "城乡建设",
        "10": "社区治理",
        "11": "生态环保",
        "12": "应急维稳",
    },
    # 部门信息资源: 项 by the department's place in the state structure.
    "3": {
        "01": "党委",
        "02": "人大",
        "03": "政府",
        "04": "政协",
        "05": "法院",
        "06": "检察院",
        "07": "事业单位",
        "08": "乡镇",
        "09": "群团组织",
    },
}

SHARE_UNCONDITIONAL = "无条件共享"
SHARE_CONDITIONAL = "有条件共享"
SHARE_NONE = "不予共享"
SHARE_TYPES = (SHARE_UNCONDITIONAL, SHARE_CONDITIONAL, SHARE_NONE)

SHARE_METHOD_PLATFORM = "共享平台方式"
SHARE_METHOD_CLASSES = (SHARE_METHOD_PLATFORM, "邮件方式", "介质方式")
# Under the platform: 数据库(库表) / 接口(服务) / 文件.
PLATFORM_SHARE_METHODS = ("库表", "接口", "文件")
# How departments' own workbooks spell them.
_PLATFORM_SPELLINGS = {
    "库表": "库表",
    "数据库": "库表",
    "数据库(库表)": "库表",
    "库表(数据库)": "库表",
    "接口": "接口",
    "服务": "接口",
    "接口(服务)": "接口",
    "服务接口": "接口",
    "文件": "文件",
}
_PLATFORM_CLASS_SPELLINGS = ("共享平台方式", "共享平台", "平台方式", "平台")
_COMBINED = re.compile(
    r"^\s*(" + "|".join(_PLATFORM_CLASS_SPELLINGS) + r")\s*[/／\-—–:：(\s]\s*(.+?)\s*\)?\s*$"
)


def platform_share_method(text: str) -> str | None:
    """库表 / 接口 / 文件 from the ways a sheet writes them (数据库, 接口(服务) …)."""
    key = text.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    return _PLATFORM_SPELLINGS.get(key)


def split_share_method(text: str) -> tuple[str, str] | None:
    """A combined share-method cell, as many departments write it: 共享平台方式/接口,
    共享平台方式（接口）, 平台-接口 → (共享平台方式, 接口); None when it is not one."""
    m = _COMBINED.match(text.replace("（", "(").replace("）", ")"))
    if not m:
        return None
    platform = platform_share_method(m.group(2))
    return (SHARE_METHOD_PLATFORM, platform) if platform else None


FORMATS: dict[str, tuple[str, ...]] = {
    "电子文件": ("OFD", "wps", "xml", "txt", "doc", "docx", "html", "pdf", "ppt"),
    "电子表格": ("et", "xls", "xlsx"),
    "数据库": (
        "Dm",
        "KingbaseES",
        "access",
        "dbf",
        "dbase",
        "sysbase",
        "oracle",
        "sql server",
        "db2",
    ),
    "图形图像": ("jpg", "gif", "bmp"),
    "流媒体": ("swf", "rm", "mpg"),
    "自描述格式": (),
    "其他": (),
}
# Classes whose detail is free text that the provider must write.
FORMATS_DESCRIBED_BY_PROVIDER = ("自描述格式", "其他")
# Art.: 信息项信息 is required for these classes.
FORMATS_REQUIRING_ITEMS = ("数据库", "电子表格")

DATA_TYPES = {
    "C": "字符型C",
    "N": "数值型N",
    "Y": "货币型Y",
    "D": "日期型D",
    "T": "日期时间型T",
    "L": "逻辑型L",
    "M": "备注型M",
    "G": "通用型G",
    "B": "双精度型B",
    "I": "整型I",
    "F": "浮点型F",
}
DATA_TYPE_ALIASES = {"字符串型C": "字符型C"}

NATIONAL_UPDATE_CYCLES = ("实时", "每日", "每周", "每月", "每季度", "每年")

COLLECTION_MODES = ("collected", "obtained")  # 原始采集 / 共享获取

DEPARTMENT_KINDS = (
    "党委",
    "人大",
    "政府",
    "政协",
    "法院",
    "检察院",
    "事业单位",
    "乡镇",
    "群团组织",
)

RESOURCE_STATUSES = ("draft", "submitted", "published", "retired")

PROJECT_STAGES = (
    "planned",
    "proposal",
    "feasibility",
    "preliminary_design",
    "technical_review",
    "construction",
    "acceptance_requested",
    "accepted",
)
PROJECT_STAGE_LABELS = {
    "planned": "储备",
    "proposal": "项目建议书",
    "feasibility": "可行性研究",
    "preliminary_design": "初步设计",
    "technical_review": "技术评审",
    "construction": "建设实施",
    "acceptance_requested": "申请验收",
    "accepted": "已验收",
}

SYSTEM_DEPLOYMENTS = ("政务云", "政务外网", "其他")
SYSTEM_STATUSES = ("planned", "building", "in_use", "retired")

INTERFACE_KINDS = ("api", "table", "file")
# Set by the interface_health job (registry/services/probes.py), never typed in.
INTERFACE_HEALTH = ("unknown", "up", "slow", "failing", "down")

FLOW_ORIGINS = ("declared", "observed")


# 部门职能: the functions the element dictionary names as authoritative sources (一数一源,
# catalog_schemas.elements.SOURCE_DEPARTMENTS), each with the name stems that propose it
# for a new department ("县公安局" → 公安). 其他: confirmed as no source, not merely unknown.
# A county adds its own in configuration (DEPARTMENT_FUNCTIONS_EXTRA).
DEPARTMENT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "公安": ("公安局", "公安分局"),
    "市场监管": ("市场监督管理局", "市场监管局"),
    "自然资源": ("自然资源",),
    "发改": ("发展和改革", "发改委", "发改局"),
    "大数据": ("大数据", "数据资源管理"),
    "民政": ("民政局",),
    "人社": ("人力资源和社会保障", "人社局"),
    "卫健": ("卫生健康", "卫健委", "卫健局"),
    "教育": ("教育局", "教育和体育局", "教体局"),
    "其他": (),
}


@dataclass(frozen=True)
class LocalCodes:
    """Code lists that differ between provinces and counties *(local)*."""

    extra_update_cycles: tuple[str, ...] = ("每半年", "不定期", "其他")
    share_request_deadline_days: int = 10
    extra_department_functions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def department_functions(self) -> dict[str, tuple[str, ...]]:
        return {**DEPARTMENT_FUNCTIONS, **self.extra_department_functions}

    def propose_function(self, name: str) -> str | None:
        """The function a department's name suggests (for the admin to confirm), if any."""
        for code, stems in self.department_functions.items():
            if any(stem in name for stem in stems):
                return code
        return None

    @property
    def update_cycles(self) -> tuple[str, ...]:
        return NATIONAL_UPDATE_CYCLES + tuple(
            c for c in self.extra_update_cycles if c not in NATIONAL_UPDATE_CYCLES
        )


@dataclass
class _Holder:
    codes: LocalCodes = field(default_factory=LocalCodes)


_local = _Holder()


def configure_local_codes(codes: LocalCodes) -> None:
    _local.codes = codes


def local_codes() -> LocalCodes:
    return _local.codes


def normalise_data_type(value: str) -> str | None:
    """Map '字符串型C', '字符型C' or a bare 'C' to the canonical '字符型C'."""
    value = value.strip()
    value = DATA_TYPE_ALIASES.get(value, value)
    if value in DATA_TYPES.values():
        return value
    return DATA_TYPES.get(value.upper())
