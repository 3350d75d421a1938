"""Chinese text segmentation, the same for every search backend.

The backends never segment Chinese themselves: documents reach SQLite FTS5, PostgreSQL
and the search engine as space-separated tokens made here, and queries are turned into
the same tokens here, so one query finds the same resources on every backend.

Segmentation is jieba's dictionary through its Rust port (``rjieba``, jieba-rs). On the
demo county's 1,329 catalog texts its precise and search modes give exactly jieba 0.42's
words, and its full mode gives jieba's words plus every single character (which the index
adds anyway). It is 6 to 7 times faster in the full mode used for indexing
(``benchmarks/search.py``, 20,000 province documents, four runs: jieba 1.5–1.7 M chars/s,
rjieba 9.8–12.4 M chars/s) and loads its dictionary in microseconds instead of half a second.

Index side: every dictionary word found anywhere in the text and every Chinese character
on its own (jieba's full mode: ``人口基础信息库`` gives 人, 人口, 口, 基, 基础, … 信息库, 库),
so a one-character query works, and so does any word inside a longer one (公民身份号码
inside the element name 监护人公民身份号码, which search mode would not split out).
Query side: the precise segmentation; each query word must occur. Every query word is a
dictionary word or a single character, so it is found wherever it occurs in a text.
Latin words, numbers and codes (信息资源代码 ``101001/000001``, 统一社会信用代码) stay whole,
lower-cased, so they match exactly; their parts are indexed as well.
HMM guessing of unknown words is off on both sides: it depends on context, so the same
name could be cut one way in a document and another way in a query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import rjieba

from catalog_schemas.elements import ELEMENTS

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# One run of a code or a Latin word: letters/digits, joined by - / . _ : inside.
_RUN = re.compile(rf"(?P<code>[0-9a-z](?:[0-9a-z\-/._:]*[0-9a-z])?)|(?P<cjk>[{_CJK}]+)")
_CODE_SEPARATORS = re.compile(r"[\-/._:]+")
_CJK_ONLY = re.compile(rf"[{_CJK}]+")


@cache
def _segmenter() -> rjieba.Jieba:
    """jieba's dictionary plus the data-element dictionary's names and synonyms as words."""
    segmenter = rjieba.Jieba()
    for element in ELEMENTS:
        for word in (element.name, *element.synonyms):
            word = normalise(word)
            if _CJK_ONLY.fullmatch(word):
                segmenter.add_word(word, None, None)
    return segmenter


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC) and lower case: what both sides see."""
    return unicodedata.normalize("NFKC", text).lower()


def index_tokens(text: str | None) -> list[str]:
    """The tokens a document field is indexed under, in text order (repeats kept: tf)."""
    if not text:
        return []
    if len(text) <= _REMEMBERED_LENGTH:
        return list(_remembered_tokens(text))
    return list(_index_tokens(text))


# Short texts recur across documents (item names, departments, share types, cycles: most
# of a document's ~36 texts, a few thousand distinct in a province); names and summaries
# seldom do. Remembering the short ones tokenized documents 3.3x as fast (4,100 → 13,600 a
# second), in at most ~20 MB. The segmenter's dictionary is fixed for the process.
_REMEMBERED_LENGTH = 32


@lru_cache(maxsize=1 << 15)
def _remembered_tokens(text: str) -> tuple[str, ...]:
    return _index_tokens(text)


def _index_tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    segmenter = _segmenter()
    for m in _RUN.finditer(normalise(text)):
        code = m["code"]
        if code is not None:
            tokens.append(code)
            parts = [p for p in _CODE_SEPARATORS.split(code) if p]
            if len(parts) > 1:
                tokens.extend(parts)
            continue
        words = segmenter.cut_all(m["cjk"])
        tokens.extend(words)
        # Full mode leaves out characters the dictionary does not know (丄): add them.
        known = {w for w in words if len(w) == 1}
        tokens.extend(ch for ch in m["cjk"] if ch not in known)
    return tuple(tokens)


def query_words(text: str | None) -> list[str]:
    """The words of a query, each of which must occur in a hit (precise mode)."""
    if not text:
        return []
    words: list[str] = []
    segmenter = _segmenter()
    for m in _RUN.finditer(normalise(text)):
        if m["code"] is not None:
            words.append(m["code"])
        else:
            words.extend(segmenter.cut(m["cjk"], False))
    return _unique(words)


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def joined(tokens: Iterable[str]) -> str:
    """Tokens as one whitespace-separated string, the form the backends index."""
    return " ".join(tokens)
