"""The search contract: what every backend takes and returns.

A backend receives documents (built by ``documents.py``) and structured queries (built
by ``query.py``) and returns ``Page``s of the same shape. Nothing outside this package
sees FTS5, tsquery or engine syntax.
"""

from __future__ import annotations

import base64
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..authz import Visibility  # noqa: F401  (the backends' filter, decided in authz)
from ..errors import RegistryError

# Facet fields, in the order responses list them; each is a keyword field of a document.
FACETS = ("share_type", "category", "provider_id", "update_cycle", "status")
FACET_SIZE = 20
SORTS = ("relevance", "-updated_at", "updated_at", "name", "code")
MAX_LIMIT = 100
# Totals are exact up to this many hits, then reported as "at least" (Elasticsearch's
# track_total_hits default): counting a common word's 50,000 hits exactly costs more than
# ranking them, and nobody reads past "10,000+". Facets beyond it are lower bounds.
TOTAL_BOUND = 10_000


@dataclass(frozen=True)
class TermGroup:
    """One word of the query and what may stand for it: itself and its synonyms.

    ``alternatives`` holds token lists; a document matches the group when it holds every
    token of at least one alternative.
    """

    text: str
    alternatives: tuple[tuple[str, ...], ...]
    element: str | None = None  # identifier of the data element whose synonyms were added

    @property
    def tokens(self) -> set[str]:
        return {t for alt in self.alternatives for t in alt}


@dataclass(frozen=True)
class Query:
    groups: tuple[TermGroup, ...] = ()
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    visibility: Visibility = field(default_factory=Visibility)
    sort: str = "relevance"
    limit: int = 20
    after: tuple[Any, ...] | None = None  # the sort key of the last hit of the previous page
    facets: tuple[str, ...] = FACETS
    # None: count every hit (CKAN's package_search reports an exact count).
    total_bound: int | None = TOTAL_BOUND

    @property
    def effective_sort(self) -> str:
        return self.sort if self.groups or self.sort != "relevance" else "-updated_at"


@dataclass
class Hit:
    resource_id: int
    score: float | None
    document: dict[str, Any]
    sort_key: tuple[Any, ...]


@dataclass
class Page:
    """``total`` is exact when ``total_relation`` is "eq"; when it is "gte" there are more
    hits than the query's ``total_bound`` (``total`` is the bound), and each facet count
    is a lower bound of the value's true count."""

    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[Any, int]]]
    total_relation: str = "eq"

    @staticmethod
    def bounded(counted: int, bound: int | None) -> tuple[int, str]:
        """(total, relation) from a count that stopped after ``bound + 1`` hits."""
        if bound is not None and counted > bound:
            return bound, "gte"
        return counted, "eq"


@dataclass
class Health:
    ok: bool
    backend: str
    documents: int | None = None
    detail: str = ""


class SearchBackend(ABC):
    name: str
    total_bound: int | None = TOTAL_BOUND  # set from SEARCH_TOTAL_BOUND by make_backend

    @abstractmethod
    def index(self, documents: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (keyed by ``id``); returns how many."""

    @abstractmethod
    def remove(self, resource_ids: Iterable[int]) -> None: ...

    @abstractmethod
    def search(self, query: Query) -> Page: ...

    @abstractmethod
    def fingerprints(self) -> Iterator[tuple[int, str]]:
        """Every indexed (resource id, document fingerprint), for `registry search check`."""

    @abstractmethod
    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Replace the whole index with ``documents`` while searches keep being answered."""

    @abstractmethod
    def health(self) -> Health: ...

    def refresh(self) -> None:
        """Make what was indexed visible to searches (engines refresh periodically)."""
        return None

    def settle(self) -> None:
        """After a rebuild has committed: reclaim what it left behind (nothing here)."""
        return None

    def close(self) -> None:
        """Release connections."""
        return None


class SearchUnavailable(RegistryError):
    status, code, message = 503, "search_unavailable", "检索服务暂不可用，请稍后重试"


def facet_value(facet: str, value: Any) -> Any:
    """Facet values as the documents hold them: department ids are integers."""
    return int(value) if facet == "provider_id" and value is not None else value


def encode_cursor(sort: str, key: tuple[Any, ...]) -> str:
    raw = json.dumps([sort, list(key)], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_scalar(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= 1000 and "\x00" not in value


def decode_cursor(cursor: str, sort: str) -> tuple[Any, ...]:
    """The sort key a cursor carries; a cursor from another sort order is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise ValueError("游标无效") from exc
    if cursor_sort != sort or not isinstance(key, list) or not key:
        raise ValueError("游标与排序方式不符")
    # A cursor comes back from the client: only the scalars we put in, in range.
    if len(key) > 4 or not all(_cursor_scalar(k) for k in key):
        raise ValueError("游标无效")
    return tuple(key)
