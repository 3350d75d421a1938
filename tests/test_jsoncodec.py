"""jsoncodec reads JSON as the standard library reads it, for every value our documents can
hold (integers of 64 bits at most: database integers); and writes what it reads back."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from registry import jsoncodec

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500)
@given(_VALUES, st.booleans())
def test_reads_what_the_standard_library_writes_as_it_reads_it(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    for data in (text, text.encode(), memoryview(text.encode())):
        assert jsoncodec.loads(data) == json.loads(text)


@settings(max_examples=500)
@given(_VALUES)
def test_writes_utf8_json_that_reads_back(value):
    data = jsoncodec.dumps(value)
    assert json.loads(data) == value
    assert jsoncodec.loads(data) == value


def test_what_orjson_refuses_is_read_as_the_standard_library_reads_it():
    assert math.isnan(jsoncodec.loads('{"x": NaN}')["x"])
    assert jsoncodec.loads("[Infinity, -Infinity]") == [math.inf, -math.inf]
    assert jsoncodec.loads('"\\ud800"') == "\ud800"  # a lone surrogate


def test_keys_that_are_not_strings_are_written_as_strings():
    assert json.loads(jsoncodec.dumps({1: "a", "b": {2: None}})) == {"1": "a", "b": {"2": None}}
    assert "政务" in jsoncodec.dumps({"name": "政务"}).decode()  # not \u-escaped


def test_an_integer_past_64_bits_is_why_it_reads_only_our_own_json():
    # The limit its docstring states: if orjson ever reads such integers whole, or
    # refuses them, this fails and the limit can go.
    assert jsoncodec.loads("[-9223372036854775809]") != [-(2**63) - 1]
