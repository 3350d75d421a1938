"""What the built-in backends deduce from the term counts alone (registry/search/sql.py,
``_sizes`` and ``_held_within``), checked against random documents read one by one: a
field said to hold a word in every hit does, a bound is never below the documents it
bounds, and fields said to hold a word nowhere hold it in no document. A wrong
deduction would score or skip hits silently, so the whole input space is searched."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.search.base import TermGroup
from registry.search.documents import TEXT_FIELDS
from registry.search.sql import ANY, _held_within, _sizes

TOKENS = ("户籍", "人口", "登记", "信用")

# Few documents, sparse fields: a token absent from whole fields is the case that matters.
documents = st.lists(
    st.fixed_dictionaries(
        {field: st.frozensets(st.sampled_from(TOKENS), max_size=2) for field in TEXT_FIELDS}
    ),
    max_size=6,
)
# A word and its synonyms: alternatives of one or two tokens (a document matches one
# when it holds each of its tokens, in whichever fields).
groups = st.lists(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=2, unique=True).map(tuple),
    min_size=1,
    max_size=3,
).map(lambda alternatives: TermGroup("词", tuple(alternatives)))
field_sets = st.lists(st.sampled_from(TEXT_FIELDS), min_size=1, max_size=4, unique=True)


def counts_of(docs: list[dict]) -> dict[str, dict[str, int]]:
    """Per token, per field and over every field, how many documents hold it: what
    search_terms keeps with the rows."""
    counts: dict[str, dict[str, int]] = {t: {} for t in TOKENS}
    for doc in docs:
        for t in TOKENS:
            held = [f for f in TEXT_FIELDS if t in doc[f]]
            for key in [*held, *([ANY] if held else [])]:
                counts[t][key] = counts[t].get(key, 0) + 1
    return counts


def matches(doc: dict, group: TermGroup, fields=TEXT_FIELDS) -> bool:
    held = frozenset().union(*(doc[f] for f in fields))
    return any(all(t in held for t in alt) for alt in group.alternatives)


@settings(max_examples=500)
@given(documents, groups)
def test_a_field_held_by_every_hit_and_its_bound(docs, group):
    counts = counts_of(docs)
    hits = [d for d in docs if matches(d, group)]
    sizes = _sizes(counts)
    for field in TEXT_FIELDS:
        upper, every = sizes(group, field, len(hits), True)
        holders = [d for d in hits if matches(d, group, (field,))]
        assert upper >= len(holders), (field, upper, holders)
        if every:
            assert len(holders) == len(hits), (field, hits)


@settings(max_examples=500)
@given(documents, groups, field_sets)
def test_fields_said_to_hold_a_word_nowhere_hold_it_in_no_document(docs, group, fields):
    if not _held_within(group, counts_of(docs), tuple(fields)):
        assert not any(matches(d, group, fields) for d in docs)
