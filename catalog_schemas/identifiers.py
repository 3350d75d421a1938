"""Identifier rules: 统一社会信用代码 (GB 32100), 组织机构代码 (GB 11714), 信息资源代码."""

from __future__ import annotations

import re

from .codes import SUBJECTS

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")

CLASSIFICATION_RE = re.compile(
    r"^(?P<cat>[1-3])(?P<subject>\d{2})(?P<item>\d{3})(?P<detail>\d{0,6})$"
)
RESOURCE_CODE_RE = re.compile(r"^(?P<classification>[1-3]\d{5}\d{0,6})/(?P<sequence>\d{6,})$")
SEQUENCE_WIDTH = 6


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 per GB 32100-2015."""
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of a 组织机构代码 per GB 11714-1997."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_error(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or None when it is."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if not _CREDIT_RE.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def classification_error(code: str) -> str | None:
    m = CLASSIFICATION_RE.match(code)
    if not m:
        return "分类码应为 类(1位) + 项(2位) + 目(3位) + 细目(可选数字)"
    if m["subject"] not in SUBJECTS[m["cat"]]:
        return f"类“{m['cat']}”下没有项“{m['subject']}”"
    return None


def classification_path(code: str) -> list[str]:
    """Human names along the classification path, as far as the code lists know them."""
    m = CLASSIFICATION_RE.match(code)
    if not m:
        return []
    from .codes import CATEGORY_NAMES

    path = [CATEGORY_NAMES[m["cat"]]]
    subject = SUBJECTS[m["cat"]].get(m["subject"])
    if subject:
        path.append(subject)
    return path


def resource_code_error(code: str) -> str | None:
    m = RESOURCE_CODE_RE.match(code)
    if not m:
        return "信息资源代码应为 分类码 + “/” + 顺序码（至少6位数字）"
    return classification_error(m["classification"])


def format_resource_code(classification: str, sequence: int) -> str:
    return f"{classification}/{sequence:0{SEQUENCE_WIDTH}d}"
