"""The engine backend: Elasticsearch (``elasticsearch`` client) or OpenSearch (``opensearch-py``).

Both speak the same REST API for everything used here; the two clients differ only in how
a raw request is sent and in the point-in-time endpoints, which ``_Client`` hides.
The index is an alias over dated concrete indices: a rebuild fills a new index and swaps
the alias in one atomic call, so searches are answered throughout. Mappings are explicit
(``config/search/resources.json``). Paging uses ``search_after`` (no 10,000-hit window);
a full scan (``fingerprints``) runs in a point-in-time snapshot.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .. import jsoncodec
from .base import (
    FACET_SIZE,
    Health,
    Hit,
    Page,
    Query,
    SearchBackend,
    SearchUnavailable,
    TermGroup,
    Visibility,
    facet_value,
)
from .documents import TEXT_FIELDS, text_strings

MAPPING = files("config") / "search" / "resources.json"
BOOSTS = {"name": 10, "summary": 4, "items": 2, "other": 1}
_SORT_FIELDS = {"name": "name", "code": "code", "updated_at": "updated_at"}
BULK_BATCH = 1000


class EngineError(SearchUnavailable):
    """The engine refused or could not be reached; ``detail`` says which request and why."""

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(errors={"detail": [detail]})
        self.detail = detail
        self.engine_status = status  # the engine's HTTP status (``status`` is ours: 503)


class _Client:
    """One raw-request interface over both clients."""

    def __init__(self, flavour: str, base_url: str, timeout: float) -> None:
        self.flavour = flavour
        # Only the configured engine's client is imported.
        # Answers are read with orjson (jsoncodec): 0.19 -> 0.09 ms an answer (mean over the
        # benchmark's 50 queries).
        if flavour == "opensearch":
            from opensearchpy import OpenSearch, serializer
            from opensearchpy import exceptions as errors

            class Serializer(serializer.JSONSerializer):
                def loads(self, s: str) -> Any:
                    return jsoncodec.loads(s)

            self._client = OpenSearch(
                base_url, timeout=timeout, http_compress=False, serializer=Serializer()
            )
            self._send = self._client.transport.perform_request
            self._errors = (errors.TransportError, errors.ConnectionError)
        else:
            from elastic_transport import TransportError
            from elasticsearch import ApiError, Elasticsearch, serializer

            class Serializer(serializer.JsonSerializer):  # type: ignore[no-redef]
                def loads(self, data: bytes) -> Any:
                    return jsoncodec.loads(data)

            self._client = Elasticsearch(base_url, request_timeout=timeout, serializer=Serializer())
            self._send = self._client.perform_request
            self._errors = (ApiError, TransportError)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict | None = None,
        ndjson: bool = False,
        missing_ok: bool = False,
    ) -> Any:
        content_type = "application/x-ndjson" if ndjson else "application/json"
        headers = {"accept": "application/json", "content-type": content_type}
        if body is not None and not isinstance(body, str):
            body = jsoncodec.dumps(body)
        try:
            response = self._send(method, path, params=params, body=body, headers=headers)
        except self._errors as exc:
            if missing_ok and _status(exc) == 404:
                return None
            raise EngineError(f"{method} {path}: {exc}", status=_status(exc)) from exc
        return getattr(response, "body", response)

    def open_pit(self, index: str) -> str | None:
        """A point in time, or None where the engine has none (Elasticsearch without x-pack)."""
        if self.flavour == "opensearch":
            return self.request(
                "POST", f"/{index}/_search/point_in_time", params={"keep_alive": "2m"}
            )["pit_id"]
        try:
            return self.request("POST", f"/{index}/_pit", params={"keep_alive": "2m"})["id"]
        except EngineError as exc:
            if exc.engine_status in (400, 404, 405):
                return None
            raise

    def close_pit(self, pit: str | None) -> None:
        if pit is None:
            return
        if self.flavour == "opensearch":
            self.request("DELETE", "/_search/point_in_time", {"pit_id": [pit]}, missing_ok=True)
        else:
            self.request("DELETE", "/_pit", {"id": pit}, missing_ok=True)

    def close(self) -> None:
        self._client.close()


def _status(exc: Exception) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "meta", None), "status", None
    )
    return status if isinstance(status, int) else None


class EngineBackend(SearchBackend):
    def __init__(self, client: _Client, alias: str) -> None:
        self.client = client
        self.alias = alias
        self.name = f"{client.flavour}-engine"
        self._ready = False

    @classmethod
    def from_url(cls, url: str, *, index: str, timeout: float = 10) -> EngineBackend:
        """``opensearch+http://…`` or ``elasticsearch+https://…``; a bare http(s) URL is asked."""
        parts = urlsplit(url)
        flavour, _, scheme = parts.scheme.partition("+")
        if not scheme:
            flavour, scheme = _probe(url, timeout), parts.scheme
        if flavour not in ("opensearch", "elasticsearch"):
            raise ValueError(f"SEARCH_URL: unknown engine {flavour!r}")
        base = urlunsplit((scheme, parts.netloc, parts.path, "", ""))
        return cls(_Client(flavour, base, timeout), index)

    # -- index lifecycle --------------------------------------------------------------
    def _ensure_index(self) -> None:
        if self._ready:
            return
        if self.client.request("GET", f"/_alias/{self.alias}", missing_ok=True) is None:
            concrete = self._create_index()
            self.client.request(
                "POST",
                "/_aliases",
                {"actions": [{"add": {"index": concrete, "alias": self.alias}}]},
            )
        self._ready = True

    def _create_index(self, **settings: Any) -> str:
        mapping = json.loads(MAPPING.read_text("utf-8"))
        mapping.pop("_comment", None)
        mapping["settings"].update(settings)
        concrete = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        self.client.request("PUT", f"/{concrete}", mapping)
        return concrete

    def _bulk(
        self, index: str, documents: Iterable[dict[str, Any]], *, refresh: bool = False
    ) -> int:
        count, lines = 0, []
        for document in documents:
            lines.append(json.dumps({"index": {"_index": index, "_id": str(document["id"])}}))
            lines.append(json.dumps(_source(document), ensure_ascii=False))
            count += 1
            if len(lines) >= 2 * BULK_BATCH:
                self._send_bulk(lines)
                lines = []
        if lines:
            self._send_bulk(lines, refresh=refresh)
        return count

    def _send_bulk(self, lines: list[str], *, refresh: bool = False) -> None:
        response = self.client.request(
            "POST",
            "/_bulk",
            "\n".join(lines) + "\n",
            ndjson=True,
            params={"refresh": "true"} if refresh else None,
        )
        if response.get("errors"):
            failed = [i for i in response["items"] if next(iter(i.values())).get("error")]
            raise EngineError(f"bulk: {len(failed)} failed, first: {failed[0]}")

    # -- the contract -----------------------------------------------------------------
    def index(self, documents: Iterable[dict[str, Any]]) -> int:
        self._ensure_index()
        return self._bulk(self.alias, documents)

    def remove(self, resource_ids: Iterable[int]) -> None:
        lines = [
            json.dumps({"delete": {"_index": self.alias, "_id": str(rid)}}) for rid in resource_ids
        ]
        if lines:
            self._ensure_index()
            self.client.request("POST", "/_bulk", "\n".join(lines) + "\n", ndjson=True)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Fill a new index (no refreshes while loading), then swap the alias atomically."""
        concrete = self._create_index(refresh_interval="-1")
        try:
            count = self._bulk(concrete, documents)
            self.client.request(
                "PUT", f"/{concrete}/_settings", {"index": {"refresh_interval": "1s"}}
            )
            self.client.request("POST", f"/{concrete}/_refresh")
        except Exception:
            self.client.request("DELETE", f"/{concrete}", missing_ok=True)
            raise
        old = list(self.client.request("GET", f"/_alias/{self.alias}", missing_ok=True) or {})
        actions = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": concrete, "alias": self.alias}})
        self.client.request("POST", "/_aliases", {"actions": actions})
        for index in old:
            self.client.request("DELETE", f"/{index}", missing_ok=True)
        self._ready = True
        return count

    def refresh(self) -> None:
        self._ensure_index()
        self.client.request("POST", f"/{self.alias}/_refresh")

    def fingerprints(self) -> Iterator[tuple[int, str]]:
        self._ensure_index()
        # In a point-in-time snapshot where the engine has one; else search_after on the id.
        pit = self.client.open_pit(self.alias)
        try:
            after = None
            while True:
                body: dict[str, Any] = {
                    "size": 5000,
                    "sort": [{"id": "asc"}],
                    "_source": ["fingerprint"],
                    "track_total_hits": False,
                }
                if pit:
                    body["pit"] = {"id": pit, "keep_alive": "2m"}
                if after:
                    body["search_after"] = after
                path = "/_search" if pit else f"/{self.alias}/_search"
                hits = self.client.request("POST", path, body)["hits"]["hits"]
                if not hits:
                    return
                for h in hits:
                    yield int(h["_id"]), h["_source"]["fingerprint"]
                after = hits[-1]["sort"]
        finally:
            self.client.close_pit(pit)

    def health(self) -> Health:
        try:
            self._ensure_index()
            count = self.client.request("GET", f"/{self.alias}/_count")["count"]
        except EngineError as exc:
            return Health(ok=False, backend=self.name, detail=exc.detail)
        return Health(ok=True, backend=self.name, documents=count)

    def search(self, query: Query) -> Page:
        self._ensure_index()
        response = self.client.request("POST", f"/{self.alias}/_search", search_body(query))
        hits = [
            Hit(
                resource_id=int(h["_id"]),
                score=_score(h, query),
                document=h["_source"]["document"],
                sort_key=tuple(h["sort"]),
            )
            for h in response["hits"]["hits"]
        ]
        aggregations = response.get("aggregations", {})
        facets = {
            f: [(facet_value(f, b["key"]), b["doc_count"]) for b in aggregations[f]["buckets"]]
            for f in query.facets
        }
        counted = response["hits"]["total"]
        total, relation = Page.bounded(
            counted["value"] + (counted["relation"] == "gte"), query.total_bound
        )
        return Page(hits=hits, total=total, facets=facets, total_relation=relation)

    def close(self) -> None:
        self.client.close()


def _probe(url: str, timeout: float) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — configured URL
        info = json.load(response)
    return (
        "opensearch"
        if info.get("version", {}).get("distribution") == "opensearch"
        else "elasticsearch"
    )


def _source(document: dict[str, Any]) -> dict[str, Any]:
    texts = text_strings(document)
    return {
        "id": document["id"],
        "code": document["code"],
        "name": document["name"],
        "provider_id": document["provider_id"],
        "system_id": document["system_ids"],
        "status": document["status"],
        "open_to_public": document["open_to_public"],
        "share_type": document["share_type"],
        "update_cycle": document["update_cycle"],
        "category": document["category"],
        "updated_at": document["updated_at"],
        "fingerprint": document["fingerprint"],
        **{f"text_{name}": texts[name] for name in TEXT_FIELDS},
        "document": document,
    }


def search_body(query: Query) -> dict[str, Any]:
    sort = query.effective_sort
    if sort == "relevance":
        order = [{"_score": "desc"}, {"id": "asc"}]
    else:
        order = [
            {_SORT_FIELDS[sort.lstrip("-")]: "desc" if sort.startswith("-") else "asc"},
            {"id": "asc"},
        ]
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": [_group(g) for g in query.groups] or [{"match_all": {}}],
                "filter": [*_visibility(query.visibility), *_filters(query.filters)],
            }
        },
        "sort": order,
        "size": query.limit,
        # Counted up to the bound: past it the engine may skip non-competitive hits.
        "track_total_hits": True if query.total_bound is None else query.total_bound,
        "_source": ["document"],
        "aggs": {
            f: {
                "terms": {
                    "field": f,
                    "size": FACET_SIZE,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
            for f in query.facets
        },
    }
    if query.after is not None:
        body["search_after"] = list(query.after)
    return body


_FIELDS = [f"text_{name}^{BOOSTS[name]}" for name in TEXT_FIELDS]


def _group(group: TermGroup) -> dict[str, Any]:
    def alternative(tokens: tuple[str, ...]) -> dict[str, Any]:
        return {
            "bool": {
                "must": [
                    {"multi_match": {"query": t, "fields": _FIELDS, "type": "best_fields"}}
                    for t in tokens
                ]
            }
        }

    return {
        "bool": {"should": [alternative(a) for a in group.alternatives], "minimum_should_match": 1}
    }


def _visibility(v: Visibility) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if v.public_only:
        clauses.append({"term": {"open_to_public": True}})
    if v.published_only:
        should: list[dict[str, Any]] = [{"term": {"status": "published"}}]
        if v.own_department_ids:
            should.append({"terms": {"provider_id": list(v.own_department_ids)}})
        clauses.append({"bool": {"should": should, "minimum_should_match": 1}})
    return clauses


def _filters(filters: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"terms": {name: list(values)}} for name, values in filters.items()]


def _score(hit: dict[str, Any], query: Query) -> float | None:
    return round(hit["_score"], 6) if query.groups and hit.get("_score") is not None else None
