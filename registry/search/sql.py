"""The built-in backend: the catalog database's own full-text index.

SQLite: an FTS5 table ranked with ``bm25()``; PostgreSQL: a ``tsvector`` column with a
GIN index, ranked with ``ts_rank`` normalised by document length. Both sit in the catalog
database, next to ``search_documents`` (filter, facet and sort columns plus the document),
and are written in one transaction with the outbox rows they consume, so the index cannot
drift from the catalog. Facets are SQL ``GROUP BY``s over the matching rows.

Field weights (name ≫ summary > items > other) are the same on both dialects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Double,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from ..models import SearchDocument, resource_systems
from .base import FACET_SIZE, Health, Hit, Page, Query, SearchBackend, TermGroup, Visibility
from .documents import TEXT_FIELDS, text_fields

D = SearchDocument
WEIGHTS = {"name": 10.0, "summary": 4.0, "items": 2.0, "other": 1.0}
_SORT_COLUMNS = {"name": D.name, "code": D.code, "updated_at": D.updated_at}


class SqlBackend(SearchBackend):
    """Shared by both dialects: filters, visibility, sorting, keyset cursors, facets."""

    def __init__(self, session: Callable[[], Session]) -> None:
        self._session = session

    @property
    def session(self) -> Session:
        return self._session()

    # -- writing --------------------------------------------------------------------
    def index(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = list(documents)
        if documents:
            self.remove([d["id"] for d in documents])
            self.session.execute(insert(D), [_row(d) for d in documents])
            self._insert_text(documents)
        return len(documents)

    def remove(self, resource_ids: Iterable[int]) -> None:
        ids = list(resource_ids)
        if ids:
            self._delete_text(ids)
            self.session.execute(delete(D).where(D.resource_id.in_(ids)))

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        # One transaction (the caller's): readers keep the old index until it commits.
        self._clear_text()
        self.session.execute(delete(D))
        count = 0
        batch: list[dict[str, Any]] = []
        for document in documents:
            batch.append(document)
            if len(batch) >= 1000:
                count += self._append(batch)
                batch = []
        return count + self._append(batch)

    def _append(self, documents: list[dict[str, Any]]) -> int:
        if documents:
            self.session.execute(insert(D), [_row(d) for d in documents])
            self._insert_text(documents)
        return len(documents)

    def fingerprints(self) -> Iterator[tuple[int, str]]:
        yield from self.session.execute(select(D.resource_id, D.fingerprint).order_by(D.resource_id))

    def health(self) -> Health:
        count = self.session.scalar(select(func.count()).select_from(D))
        return Health(ok=True, backend=self.name, documents=count)

    # -- searching ------------------------------------------------------------------
    def search(self, query: Query) -> Page:
        matched = self._matched(query.groups) if query.groups else None
        where = [*_visibility(query.visibility), *_filters(query.filters)]
        score = matched.c.score if matched is not None else literal(None)
        base = select(D.resource_id, D.body, score.label("score"))
        base = base.join(matched, matched.c.id == D.resource_id) if matched is not None else base.select_from(D)
        base = base.where(*where)
        column, descending = self._order(query, matched)
        page_q = base.order_by(column.desc() if descending else column.asc(), D.resource_id.asc()).limit(query.limit)
        if query.after is not None:
            page_q = page_q.where(_after(column, descending, query.after))
        hits = [
            Hit(resource_id=rid, score=self._public_score(s), document=body,
                sort_key=_sort_key(body, s, query))
            for rid, body, s in self.session.execute(page_q)
        ]
        total, facets = self._facets(query, matched, where)
        return Page(hits=hits, total=total, facets=facets)

    def _order(self, query: Query, matched) -> tuple[Any, bool]:
        """The sort column and whether it descends; ties are broken by the id, ascending."""
        sort = query.effective_sort
        if sort == "relevance":
            return matched.c.score, self.score_descends
        return _SORT_COLUMNS[sort.lstrip("-")], sort.startswith("-")

    def _facets(self, query: Query, matched, where: list) -> tuple[int, dict[str, list[tuple[Any, int]]]]:
        hits = select(D).where(*where)
        if matched is not None:
            hits = hits.join(matched, matched.c.id == D.resource_id)
        hits_cte = hits.cte("hits")
        arms: list[Select] = [select(literal("_total").label("facet"), literal(None).label("value"),
                                     func.count().label("n")).select_from(hits_cte)]
        for facet in query.facets:
            column = hits_cte.c[facet]
            arms.append(select(select(literal(facet).label("facet"), cast(column, String).label("value"),
                                      func.count().label("n"))
                               .group_by(column).order_by(func.count().desc(), column).limit(FACET_SIZE)
                               .subquery()))
        total, facets = 0, {f: [] for f in query.facets}
        for facet, value, n in self.session.execute(union_all(*arms)):
            if facet == "_total":
                total = n
            else:
                facets[facet].append((_facet_value(facet, value), n))
        return total, facets

    # -- per dialect ----------------------------------------------------------------
    def _matched(self, groups: tuple[TermGroup, ...]):
        """The matching ids with their scores, as a CTE computed once per statement
        (MATERIALIZED: a planner without statistics must not re-run it per row)."""
        raise NotImplementedError

    score_descends: bool

    def _public_score(self, raw: float | None) -> float | None:
        return raw

    def _insert_text(self, documents: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _delete_text(self, ids: list[int]) -> None:
        """Per dialect: drop the full-text rows of ``ids`` (PostgreSQL keeps them in the row)."""

    def _clear_text(self) -> None:
        """Per dialect: empty the full-text index."""


class SqliteBackend(SqlBackend):
    name = "sqlite-fts5"

    def _matched(self, groups):
        weights = ", ".join(str(WEIGHTS[f]) for f in TEXT_FIELDS)
        return (
            select(literal_column("rowid").label("id"), literal_column(f"bm25(search_fts, {weights})").label("score"))
            .select_from(text("search_fts"))
            .where(text("search_fts MATCH :match").bindparams(match=fts5_expression(groups)))
            .cte("matched").prefix_with("MATERIALIZED")
        )

    score_descends = False  # bm25() is lower for better matches

    def _public_score(self, raw):
        return None if raw is None else round(-raw, 6)

    def _insert_text(self, documents):
        self.session.execute(
            text("INSERT INTO search_fts (rowid, name, summary, items, other) "
                 "VALUES (:id, :name, :summary, :items, :other)"),
            [{"id": d["id"], **{k: " ".join(v) for k, v in text_fields(d).items()}} for d in documents],
        )

    def _delete_text(self, ids):
        self.session.execute(text("DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(:ids))"),
                             {"ids": "[" + ",".join(map(str, ids)) + "]"})

    def _clear_text(self):
        self.session.execute(text("DELETE FROM search_fts"))


class PostgresBackend(SqlBackend):
    name = "postgresql-tsvector"

    def _matched(self, groups):
        tsquery = cast(bindparam("tsquery", tsquery_expression(groups)), TSQUERY)
        tsv = literal_column("search_documents.tsv", type_=TSVECTOR)
        # Normalisation 1: rank / (1 + log(document length)), the length damping of BM25.
        # As double precision: a real would reach Python rounded to its shortest decimal,
        # and the keyset cursor compares the exact value.
        rank = cast(func.ts_rank(tsv, tsquery, 1), Double)
        return (select(D.resource_id.label("id"), rank.label("score")).where(tsv.op("@@")(tsquery))
                .cte("matched").prefix_with("MATERIALIZED"))

    score_descends = True

    def _public_score(self, raw):
        return None if raw is None else round(float(raw), 6)

    def _insert_text(self, documents):
        self.session.execute(
            text("UPDATE search_documents SET tsv = CAST(:tsv AS tsvector) WHERE resource_id = :id"),
            [{"id": d["id"], "tsv": tsvector_literal(text_fields(d))} for d in documents],
        )


# -- query and document text per dialect -------------------------------------------------
def fts5_expression(groups: tuple[TermGroup, ...]) -> str:
    """AND of groups; a group is an OR of alternatives, each an AND of quoted tokens."""
    def quoted(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    return " AND ".join(
        "(" + " OR ".join("(" + " AND ".join(quoted(t) for t in alt) + ")" for alt in g.alternatives) + ")"
        for g in groups
    )


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_expression(groups: tuple[TermGroup, ...]) -> str:
    return " & ".join(
        "(" + " | ".join("(" + " & ".join(_lexeme(t) for t in alt) + ")" for alt in g.alternatives) + ")"
        for g in groups
    )


_TS_WEIGHT = {"name": "A", "summary": "B", "items": "C", "other": "D"}
_TS_MAX_POSITION = 16383
_TS_MAX_POSITIONS_PER_LEXEME = 256


def tsvector_literal(fields: dict[str, list[str]]) -> str:
    """A tsvector with positions and field weights, from our tokens (no parser in between)."""
    positions: dict[str, list[str]] = {}
    position = 0
    for name in TEXT_FIELDS:
        weight = _TS_WEIGHT[name]
        for token in fields[name]:
            position = min(position + 1, _TS_MAX_POSITION)
            entry = positions.setdefault(token, [])
            if len(entry) < _TS_MAX_POSITIONS_PER_LEXEME:
                entry.append(f"{position}{weight}")
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


# -- shared SQL pieces --------------------------------------------------------------------
def _visibility(v: Visibility) -> list:
    conditions = []
    if v.public_only:
        conditions.append(D.open_to_public.is_(True))
    if v.published_only:
        published = D.status == "published"
        own = D.provider_id.in_(v.own_department_ids) if v.own_department_ids else None
        conditions.append(or_(published, own) if own is not None else published)
    return conditions


def _filters(filters: dict[str, tuple[Any, ...]]) -> list:
    conditions = []
    for name, values in filters.items():
        if name == "system_id":
            conditions.append(_system_filter(values))
        else:
            conditions.append(getattr(D, name).in_(values))
    return conditions


def _system_filter(values: tuple[Any, ...]):
    return D.resource_id.in_(select(resource_systems.c.resource_id)
                             .where(resource_systems.c.system_id.in_(values)))


def _after(column, descending: bool, key: tuple[Any, ...]):
    """Keyset condition: rows strictly after ``key`` = (sort value, id) in the page order."""
    value, last_id = key
    if column is D.updated_at:
        value = datetime.fromisoformat(value)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, D.resource_id > last_id))


def _sort_key(body: dict[str, Any], score: float | None, query: Query) -> tuple[Any, ...]:
    sort = query.effective_sort
    if sort == "relevance":
        return (score, body["id"])
    return (body[sort.lstrip("-")], body["id"])


def _facet_value(facet: str, value: Any) -> Any:
    return int(value) if facet == "provider_id" and value is not None else value


def _row(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "resource_id": document["id"], "code": document["code"], "name": document["name"],
        "provider_id": document["provider_id"], "status": document["status"],
        "open_to_public": document["open_to_public"], "share_type": document["share_type"],
        "update_cycle": document["update_cycle"], "category": document["category"],
        "updated_at": datetime.fromisoformat(document["updated_at"]),
        "fingerprint": document["fingerprint"], "body": document,
    }
