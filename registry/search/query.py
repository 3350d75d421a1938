"""From the user's words to a structured query, with synonyms from the data-element dictionary.

Each query word becomes a ``TermGroup``. When the word is the name or a synonym of a
data element (数据元), the element's other names join the group as alternatives: a
query for 身份证号 also finds resources whose items say 公民身份号码. The expansion is
returned with the results, so users see why a hit matched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import DataElement
from .base import TermGroup
from .tokenize import normalise, query_words


@dataclass(frozen=True)
class Synonyms:
    """normalised word → (element identifier, every name of the element)."""

    by_word: dict[str, tuple[str, tuple[str, ...]]]

    @classmethod
    def from_rows(cls, rows) -> Synonyms:
        by_word: dict[str, tuple[str, tuple[str, ...]]] = {}
        for identifier, name, synonyms in rows:
            names = tuple(dict.fromkeys([name, *(synonyms or [])]))
            for word in names:
                by_word.setdefault(normalise(word), (identifier, names))
        return cls(by_word)


_kept: dict[tuple[str, str], tuple[float, Any, Any]] = {}


def kept_until_changed(
    session: Session, model, load: Callable[[Session], Any], *, recheck_after: float = 0.0
) -> Any:
    """``load(session)``, a view of ``model``'s table, loaded again only when the table
    changed (its row count, latest update and versions); whether it changed is asked at
    most every ``recheck_after`` seconds (config SEARCH_SYNONYMS_RECHECK)."""
    bind = session.get_bind()
    key = (str(getattr(bind, "engine", bind).url), model.__tablename__)
    cached = _kept.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < recheck_after:
        return cached[2]
    stamp = tuple(
        session.execute(
            select(func.count(), func.max(model.updated_at), func.sum(model.version))
        ).one()
    )
    if cached is None or cached[1] != stamp:
        cached = (now, stamp, load(session))
    _kept[key] = (now, cached[1], cached[2])
    return cached[2]


def load_synonyms(session: Session, *, recheck_after: float = 0.0) -> Synonyms:
    """The dictionary's synonyms, reloaded only when the dictionary changed."""

    def load(session: Session) -> Synonyms:
        return Synonyms.from_rows(
            session.execute(select(DataElement.identifier, DataElement.name, DataElement.synonyms))
        )

    return kept_until_changed(session, DataElement, load, recheck_after=recheck_after)


def parse(text: str | None, synonyms: Synonyms | None = None) -> tuple[TermGroup, ...]:
    groups = []
    for word in query_words(text):
        alternatives = [(word,)]
        element = None
        entry = synonyms.by_word.get(word) if synonyms else None
        if entry:
            element, names = entry
            for name in names:
                tokens = tuple(query_words(name))
                if tokens and tokens not in alternatives:
                    alternatives.append(tokens)
        groups.append(TermGroup(text=word, alternatives=tuple(alternatives), element=element))
    return tuple(groups)


def describe(groups: tuple[TermGroup, ...]) -> dict[str, Any]:
    """The query as it was understood: its words and what each was expanded to."""
    return {
        "terms": [g.text for g in groups],
        "synonyms": [
            {
                "term": g.text,
                "element": g.element,
                "expanded_to": [" ".join(alt) for alt in g.alternatives[1:]],
            }
            for g in groups
            if len(g.alternatives) > 1
        ],
    }
