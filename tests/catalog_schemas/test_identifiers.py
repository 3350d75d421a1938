from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from catalog_schemas.identifiers import (
    CREDIT_CODE_CHARSET,
    classification_error,
    credit_code_check_char,
    credit_code_error,
    format_resource_code,
    org_code_check_char,
    resource_code_error,
)

# Published, real unified social credit codes (GB 32100 examples seen on licences).
VALID = ["91350100M000100Y43", "91110000802100433B", "12100000400000624D", "11100000000013127D"]

bodies = st.text(alphabet=CREDIT_CODE_CHARSET, min_size=17, max_size=17)


def test_known_valid_codes():
    for code in VALID:
        assert credit_code_error(code) is None, code


def test_embedded_organisation_code_check():
    # 统一社会信用代码 positions 9-17 hold the old 组织机构代码 (GB 11714) with its own check.
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("80210043") == "3"


@given(bodies)
def test_generated_check_character_validates(body):
    assert credit_code_error(body + credit_code_check_char(body)) is None


@given(bodies, st.integers(0, 16), st.sampled_from(CREDIT_CODE_CHARSET))
def test_any_single_substitution_is_caught(body, pos, ch):
    code = body + credit_code_check_char(body)
    mutated = code[:pos] + ch + code[pos + 1 :]
    if mutated != code:
        assert credit_code_error(mutated) is not None


def test_bad_shapes():
    assert "18" in credit_code_error("9135010")
    assert "字符" in credit_code_error("91350100M000100I43")  # I is not used
    assert credit_code_error("91350100m000100y43") is not None


def test_classification_and_resource_codes():
    assert classification_error("101001") is None
    assert classification_error("2120010203") is None
    assert classification_error("106001") is not None  # 基础 has five 项
    assert classification_error("401001") is not None
    assert classification_error("1010") is not None
    assert resource_code_error("101001/000012") is None
    assert resource_code_error("101001/12") is not None
    assert resource_code_error("101001-000012") is not None
    assert format_resource_code("101001", 7) == "101001/000007"
    assert format_resource_code("101001", 1234567) == "101001/1234567"


@given(st.sampled_from(["101", "203", "309"]), st.integers(0, 999), st.integers(1, 10**8))
def test_generated_codes_round_trip(prefix, item, seq):
    cls = f"{prefix}{item:03d}"
    assert resource_code_error(format_resource_code(cls, seq)) is None
