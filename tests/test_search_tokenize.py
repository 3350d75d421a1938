"""The one tokenizer every backend shares."""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.search.base import TermGroup, decode_cursor, encode_cursor
from registry.search.query import Synonyms, describe, parse
from registry.search.sql import (
    TermCounts,
    _lexeme,
    document_terms,
    lexeme_terms,
    tsvector_text,
)
from registry.search.tokenize import index_tokens, query_words

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
TEXT = st.text(
    st.one_of(CJK, st.sampled_from("人口基础信息库身份号码登记企业法人 /-._:ABCxyz0123（）,，")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_every_query_word_of_a_text_is_an_index_token_of_it(text):
    """So a document is always found by any part of its own text."""
    tokens = set(index_tokens(text))
    assert set(query_words(text)) <= tokens


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_a_chinese_query_finds_its_words_inside_any_longer_text(prefix, q, suffix):
    """Chinese words are found wherever they occur; codes and Latin words match whole
    (the test above covers them), so "ab" inside "xaby" is rightly not a word of it."""
    tokens = set(index_tokens(prefix + q + suffix))
    for word in query_words(q):
        if not word.isascii():
            assert word in tokens, word


def test_words_and_single_characters():
    tokens = index_tokens("人口基础信息库")
    assert {"人口", "基础", "信息库", "人", "库"} <= set(tokens)
    assert query_words("人口基础信息库") == ["人口", "基础", "信息库"]
    assert query_words("口") == ["口"]


def test_codes_and_latin_words_stay_whole_and_lower_case():
    tokens = index_tokens("代码 101001/000001，信用代码 91330100MA2XXXXX1X，GB/T 2261.1 API")
    assert {"101001/000001", "91330100ma2xxxxx1x", "gb/t", "2261.1", "api"} <= set(tokens)
    assert {"101001", "000001", "gb"} <= set(tokens)  # parts of a code are indexed too
    assert query_words("101001/000001") == ["101001/000001"]
    assert query_words("ＡＰＩ") == ["api"]  # full-width folds to half-width


def test_dictionary_names_are_single_words():
    assert query_words("公民身份号码") == ["公民身份号码"]
    assert "公民身份号码" in index_tokens("监护人公民身份号码")


def test_synonyms_expand_and_are_described():
    synonyms = Synonyms.from_rows([("GMSFHM", "公民身份号码", ["身份证号", "身份证号码"])])
    (group,) = parse("身份证号", synonyms)
    assert group.alternatives == (("身份证号",), ("公民身份号码",), ("身份证号码",))
    assert describe((group,))["synonyms"] == [
        {"term": "身份证号", "element": "GMSFHM", "expanded_to": ["公民身份号码", "身份证号码"]}
    ]
    assert parse("姓名", synonyms) == (TermGroup("姓名", (("姓名",),)),)


INT64 = st.integers(-(2**63), 2**63 - 1)  # sort keys are database values


@given(
    st.sampled_from(["relevance", "name", "-updated_at"]),
    st.tuples(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=20).filter(lambda t: "\x00" not in t),
            INT64,
        ),
        INT64,
    ),
)
def test_cursors_round_trip(sort, key):
    assert decode_cursor(encode_cursor(sort, key), sort) == key


@given(st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1)))
def test_cursors_out_of_range_are_refused(big):
    import pytest

    with pytest.raises(ValueError):
        decode_cursor(encode_cursor("relevance", (0.0, big)), "relevance")


@given(
    st.dictionaries(
        st.sampled_from(["name", "summary", "items", "other"]),
        st.lists(st.text(min_size=1, max_size=6), max_size=8),
    )
)
def test_document_lexemes_and_their_tsvector_text(fields):
    """One lexeme per field and distinct token, quoted as PostgreSQL reads it (a quote or
    a backslash escaped, though our tokens hold neither); the term counts add each lexeme
    and each distinct token once, the same whether read off the fields or the lexemes."""
    fields = {f: fields.get(f, []) for f in ("name", "summary", "items", "other")}
    terms = document_terms(fields)
    letters = {"name": "A", "summary": "B", "items": "C", "other": "D"}
    lexemes = [f"{letter}:{t}" for letter, tokens in terms for t in tokens]
    assert sorted(lexemes) == sorted({f"{letters[f]}:{t}" for f, ts in fields.items() for t in ts})
    assert tsvector_text(terms) == " ".join(map(_lexeme, lexemes))
    counts = TermCounts()
    counts.add(terms, 7)
    counts.add(terms, 5)
    expected = Counter({lexeme: 2 for lexeme in lexemes})
    expected.update({f"*:{t}": 2 for ts in fields.values() for t in ts})
    expected.update({"#:documents": 2, "#:length": 12})
    assert counts.keyed() == expected
    back = TermCounts()
    back.add(lexeme_terms(lexemes), 7)
    back.add(lexeme_terms(reversed(lexemes)), 5)
    assert back.keyed() == expected


# Full-width letters, digits and punctuation are folded; σ/ς and İ change case oddly; a
# text's own line breaks and control characters must not shift where the page-wide pass
# thinks its texts start.
HIGHLIGHT_TEXT = st.text(
    st.sampled_from("人口身份号码登记ＡＢａA１1 <&>\u3000，（Σσςİi\n\x00\x01"), max_size=12
)
# Most pages hold nothing to fold or escape: the one-substitution path needs them too.
PLAIN_TEXT = st.text(st.sampled_from("人口身份号码登记Aa1 σi"), max_size=12)
HIGHLIGHT_DOCUMENT = st.fixed_dictionaries(
    {
        "name": HIGHLIGHT_TEXT | PLAIN_TEXT,
        "summary": HIGHLIGHT_TEXT | PLAIN_TEXT,
        "items": st.lists(PLAIN_TEXT, max_size=25) | st.lists(HIGHLIGHT_TEXT, max_size=25),
        "systems": st.lists(PLAIN_TEXT, max_size=3),
        "provider_name": PLAIN_TEXT,
    }
)


@settings(max_examples=400, deadline=None)
@given(
    # No query word holds a separator (tokens hold no control character), but if one did:
    st.lists(
        st.text(st.sampled_from("人口身份号码登记Aa1σi\x00"), min_size=1, max_size=3), min_size=1
    ),
    st.lists(HIGHLIGHT_DOCUMENT, min_size=1, max_size=4),
)
@example(  # a text that holds the page's separators, and nothing else to fold or escape
    ["口"],
    [
        {
            "name": "人\x01口",
            "summary": "",
            "items": ["口\x00人", "口"],
            "systems": [],
            "provider_name": "",
        },
        {"name": "口", "summary": "", "items": [], "systems": ["口"], "provider_name": "口"},
    ],
)
def test_highlights_are_those_of_each_text_marked_alone(words, documents):
    """The page-wide passes (the search that skips unmarked fields, the substitution that
    marks a whole field of the page) change nothing they return."""
    from registry.services.search import _mark, highlighter, highlights

    pattern = highlighter(tuple(TermGroup(w, ((w,),)) for w in words))
    expected = []
    for document in documents:
        found = {}
        for field in ("name", "summary", "items", "systems", "provider_name"):
            value = document[field]
            texts = value if isinstance(value, list) else [value]
            marked = [m for m in (_mark(t, pattern) for t in texts if t) if m]
            if marked:
                found[field] = marked[:10]
        expected.append(found)
    assert highlights(documents, pattern) == expected


def test_a_text_is_matched_as_the_index_folds_it_and_marked_in_its_own_characters():
    """Full-width letters and compatibility characters match their folded query word
    (NFKC, as the index saw them) and keep their own form inside the mark; a text that
    folding would lengthen (İ lower-cased is two characters) is matched as it is."""
    from registry.services.search import _mark, highlighter, highlights

    pattern = highlighter((TermGroup("api", (("api",),)), TermGroup("1号", (("1号",),))))
    assert _mark("ＡＰＩ接口，（①号）", pattern) == "<mark>ＡＰＩ</mark>接口，（<mark>①号</mark>）"
    assert _mark("İ api", pattern) == "İ <mark>api</mark>"
    assert _mark("接口 <Api>", pattern) == "接口 &lt;<mark>Api</mark>&gt;"
    assert _mark("接口", pattern) is None
    page = [
        {
            "name": "ＡＰＩ",
            "summary": "",
            "items": ["İ", "①号&"],
            "systems": [],
            "provider_name": "",
        },
        {"name": "无", "summary": "API", "items": [], "systems": [], "provider_name": "ＡＰＩ"},
    ]
    assert highlights(page, pattern) == [
        {"name": ["<mark>ＡＰＩ</mark>"], "items": ["<mark>①号</mark>&amp;"]},
        {"summary": ["<mark>API</mark>"], "provider_name": ["<mark>ＡＰＩ</mark>"]},
    ]


def test_the_characters_taken_as_folded_are_their_own_folds():
    """``_STABLE``: NFKC and lower case leave each as it is (an ASCII capital is matched
    by IGNORECASE as its fold), so a page of them alone is matched unfolded."""
    import re
    import unicodedata

    from registry.services.search import _STABLE

    stable = [c for c in map(chr, range(0x10000)) if re.fullmatch(f"[{_STABLE}]", c)]
    assert len(stable) > 27_000  # the CJK ideographs are there
    for c in stable:
        fold = unicodedata.normalize("NFKC", c).lower()
        assert fold == c or (c.isascii() and fold == c.lower()), hex(ord(c))
