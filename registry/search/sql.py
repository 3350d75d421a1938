"""The built-in backend: the catalog database's own full-text index.

SQLite: an FTS5 table; PostgreSQL: a ``tsvector`` column with a GIN index. Both are ranked
with the same BM25, computed in SQL from which fields of each hit hold each query word
(name ≫ summary > items > other), so both dialects order hits alike. They sit in the
catalog database beside ``search_documents`` (a narrow row per document: filter, facet and
sort columns) and ``search_bodies`` (the documents), written in one transaction with the
outbox rows they consume, so the index cannot drift from the catalog. Facets are SQL
``GROUP BY``s over the hits; totals count up to the query's bound.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    BigInteger,
    Double,
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy import (
    column as sql_column,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.orm import Session
from sqlalchemy.schema import Column, MetaData, Table
from sqlalchemy.sql.util import ClauseAdapter

from .. import jsoncodec
from ..iterables import batched
from ..models import SearchBody, SearchDocument, resource_systems
from ..models.search import FACET_KEY_COLUMNS, facet_key
from .base import (
    FACET_SIZE,
    Health,
    Hit,
    Page,
    Query,
    SearchBackend,
    TermGroup,
    facet_value,
)
from .documents import TEXT_FIELDS, text_fields

D = SearchDocument


@dataclass(frozen=True)
class FieldTerm:
    """A field's part of a group's tf: its weight for "all" hits, for those "in" the
    documents ``expression`` finds, or for those "not_in" them (the complement)."""

    field: str
    weight: float
    how: str
    expression: str
    restricted: bool = False  # to the hits of the other groups (``_field_terms``)


Tfs = tuple[tuple[tuple[str, str], ...], ...]  # Shape.tfs


@dataclass(frozen=True)
class Shape:
    """What a search statement's SQL depends on. Everything else it runs with is a named
    parameter (the words' expressions and weights, the mean length, filter values, the
    cursor, the limits; see ``SqlBackend._plan``), so one statement serves every query
    of a shape (``SqlBackend._statement``): building it, and SQLAlchemy its cache key,
    cost 1.5-2 ms a query, a tenth of a common word's."""

    # Per query group, the (field, how) of its fields' terms (FieldTerm).
    tfs: Tfs = ()
    # "none" (no words), "every" hit, or the candidates only (``Plan.ceiling``): scored
    # by the fields' holders ("candidates") or by their own tsvectors ("own", PostgreSQL);
    # or every hit by its own tsvector ("own_every", PostgreSQL: few hits, several groups).
    source: str = "none"
    sort: str = "-updated_at"
    after: bool = False
    facets: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    public_only: bool = False
    published_only: bool = False
    own_departments: bool = False
    bounded: bool = True
    # Whether the candidates take in some fields' holders ("holders", ``Plan``), or are
    # the shortest documents alone.
    holders: bool = True
    # The statement's parts: "all"; the "page" alone (ranked over candidates, to be
    # proven), or the total and the facets alone ("counts").
    parts: str = "all"


@dataclass(frozen=True)
class Plan:
    """A query as its statement's shape and the parameters it runs with. Ranked over
    candidates, a page is proven when its last score clears ``ceiling``: every other hit
    holds the word only in the fields not looked up and is longer than the shortest
    documents, so it scores below. The page is then counted on its own; otherwise the
    statement runs again over every hit."""

    shape: Shape
    params: dict[str, Any]
    ceiling: float | None = None
    fallback: str = "every"  # the source of every hit, when the page is not proven
    # Whether the page is ranked on its own first: candidates that may well not prove
    # it (the shortest documents alone, ``SqlBackend._candidate_fields``).
    page_first: bool = False

    def proves(self, scores: list[float], limit: int) -> bool:
        # A full page whose last score clears the ceiling (by more than rounding).
        return len(scores) == limit and min(scores) > self.ceiling + 1e-9


@dataclass(frozen=True)
class Prepared:
    """A batch of documents as statements to execute, each with its rows; and what the
    batch adds to the term counts, where the dialect keeps them itself."""

    documents: int
    statements: list[tuple[Any, list[dict[str, Any]]]]
    added: Counter[str] | None


WEIGHTS = {"name": 10.0, "summary": 4.0, "items": 2.0, "other": 1.0}
_SORT_COLUMNS = {"name": D.name, "code": D.code, "updated_at": D.updated_at}


class SqlBackend(SearchBackend):
    """Shared by both dialects: filters, visibility, sorting, keyset cursors, facets."""

    def __init__(self, session: Callable[[], Session]) -> None:
        self._session = session
        self._statements: dict[Shape, Any] = {}  # per shape, its search statement

    @property
    def session(self) -> Session:
        return self._session()

    # -- writing --------------------------------------------------------------------
    def index(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = list(documents)
        if documents:
            self._replace([d["id"] for d in documents], documents)
        return len(documents)

    def remove(self, resource_ids: Iterable[int]) -> None:
        ids = list(resource_ids)
        if ids:
            self._replace(ids, [])

    def _replace(self, ids: list[int], documents: list[dict[str, Any]]) -> None:
        """Drop the documents of ``ids``, add ``documents`` (whose ids are among them)."""
        bound = self.session.scalar(_SHORT_BOUND)
        gone = self._delete_text(ids)
        self.session.execute(delete(D).where(D.resource_id.in_(ids)))
        self.session.execute(delete(SearchBody).where(SearchBody.resource_id.in_(ids)))
        self._count_terms(gone, self._append(documents))
        if bound is not None:
            if documents:
                self._add_short([d["id"] for d in documents], bound)
        elif self._totals()[0] > 2 * self.PRUNE_SHORT:
            self.refill_short()  # the index has outgrown 2 x PRUNE_SHORT

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        # One transaction (the caller's): readers keep the old index until it commits.
        self._clear_text()
        self.session.execute(delete(D))
        self.session.execute(delete(SearchBody))
        count, terms = 0, Counter()
        for prepared in self._rebuild_batches(documents):
            count += self._write(prepared, terms)
        self._compact()
        self._count_rebuilt(terms)
        self.refill_short()
        return count

    REBUILD_BATCH = 1_000

    def _rebuild_batches(self, documents: Iterable[dict[str, Any]]) -> Iterator[Prepared]:
        """Per dialect: the rebuild's batches, prepared for writing."""
        for batch in batched(documents, self.REBUILD_BATCH):
            yield self._prepare(batch)

    def _count_rebuilt(self, terms: Counter[str]) -> None:
        """Per dialect: the term counts of a rebuilt index (``terms``: what its batches
        counted)."""
        self._count_terms(None, terms)

    # -- the short documents ----------------------------------------------------------
    # Every document up to a length, the bound (``#:short`` in search_terms), is in an
    # index of its own: on SQLite an FTS5 table (search_fts_short), on PostgreSQL a partial
    # GIN index. A common word's shortest hits (``Plan``) come from it: checking each
    # hit against the length index cost 8-13 ms for 统一社会信用代码 on SQLite, and
    # reading the 3,000 shortest rows' tsvectors 15 ms for 联系电话 on PostgreSQL; from
    # their own index, 0.2 and 1 ms. The bound is set when the index is made (the
    # PRUNE_SHORT-th shortest length, on a rebuild or once the index outgrows
    # 2 x PRUNE_SHORT) and stays until it is made again: each write adds its documents up
    # to the bound, so every document up to it is in the index, and a query reads the
    # bound in the same transaction as the index.

    def refill_short(self) -> None:
        """Make the short documents' index for the current PRUNE_SHORT-th shortest
        length (none in an index of at most 2 x PRUNE_SHORT), unless it already is."""
        old = self.session.scalar(_SHORT_BOUND)
        bound = None
        if self._totals()[0] > 2 * self.PRUNE_SHORT:
            bound = self.session.scalar(
                select(D.length).order_by(D.length).limit(1).offset(self.PRUNE_SHORT)
            )
        if bound != old:
            self.session.execute(delete(_TERMS).where(_TERMS.c.lexeme == _SHORT))
            if bound is not None:
                self.session.execute(insert(_TERMS).values(lexeme=_SHORT, documents=bound))
        self._index_short(bound, old)

    def _index_short(self, bound: int | None, old: int | None) -> None:
        """Per dialect: (re)make the short documents' index for ``bound`` (``old``: the
        bound it was made for), or drop it."""
        raise NotImplementedError

    def _add_short(self, ids: list[int], bound: int) -> None:
        """Per dialect: add the documents of ``ids`` up to ``bound`` to the short
        documents' index (just written)."""

    def _compact(self) -> None:
        """Per dialect: after a rebuild, make the full-text index as fast to read as it
        can be."""

    def _append(self, documents: list[dict[str, Any]]) -> Counter[str] | None:
        """The documents' rows, bodies and full-text entries; what they add to the
        index's term counts."""
        if not documents:
            return None
        added = Counter()
        self._write(self._prepare(documents), added)
        return added

    def _prepare(self, documents: list[dict[str, Any]], counted: bool = True) -> Prepared:
        """The statements that write ``documents``, and (when ``counted``) the terms they
        add; no session (PostgreSQL's rebuild runs this in a thread)."""
        fields = [text_fields(d) for d in documents]
        statements, added = self._text_rows(documents, fields, counted)
        return Prepared(len(documents), [*statements, self._body_rows(documents)], added)

    def _body_rows(self, documents: list[dict[str, Any]]) -> tuple[Any, list]:
        """The statement writing the documents' bodies, and its rows."""
        return _BODIES_INSERT, [
            {"resource_id": d["id"], "body": d, "fingerprint": d["fingerprint"]} for d in documents
        ]

    def _write(self, prepared: Prepared, terms: Counter[str]) -> int:
        for statement, rows in prepared.statements:
            self._insert(statement, rows)
        terms.update(prepared.added or {})
        return prepared.documents

    def _insert(self, statement: Any, rows: list) -> None:
        """Per dialect: write ``rows`` (as ``_prepare`` made them) with ``statement``."""
        self.session.execute(statement, rows)

    def _text_rows(
        self, documents: list[dict[str, Any]], fields: list[dict], counted: bool
    ) -> tuple:
        """Per dialect: the statements (and their rows) of the ``search_documents`` rows
        and their full-text entries; the term counts they add (None unless ``counted``)."""
        raise NotImplementedError

    def _count_terms(self, gone: Counter[str] | None, added: Counter[str] | None) -> None:
        """Account in search_terms for the documents dropped and added."""
        delta = Counter(added or {})
        delta.subtract(gone or {})
        changed = sorted((k, v) for k, v in delta.items() if v)
        if changed:
            self._add_counts([k for k, _ in changed], [v for _, v in changed])

    def _add_counts(self, lexemes: list[str], deltas: list[int]) -> None:
        """Per dialect: add ``deltas`` to the counts of ``lexemes`` (sorted)."""
        raise NotImplementedError

    def fingerprints(self) -> Iterator[tuple[int, str]]:
        # A document is indexed when a search finds it: its row (with its body beside).
        yield from self.session.execute(
            select(D.resource_id, SearchBody.fingerprint)
            .join(SearchBody, SearchBody.resource_id == D.resource_id)
            .order_by(D.resource_id)
        )

    def health(self) -> Health:
        count = self.session.scalar(select(func.count()).select_from(D))
        return Health(ok=True, backend=self.name, documents=count)

    # -- searching ------------------------------------------------------------------
    def search(self, query: Query) -> Page:
        """One statement: the hits (ids, scores and facet columns) are found, joined and
        filtered once, in a CTE that the page, the total and every facet read from. A
        common word is first ranked over its candidates only (``Plan``), the total and
        the facets in the same statement; or, when the candidates may well not prove the
        page, the page alone first and, proven, its counts next. When the candidates
        cannot prove the page, the statement runs over every hit."""
        plan = self._plan(query)
        if plan.ceiling is None or not plan.page_first:
            ranked, total, facets = self._run(plan.shape, plan.params)
            proven = plan.ceiling is None or plan.proves([s for _, _, s in ranked], query.limit)
        else:
            # The page alone first: unproven, it cost the candidates only (the total and
            # the facets read every hit, up to the bound, either way); proven, a second
            # statement counts (two statements cost a proven page 1-1.5 ms more on
            # PostgreSQL, planned and sent twice).
            ranked, _, _ = self._run(replace(plan.shape, parts="page"), plan.params)
            proven = plan.proves([s for _, _, s in ranked], query.limit)
            if proven:
                _, total, facets = self._run(replace(plan.shape, parts="counts"), plan.params)
        if not proven:
            ranked, total, facets = self._run(
                replace(plan.shape, source=plan.fallback), plan.params
            )
        total, relation = Page.bounded(total, query.total_bound)
        return Page(
            hits=self._hits(query, [(rid, s) for _, rid, s in sorted(ranked)]),
            total=total,
            facets=facets,
            total_relation=relation,
        )

    # Shapes whose statement is kept: the benchmark's 50 queries in three modes make 78,
    # about 0.2 MB each with SQLAlchemy's compiled form (measured).
    STATEMENTS_KEPT = 256

    def _run(self, shape: Shape, params: dict[str, Any]):
        statement = self._statements.get(shape)
        if statement is None:
            if len(self._statements) >= self.STATEMENTS_KEPT:
                self._statements.clear()
            statement = self._statements[shape] = self._statement(shape)
        ranked, total, facets = [], 0, {f: [] for f in shape.facets}
        for kind, rid, value, number in self.session.execute(statement, params):
            if kind == "hit":
                ranked.append((int(value), rid, number))
            elif kind == "_total":
                total = int(number)
            else:
                facets[kind].append((facet_value(kind, value), int(number)))
        return ranked, total, facets

    def _statement(self, shape: Shape):
        """The statement of every query of ``shape``: its values are parameters only."""
        sort = shape.sort
        relevance = sort == "relevance"
        descending = self.score_descends if relevance else sort.startswith("-")
        visible = [*_visibility(shape), *_filters(shape.filters)]
        if shape.parts == "counts":
            return union_all(*self._counts(shape, self._every_sample(shape, visible)))
        matched, conditions, score = self._source(shape)
        columns = [
            D.resource_id.label("id"),
            score.label("score"),
            *([] if relevance else [_SORT_COLUMNS[sort.lstrip("-")].label("sort_value")]),
            *_facet_columns(shape.facets),
        ]
        hits = _joined(select(*columns).where(*conditions, *visible), matched)
        hits = hits.cte("hits").prefix_with("MATERIALIZED")
        sort_column = hits.c.score if relevance else hits.c.sort_value
        order = (sort_column.desc() if descending else sort_column.asc(), hits.c.id.asc())
        # The page is sorted under its LIMIT (a bounded top-N sort of the hits), and only
        # then numbered: a window over all hits sorted every one of them (30 ms for 50,000).
        # The position travels with each row: UNION ALL keeps no order, and Python must not
        # re-sort (its string order is not the database's collation).
        top = select(hits.c.id, hits.c.score, sort_column.label("sort_value"))
        if shape.after:
            top = top.where(_after(sort_column, descending))
        top = top.order_by(*order).limit(bindparam("limit", type_=Integer)).subquery()
        top_order = (
            top.c.sort_value.desc() if descending else top.c.sort_value.asc(),
            top.c.id.asc(),
        )
        page = select(
            top.c.id, top.c.score, func.row_number().over(order_by=top_order).label("position")
        ).subquery()
        page_arm = select(
            literal("hit").label("kind"),
            page.c.id,
            cast(page.c.position, String).label("value"),
            page.c.score.label("number"),
        )
        if shape.parts == "page":
            return page_arm

        # Over candidates, the hits are only those: every hit is counted from its own
        # source; otherwise from the hits.
        if shape.source in ("candidates", "own"):
            sample = self._every_sample(shape, visible)
        else:
            sample = select(hits)
        return union_all(page_arm, *self._counts(shape, sample))

    def _every_sample(self, shape: Shape, visible: list) -> Select:
        """Every visible hit's id and facet columns, found by the index alone."""
        return self._every_hits([D.resource_id.label("id"), *_facet_columns(shape.facets)], visible)

    def _counts(self, shape: Shape, sample: Select) -> list[Select]:
        """The total's arm and the facets', over ``sample``: the hits' ids and facet
        columns. Beyond the bound, counting stops (bound + 1 says "more") and facets count
        the same first bound + 1 hits met: lower bounds, marked so by the page's "gte".
        The facets' arms read the sample in place, not copied to a CTE of their own (a
        copy of 10,000 rows cost 6 ms on SQLite, measured)."""
        if shape.bounded:
            sample = sample.limit(bindparam("sample_limit", type_=Integer))
        sample = sample.cte("sample")
        if shape.facets:
            sample = sample.prefix_with("MATERIALIZED")
        null_text, null_int = cast(literal(None), String), cast(literal(None), Integer)
        total = select(literal("_total"), null_int, null_text, cast(func.count(), Double))
        return [total.select_from(sample), *_facet_arms(sample, shape.facets)]

    def _source(self, shape: Shape):
        """(a CTE to join or None, conditions on ``search_documents``, the score) of the
        hits of ``shape``."""
        if shape.source == "none":
            return None, [], cast(literal(None), Double)
        if shape.source == "every":
            matched, conditions, tf_columns = self._match(shape.tfs)
        elif shape.source == "own_every":
            matched, conditions, tf_columns = self._match_own(shape.tfs)
        else:
            matched, conditions, tf_columns = self._match_candidates(
                shape.tfs, own=shape.source == "own", holders=shape.holders
            )
        return matched, conditions, self._score(tf_columns)

    def _hits(self, query: Query, ranked: list[tuple[int, float | None]]) -> list[Hit]:
        """The page's documents, read by id: carrying every hit's body through the sort
        cost 0.1 s for 40,000 hits."""
        ids = [rid for rid, _ in ranked]
        bodies = {
            rid: jsoncodec.loads(body) for rid, body in self.session.execute(_BODIES, {"ids": ids})
        }
        return [
            Hit(
                resource_id=rid,
                score=self._public_score(s),
                document=bodies[rid],
                sort_key=self._sort_key(bodies[rid], s, query),
            )
            for rid, s in ranked
        ]

    # -- relevance: BM25, the same on both dialects --------------------------------------
    # Computed in SQL over the query's groups (a word and its synonyms count once), with
    # FTS5's formula: per group, tf = Σ field weight × [group occurs in the field], idf from
    # the group's document count, length-normalised by the document's token count. Which
    # documents hold a group in a field comes from the full-text index alone (one lookup
    # per group and field), never from a document's text: FTS5's bm25() calls back per row
    # (~11 µs a hit: 0.45 s for a word in a third of the province), and PostgreSQL's
    # ts_rank read each hit's TOASTed tsvector (0.6 s for the same word).
    K1, B = 1.2, 0.75
    STATISTICS_TTL = 30.0
    COUNTS_KEPT = 4_096  # group counts kept with the statistics (see _group_count)
    score_descends = True

    # A common word's candidates: the PRUNE_SHORT shortest documents, and those holding
    # it in some fields (``_candidate_fields``). Any other hit is longer than the shortest
    # ones and holds the word only in the other fields, so it scores below
    # ``Plan.ceiling``; when the page's last candidate scores above it, the page is the
    # page of every hit.
    PRUNE_AFTER = 2_000  # hits below which ranking them all costs little
    # The shortest documents' count trades the candidates' cost (on PostgreSQL each short
    # one reads its own tsvector) against the ceiling's margin (the shorter the longest of
    # them, the higher the ceiling). Province, 50 queries, p95 ms PostgreSQL plain/filters:
    # 3,000: 36.1/37.8; 2,000: 33.1/38.3; 1,500: 32.2/34.6 (SQLite 32.3/33.5 -> 31.6/34.3,
    # the same within noise); 800: 统一社会信用代码 was no longer proven (ranked twice, 94 ms).
    # At 1,500 every pruned query was proven, the closest by 0.4 % (1.0 % at 3,000); an
    # unproven page costs one full ranking more, never a wrong page.
    PRUNE_SHORT = 1_500
    STRONG_FIELDS = ("name", "summary")
    # A field's holders up to which, with several groups, the set is not restricted to
    # the hits (``_field_terms``). 0 on SQLite: FTS5 reads the token's whole doclist
    # either way.
    SMALL_SET = 0

    def _plan(self, query: Query) -> Plan:
        """The statement's shape and its parameters; ranked over candidates (``Plan``)
        when that may prove the page."""
        v = query.visibility
        shape = Shape(
            sort=query.effective_sort,
            after=query.after is not None,
            facets=tuple(query.facets),
            filters=tuple(query.filters),
            public_only=v.public_only,
            published_only=v.published_only,
            own_departments=v.published_only and bool(v.own_department_ids),
            bounded=query.total_bound is not None,
        )
        params: dict[str, Any] = {"limit": query.limit}
        if query.total_bound is not None:
            params["sample_limit"] = query.total_bound + 1
        if shape.own_departments:
            params["own"] = list(v.own_department_ids)
        for name, values in query.filters.items():
            params[f"filter_{name}"] = list(values)
        if query.after is not None:
            value = query.after[0]
            if shape.sort.endswith("updated_at"):
                value = datetime.fromisoformat(value)
            params["after_value"], params["after_id"] = value, query.after[1]
        if not query.groups:
            return Plan(shape, params)

        n_docs, avgdl = self._statistics(query)
        counts, short = self._term_counts(sorted({t for g in query.groups for t in g.tokens}))
        sizes = _sizes(counts)
        idfs, dfs, exact = [], [], []
        for group in query.groups:
            df, fresh = _known_df(group, counts), True
            if df is None:
                df, fresh = self._group_count(group)
            exact.append(fresh)
            # The cached count may lag the index by STATISTICS_TTL: never below df.
            n = max(n_docs, df)
            idfs.append(max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6))
            dfs.append(df)
        expression = self._expression(query.groups)
        # With several groups, a field's holders are looked up among the hits only (the
        # index intersects the lists): 登记 is in 11,000 summaries, 企业登记 has 270 hits.
        # Among the documents matching the other groups: those holding the group in the
        # field match it already (naming it twice read its lists twice: 1.9 ms, not 2.5,
        # for a field of 不动产登记).
        tfs = [
            self._field_terms(g, df, sizes, self._others(query.groups, i), df_exact)
            for i, (g, df, df_exact) in enumerate(zip(query.groups, dfs, exact, strict=True))
        ]
        params.update(
            all=expression, every=self._every_param(query.groups, expression), avgdl=avgdl
        )
        for i, (idf, terms) in enumerate(zip(idfs, tfs, strict=True)):
            params[f"w{i}"] = idf * (self.K1 + 1)
            for j, term in enumerate(terms):
                if term.how != "all":
                    params[f"g{i}f{j}"] = term.expression
        shape = replace(
            shape,
            tfs=tuple(tuple((t.field, t.how) for t in terms) for terms in tfs),
            source="own_every" if self._own_pays(expression, tfs) else "every",
        )

        if (
            query.total_bound is None
            or query.effective_sort != "relevance"
            or min(dfs) <= self.PRUNE_AFTER
            # Several words' hits counted once, then kept as a group's count is (企业登记:
            # 284 hits, whose candidates cannot prove a page: 8 ms lost on SQLite).
            or (len(dfs) > 1 and self._kept_count(expression)[0] <= self.PRUNE_AFTER)
            or short is None
        ):
            return Plan(shape, params)
        fields, size = self._candidate_fields(query.groups, tfs, sizes, dfs, query.total_bound)
        # Any other hit is longer than the shortest documents, at least a token longer
        # (lengths count tokens), and holds each group in the fields not looked up at
        # most: its tf there, its score at most the ceiling's. (At the bound itself, a
        # candidate of that length holding the word wherever it can ties with the ceiling
        # and proves nothing: 就业's 20th score, 学生学籍's.)
        norm = self.K1 * (1 - self.B + self.B * (short + 1) / avgdl)
        ceiling = sum(
            params[f"w{i}"] * (1 - norm / (weak + norm))
            for i, (terms, looked_up) in enumerate(zip(tfs, fields, strict=True))
            if (weak := sum(t.weight for t in terms if t.field not in looked_up))
        )
        params.update(short=short)
        # Fields that hold no group (联系电话 in a strong one) are not looked up: a set of
        # nothing, it read the word's lists (7.9 ms on SQLite).
        held = [
            self._expression((group,), looked_up)
            for group, looked_up in zip(query.groups, fields, strict=True)
            if looked_up and _held_within(group, counts, looked_up)
        ]
        if held:
            holders = functools.reduce(self._either, held)
            # Several words: holding one of them there, matching them all.
            multiple = len(query.groups) > 1
            params["holders"] = self._both(expression, holders) if multiple else holders
        source = self._candidates(params.get("holders"), tfs, size)
        pruned = replace(shape, source=source, holders=bool(held))
        # Several words, or the shortest documents alone, may well not prove the page.
        page_first = len(query.groups) > 1 or not any(fields)
        return Plan(pruned, params, ceiling, shape.source, page_first)

    def _candidate_fields(
        self, groups, tfs, sizes, dfs: list[int], bound: int
    ) -> tuple[tuple[tuple[str, ...], ...], int | None]:
        """The fields whose holders are candidates beside the shortest documents, and how
        many hold the word there at most. One word: its strong fields' holders, when
        reading those and then the bound's hits for the total is reading fewer than all
        hits; or else the fields few documents hold it in, when its heaviest field is
        among them (法人 is in 100 names, the rest of its 10,709 hits hold it in data
        items: 24 -> 18 ms on SQLite). Otherwise the shortest documents alone: a few
        hundred, whose own index on SQLite, own tsvectors on PostgreSQL, say which fields
        hold the word (1.5 ms), so that a page they do not prove costs little (统计 is in
        7,900 of its 9,730 hits' names, those of the shortest documents among them:
        34 -> 18 ms on PostgreSQL). Several words: beside the shortest documents, those
        holding a word in one of its rare fields (不动产登记: none among its hits holds 登记
        in a data item, which the ceiling would otherwise have to allow for)."""
        rare = []
        for group, terms, df in zip(groups, tfs, dfs, strict=True):
            uppers = {t.field: sizes(group, t.field, df) for t in terms}
            rare.append({f: u[0] for f, u in uppers.items() if u and u[0] <= self.PRUNE_SHORT})
        if len(groups) > 1:
            return tuple(tuple(r) for r in rare), sum(sum(r.values()) for r in rare)
        strong = [sizes(groups[0], f, dfs[0]) for f in self.STRONG_FIELDS]
        size = None if None in strong else min(sum(upper for upper, _ in strong), dfs[0])
        if self._pruning_pays(dfs[0], size, bound):
            return (self.STRONG_FIELDS,), size
        # (No field at all when its tokens are only ever held apart, in different fields.)
        heaviest = max((t.field for t in tfs[0]), key=WEIGHTS.get, default=None)
        if heaviest in rare[0]:
            return (tuple(rare[0]),), sum(rare[0].values())
        return ((),), 0

    def _candidates(self, holders: str | None, tfs: list[list[FieldTerm]], size) -> str:
        """How candidates are scored: "candidates" (by the fields' holders) or "own"."""
        return "candidates"

    def _own_pays(self, expression: str, tfs: list[list[FieldTerm]]) -> bool:
        """Whether every hit is scored from its own text ("own_every") rather than from
        the fields' holders."""
        return False

    def _pruning_pays(self, df: int, strong_size: int | None, bound: int) -> bool:
        """Pruned, the candidates are read, then up to the bound's hits for the total:
        worth it only when that is fewer than all hits (统计 is in 7,900 of its 9,730
        hits' names: candidates and total would read most hits twice). The same on both
        dialects since SQLite's sample stops at the bound (facets 4 %, plain 8 % less time
        over the 50 queries than pruning always, measured)."""
        return strong_size is None or strong_size + self.PRUNE_SHORT + min(df, bound + 1) < df

    def _score(self, tf_columns):
        norm = self.K1 * (1 - self.B + self.B * D.length / bindparam("avgdl", type_=Float))
        # idf·(k1+1)·tf/(tf+norm), the first two the group's parameter w<i>; written with
        # tf once: on PostgreSQL each mention of tf would build its hashed sets again.
        return sum(
            (
                bindparam(f"w{i}", type_=Float) * (1 - norm / (tf + norm))
                for i, tf in enumerate(tf_columns)
            ),
            literal(0.0),
        )

    def _others(self, groups: tuple[TermGroup, ...], i: int) -> str | None:
        """The expression of every group but the i-th (None for a single group)."""
        others = groups[:i] + groups[i + 1 :]
        return self._expression(others) if others else None

    def _field_terms(
        self, group: TermGroup, df: int, sizes, within: str | None = None, df_exact: bool = True
    ) -> list[FieldTerm]:
        """How each field adds its weight to the group's tf. Looking a field up costs a
        set of the documents holding the group there (20 ms for 50,000 on SQLite): with
        the index's per-field counts, a field no document holds the group in is skipped,
        one every hit holds it in adds its weight outright, and a field most hits hold
        it in is looked up by its complement. Without counts, every field is looked up.
        ``within``: an expression every hit matches (beside the group), to which each
        set is restricted, unless the set is known to be small (``SMALL_SET``): restricted
        or not, it holds the same hits.
        A kept ``df`` may lag the index: no field is then taken as held by every hit."""
        one_token = len(group.alternatives) == 1 and len(group.alternatives[0]) == 1

        def term(field: str, how: str, expression: str, size: int | None) -> FieldTerm:
            if within is None or (size is not None and size <= self.SMALL_SET):
                return FieldTerm(field, WEIGHTS[field], how, expression)
            return FieldTerm(field, WEIGHTS[field], how, self._both(expression, within), True)

        terms = []
        for field in TEXT_FIELDS:
            weight = WEIGHTS[field]
            size = sizes(group, field, df, df_exact) if sizes else None
            upper, every = size if size is not None else (None, False)
            if every:
                terms.append(FieldTerm(field, weight, "all", ""))
            elif upper == 0:
                continue
            elif upper is not None and 2 * upper > df:
                # One token's count in the field is exact: the complement is the rest.
                size = df - upper if one_token else None
                terms.append(term(field, "not_in", self._complement(group, field), size))
            else:
                terms.append(term(field, "in", self._expression((group,), field), upper))
        return terms

    def _group_count(self, group: TermGroup) -> tuple[int, bool]:
        """A group's document count when the index has no count for it (a word and its
        synonyms; or no term counts at all): counted through the index, then kept with
        the other statistics, for as long (counting 联系电话's synonyms read 51,000 rows
        on PostgreSQL: 17 ms). An engine's term statistics are as old as its last refresh.
        Returns the count and whether it was counted now (else it may lag the index)."""
        return self._kept_count(self._expression((group,)))

    def _kept_count(self, expression: str) -> tuple[int, bool]:
        """How many documents match ``expression``, counted once and kept with the
        statistics; and whether it was counted now."""
        self._statistics(Query())
        counts = self._stats[3]
        n = counts.get(expression)
        if n is not None:
            return n, False
        if len(counts) >= self.COUNTS_KEPT:
            counts.clear()
        n = counts[expression] = self._count(expression) or 0
        return n, True

    def _statistics(self, query: Query) -> tuple[int, float]:
        """Document count and mean length; a cursor carries those of its first page, so
        scores stay comparable from page to page."""
        cached = getattr(self, "_stats", None)
        if cached is None or time.monotonic() - cached[0] > self.STATISTICS_TTL:
            n, avg = self._totals()
            cached = self._stats = (time.monotonic(), int(n), float(avg or 1.0), {})
        if query.after is not None and len(query.after) == 4:
            return int(query.after[2]), float(query.after[3])
        return cached[1], cached[2]

    def _totals(self) -> tuple[int, float | None]:
        """How many documents the index holds, and their mean length: kept in
        search_terms with the rows (counting and averaging 120,000 rows took 13 ms on
        PostgreSQL, paid by the query that refreshed the statistics)."""
        held = dict(self.session.execute(_TERM_COUNTS, {"keys": [_DOCUMENTS, _LENGTH]}).all())
        n = held.get(_DOCUMENTS) or 0
        return n, (held.get(_LENGTH, 0) / n if n else None)

    def _sort_key(self, body, score, query):
        sort = query.effective_sort
        if sort == "relevance":
            return (score, body["id"], *self._statistics(query))
        return (body[sort.lstrip("-")], body["id"])

    def _public_score(self, raw: float | None) -> float | None:
        return None if raw is None else round(float(raw), 6)

    # -- per dialect ----------------------------------------------------------------
    def _expression(
        self, groups: tuple[TermGroup, ...], field: str | tuple[str, ...] | None = None
    ) -> str:
        """The full-text query for ``groups``, in ``field`` (or these fields) only when
        given."""
        raise NotImplementedError

    def _every_param(self, groups: tuple[TermGroup, ...], expression: str) -> Any:
        """The "every" parameter: the documents matching ``expression`` (of ``groups``)."""
        return expression

    def _count(self, expression: str) -> int:
        """How many documents match ``expression``."""
        raise NotImplementedError

    def _complement(self, group: TermGroup, field: str) -> str:
        """The documents holding ``group`` but not in ``field``."""
        raise NotImplementedError

    def _both(self, left: str, right: str) -> str:
        """The documents matching both expressions."""
        raise NotImplementedError

    def _either(self, left: str, right: str) -> str:
        """The documents matching either expression."""
        raise NotImplementedError

    def _term_counts(self, tokens: list[str]) -> tuple[dict[str, dict[str, int]], int | None]:
        """Per token, per field and over every field (``ANY``), how many documents hold
        it: from search_terms, kept with the rows (a full-text index counts a term by
        reading its postings: 17 ms for 联系电话 on PostgreSQL's GIN, 3.9 ms with its
        synonyms in FTS5's vocabulary). Every token is an index term as it stands (FTS5
        keeps our tokens whole; PostgreSQL's lexemes are ours), so a token absent from
        the table is held by no document. With them, the shortest documents' bound (a row
        of the same table, so one statement fewer per pruned query), None when unknown."""
        keys = [f"{letter}:{t}" for t in tokens for letter in (*_FIELD_LETTER.values(), ANY)]
        counts: dict[str, dict[str, int]] = {t: {} for t in tokens}
        short = None
        for lexeme, documents in self.session.execute(_TERM_COUNTS, {"keys": [*keys, _SHORT]}):
            if lexeme == _SHORT:
                short = documents
                continue
            letter, token = lexeme[0], lexeme[2:]
            counts[token][_LETTER_FIELD.get(letter, ANY)] = documents
        return counts, short

    # The statements' parameters (``_plan``): "all" and "every", the expression every hit
    # matches; "g<i>f<j>", which documents hold group i in its j-th field term (unless
    # held by every hit); "holders", the candidates holding the word in some fields;
    # "short", the short documents' bound; "w<i>" and "avgdl", the score's.
    def _match(self, tfs: Tfs):
        """(CTE to join or None, conditions, one tf expression per group) for documents
        matching "all"; ``tfs`` holds per group its fields' (field, how)."""
        raise NotImplementedError

    def _match_candidates(self, tfs: Tfs, own: bool, holders: bool):
        """As ``_match``, for the documents matching "all" that are at most "short" tokens
        long or, when ``holders``, match "holders" (``Plan``); scored from their own text
        when ``own``."""
        raise NotImplementedError

    def _every_hits(self, columns: list, conditions: list) -> Select:
        """``columns`` (of search_documents) of every document matching "every" and
        ``conditions``."""
        raise NotImplementedError

    def _delete_text(self, ids: list[int]) -> Counter[str]:
        """Per dialect: drop the full-text rows of ``ids`` (PostgreSQL keeps them in the
        row); the term counts they held."""
        raise NotImplementedError

    def _clear_text(self) -> None:
        """Empty the full-text index (per dialect, beside the term counts). The short
        documents' bound stays with their index (PostgreSQL's keeps itself)."""
        self.session.execute(delete(_TERMS).where(_TERMS.c.lexeme != _SHORT))


class SqliteBackend(SqlBackend):
    """FTS5 (detail=column: presence per column, no positions) beside ``search_documents``."""

    name = "sqlite-fts5"

    def _expression(self, groups, field=None):
        expression = fts5_expression(groups)
        fields = (field,) if isinstance(field, str) else field
        return f"{{{' '.join(fields)}}} : {expression}" if fields else expression

    def _count(self, expression):
        return self.session.scalar(
            text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :e"), {"e": expression}
        )

    def _both(self, left, right):
        return f"({left}) AND ({right})"

    def _either(self, left, right):
        return f"({left}) OR ({right})"

    def _complement(self, group, field):
        expression = fts5_expression((group,))
        held = f"{{{field}}} : {expression}"
        if all(len(alternative) == 1 for alternative in group.alternatives):
            # As on PostgreSQL, a one-token alternative held outside the field is held in
            # another field: those fields' entries, not every entry of the token, then
            # those held in the field taken off (信用 outside items: 6.9 ms -> 3.6).
            others = " ".join(f for f in TEXT_FIELDS if f != field)
            return f"({{{others}}} : {expression}) NOT ({held})"
        return f"{expression} NOT ({held})"

    _MATCHING = "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :all"

    def _match(self, tfs):
        return self._scored(self._MATCHING, ["all"], tfs)

    # The shortest from their own index (every document up to "short" is in it).
    _SHORT_CANDIDATES = "SELECT rowid AS id FROM search_fts_short WHERE search_fts_short MATCH :all"
    _CANDIDATES = (
        f"{_SHORT_CANDIDATES} UNION SELECT rowid FROM search_fts WHERE search_fts MATCH :holders"
    )

    def _match_candidates(self, tfs, own, holders):
        if not holders:
            # The shortest documents alone: their own index (its fields those of
            # search_fts) says which fields hold the words, read in a few hundred rows.
            return self._scored(self._SHORT_CANDIDATES, ["all"], tfs, "search_fts_short")
        return self._scored(self._CANDIDATES, ["all", "holders"], tfs)

    def _index_short(self, bound, old):
        # Their fields as search_fts has them, filled anew (0.2 s for the province: a
        # rebuild has emptied it); _delete_text drops documents from it too.
        self.session.execute(text("DELETE FROM search_fts_short"))
        if bound is not None:
            self.session.execute(_SHORT_FILL, {"bound": bound})

    def _add_short(self, ids, bound):
        added = "[" + ",".join(map(str, ids)) + "]"
        self.session.execute(_SHORT_ADD, {"ids": added, "bound": bound})

    def _every_hits(self, columns, conditions):
        # Not materialized: the sample reads FTS5's rowids in order, probes each row, and
        # stops at the bound's hit (a materialized CTE first stored all 43,000 rowids of
        # 统一社会信用代码: 20 ms where this takes 8).
        every = (
            text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :every")
            .bindparams(bindparam("every", type_=String))
            .columns(sql_column("id", Integer))
            .cte("every_id")
            .prefix_with("NOT MATERIALIZED")
        )
        return _joined(select(*columns).where(*conditions), every)

    def _scored(self, source: str, names: list[str], tfs: Tfs, fts: str = "search_fts"):
        # The fields' holders summed per document, as on PostgreSQL (``_held_sets``), and
        # left-joined: probing each field's set per hit cost 17 ms of 户籍's 45 (13,000
        # hits, four sets), the one automatic index on the sums 6 (measured).
        bases, sets = _held_sets(tfs)
        tf_sql = [f"{base} AS tf{i}" for i, base in enumerate(bases)]
        held = ""
        if sets:
            names = [*names, *(name for _, name, _ in sets)]
            arms = " UNION ALL ".join(
                "SELECT rowid AS id, "
                + ", ".join(f"{adds if k == i else 0.0} AS tf{k}" for k in range(len(tfs)))
                + f" FROM {fts} WHERE {fts} MATCH :{name}"
                for i, name, adds in sets
            )
            sums = ", ".join(f"sum(tf{k}) AS tf{k}" for k in range(len(tfs)))
            held = (
                f" LEFT JOIN (SELECT id, {sums} FROM ({arms}) GROUP BY id) AS held"
                " ON held.id = m.id"
            )
            tf_sql = [
                f"{base} + coalesce(held.tf{i}, 0.0) AS tf{i}" for i, base in enumerate(bases)
            ]
        sql = f"SELECT m.id AS id, {', '.join(tf_sql)} FROM ({source}) AS m{held}"
        matched = (
            text(sql)
            .bindparams(*(bindparam(name, type_=String) for name in names))
            .columns(
                sql_column("id", Integer), *(sql_column(f"tf{i}", Float) for i in range(len(tfs)))
            )
            .cte("matched")
            # Read in place by the hits' join: materialized, its 13,000 rows for 户籍 were
            # stored and read again (5 ms of 50, measured).
            .prefix_with("NOT MATERIALIZED")
        )
        # Joined to search_documents, whose row gives the filters and the length at once.
        return matched, [], [matched.c[f"tf{i}"] for i in range(len(tfs))]

    def _text_rows(self, documents, fields, counted):
        rows = [_row(d, f) for d, f in zip(documents, fields, strict=True)]
        entries, counts = [], TermCounts() if counted else None
        for document, f, row in zip(documents, fields, rows, strict=True):
            entries.append({"id": document["id"], **{k: " ".join(v) for k, v in f.items()}})
            if counts is not None:
                counts.add(document_terms(f), row["length"])
        added = None if counts is None else counts.keyed()
        return [(_ROWS_INSERT, rows), (_FTS_INSERT, entries)], added

    def rebuild(self, documents):
        # Debian builds SQLite with SQLITE_SECURE_DELETE: every page the rebuild frees (the
        # old FTS5 tables, rows and bodies, ~300 MB for the province) was first overwritten
        # with zeros, 4-9 s of a 43-52 s rebuild (measured). FAST still clears deleted
        # content from every page it writes, but leaves freed pages as they are: the new
        # index, written next in this transaction, takes them back first, and it holds
        # the same catalog. The connection's setting is restored, even on failure.
        connection = self.session.connection()
        saved = connection.exec_driver_sql("PRAGMA secure_delete").scalar_one()
        connection.exec_driver_sql("PRAGMA secure_delete = FAST")
        try:
            return super().rebuild(documents)
        finally:
            setting = _SECURE_DELETE[saved]
            connection.exec_driver_sql(f"PRAGMA secure_delete = {setting}")

    def _rebuild_batches(self, documents):
        # Written as they are prepared, in this thread: sqlite3 takes the GIL back for
        # every row it steps, and waiting for it behind a tokenizing thread made writing
        # search_documents 2.0 s -> 23 s. Uncounted: the counts come from FTS5 at the end.
        for batch in batched(documents, self.REBUILD_BATCH):
            yield self._prepare(batch, counted=False)

    def _count_rebuilt(self, terms):
        # From FTS5's vocabularies, once: 1.5 s for the province, where counting each
        # document's terms in Python cost 5 s.
        self.session.execute(_SQLITE_RECOUNT)

    def _delete_text(self, ids):
        # The terms they held, from their FTS5 rows (our tokens, joined by spaces).
        selected = {"ids": "[" + ",".join(map(str, ids)) + "]"}
        gone = TermCounts()
        for *texts, length in self.session.execute(_FTS_ROWS, selected):
            fields = dict(zip(TEXT_FIELDS, (t.split() for t in texts), strict=True))
            gone.add(document_terms(fields), length)
        for statement in _FTS_DELETES:
            self.session.execute(statement, selected)
        return gone.keyed()

    def _clear_text(self):
        super()._clear_text()
        # Dropped and made again from their own definitions: deleting the province's
        # 120,000 rows from FTS5 one by one cost 7 s of a 52 s rebuild. Readers keep the
        # old tables until the rebuild commits; the vocabularies find the new one by name.
        connection = self.session.connection()
        for fts in ("search_fts", "search_fts_short"):
            definition = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (fts,)
            ).scalar_one()
            connection.exec_driver_sql(f"DROP TABLE {fts}")
            connection.exec_driver_sql(definition)

    def _add_counts(self, lexemes, deltas):
        self.session.execute(
            _SQLITE_COUNT_TERMS,
            [{"lexeme": k, "delta": v} for k, v in zip(lexemes, deltas, strict=True)],
        )

    def _compact(self):
        # One segment per token instead of the batches' dozens: 3 s for the province, and
        # a common word's doclist reads in 3.5 ms instead of 9.3 ms (measured).
        self.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))


class PostgresBackend(SqlBackend):
    """A tsvector column of ``search_documents`` with a GIN index; a lexeme per field and
    token (``document_terms``), so the index alone says in which fields a token is."""

    name = "postgresql-tsvector"
    OWN_TSVECTORS = 2_000  # fields' holders up to which candidates read their own tsvector
    # Restricted to the hits, a set's GIN scan reads every other group's lists too (2.4 ms
    # for a set of 不动产登记, whatever its size); a small set's rows cost less to read
    # (不动产 outside names: 688 documents).
    SMALL_SET = 2_000

    def search(self, query):
        if not query.groups:
            return super().search(query)
        # Only the GIN index may find hits: a sequential scan, or an index scan on status
        # filtered by @@, reads every row's TOASTed tsvector (0.6 s for a common word;
        # the planner costs neither the detoasting nor the skew of common words). Bitmap
        # scans stay: the GIN's, and the btrees' ANDed to it. No parallel workers either:
        # starting two cost 8 ms to share 1 ms of the fields' holders (measured). Restored
        # after the search.
        saved = self.session.execute(_SCANS_OFF).one()
        try:
            return super().search(query)
        finally:
            self.session.execute(_SCANS_RESTORED, {"s": saved[0], "i": saved[1], "p": saved[2]})

    def _expression(self, groups, field=None):
        return tsquery_expression(groups, field)

    def _every_param(self, groups, expression):
        # Its disjuncts, each matched by its own GIN scan and the bitmaps OR-ed: a scan of
        # one tsquery over 16 lexemes (联系电话 and its synonyms in four fields, 56,700
        # documents) checks each document against every lexeme (21 ms); one scan each,
        # 13. Counting 联系电话's hits to the bound: 24 ms → 20; 身份证号's 16.5 → 12.6.
        # Several groups stay one tsquery: GIN intersects their lists, skipping.
        return tsquery_disjuncts(groups[0]) if len(groups) == 1 else [expression]

    def _complement(self, group, field):
        held = tsquery_expression((group,), field)
        if all(len(alternative) == 1 for alternative in group.alternatives):
            # A one-token alternative held outside the field is in another field's lexeme:
            # their lists, not the token's in every field, then those held in the field
            # taken off (户籍 outside items: 0.75 ms, not 3.8; it is in 12,600 items).
            others = tuple(f for f in _FIELD_LETTER if f != field)
            return f"({tsquery_expression((group,), others)}) & !({held})"
        return f"({tsquery_expression((group,))}) & !({held})"

    def _both(self, left, right):
        return f"({left}) & ({right})"

    def _either(self, left, right):
        return f"({left}) | ({right})"

    def _count(self, expression):
        return self.session.scalar(
            select(func.count()).select_from(D).where(_TSV.bool_op("@@")(_tsquery(expression)))
        )

    def _match(self, tfs):
        # The GIN's bitmap finds the hits' rows, the filters and the length are on them;
        # the fields' holders are left-joined (``_held_tfs``).
        held, tf_columns = self._held_tfs(tfs)
        return held, [_TSV.bool_op("@@")(_query("all"))], tf_columns

    @staticmethod
    def _held_tfs(tfs: Tfs):
        """(the holders to left-join, or None; each group's tf): a group's tf is its base
        plus what the sets (``_held_sets``), each found by the same index, add. The sets
        are summed per document in one grouped relation, hash-joined once: probing a
        hashed set per field and hit cost 10 ms of 户籍's 34 (13,000 hits, four fields),
        the join 4 (measured)."""
        bases, sets = _held_sets(tfs)
        arms = [
            select(
                _HOLDERS.c.resource_id.label("id"),
                *(
                    literal(adds if k == i else 0.0, Double).label(f"tf{k}")
                    for k in range(len(tfs))
                ),
            ).where(_HOLDERS.c.tsv.bool_op("@@")(_query(name)))
            for i, name, adds in sets
        ]
        if not arms:
            return None, [literal(base, Double) for base in bases]
        union = union_all(*arms).subquery("held_sets")
        held = (
            select(
                union.c.id,
                *(func.sum(union.c[f"tf{k}"]).label(f"tf{k}") for k in range(len(tfs))),
            )
            .group_by(union.c.id)
            .subquery("held")
        )
        columns = [
            literal(base, Double) + func.coalesce(held.c[f"tf{i}"], 0.0)
            for i, base in enumerate(bases)
        ]
        return Outer(held), columns

    def _candidates(self, holders, tfs, size):
        # The GIN's bitmap ANDed with (the length index's OR the fields'): only the
        # candidates' rows are read. When no field's holders are candidates, they are a
        # few hundred short documents, and each one's own tsvector says which fields hold
        # the words (the hashed sets would read every hit's id); so too when the fields'
        # holders are few, but they may be thousands (行政处罚 is in 6,000 names), too
        # many tsvectors to read (~10 µs each): hashed sets then. How many: at most
        # ``size``, the term counts' bound, or counted when there is none.
        if all(t.how == "all" for terms in tfs for t in terms):
            return "candidates"  # nothing to look up: no set, no tsvector read
        if holders is None:
            return "own"
        if size is None:
            size = self._count(holders)
        return "candidates" if size > self.OWN_TSVECTORS else "own"

    # Hits up to which a query of several groups, some of whose sets would be restricted
    # to the hits, scores each hit from its own tsvector (~15 µs a hit): each restricted
    # set's GIN scan read every group's lists (企业登记: 4 sets x 3-6 ms for 284 hits).
    OWN_HITS = 1_000

    def _own_pays(self, expression, tfs):
        if len(tfs) < 2 or not any(t.restricted for terms in tfs for t in terms):
            return False
        # Counted once, then kept as a group's count is: either way scores the same.
        return self._kept_count(expression)[0] <= self.OWN_HITS

    def _match_own(self, tfs):
        own, tf_columns = self._own_tfs(tfs)
        return own, [_TSV.bool_op("@@")(_query("all"))], tf_columns

    def _match_candidates(self, tfs, own, holders):
        held, tf_columns = self._own_tfs(tfs) if own else self._held_tfs(tfs)
        # (all AND short) OR holders, the fields' holders matching the one group:
        # so the bitmaps are combined before any row is read. The bound inline, so that
        # the planner may take the partial index (its predicate).
        short = bindparam("short", type_=Integer, literal_execute=True)
        matching = and_(_TSV.bool_op("@@")(_query("all")), D.length <= short)
        if holders:
            matching = or_(matching, _TSV.bool_op("@@")(_query("holders")))
        return held, [matching], tf_columns

    @staticmethod
    def _own_tfs(tfs: Tfs):
        """(the row's tsvector, read once, to join laterally; each group's tf from it).
        Each ``@@`` on the column read the TOASTed value again: the lateral subquery
        (kept apart by its OFFSET) reads it once per row, and ``strip`` (a tsvector of
        ours has no positions to strip) hands on a copy in memory (信用's 1,049 candidates,
        four fields: 29 ms -> 19, measured)."""
        own = select(func.strip(_TSV).label("tsv")).offset(0).lateral("own")

        def held(i: int, j: int, field: str, how: str):
            if how == "all":
                return literal(WEIGHTS[field])
            found = own.c.tsv.bool_op("@@")(_query(f"g{i}f{j}"))
            return case((~found if how == "not_in" else found, WEIGHTS[field]), else_=0.0)

        columns = [
            sum((held(i, j, *term) for j, term in enumerate(terms)), literal(0.0))
            for i, terms in enumerate(tfs)
        ]
        return Lateral(own), columns

    def _every_hits(self, columns, conditions):
        # "every" is a list of tsqueries (``_every_param``), matched each by its own GIN scan.
        # Fenced (OFFSET) from the visibility and filters: offered the status index beside
        # 16 GIN scans, the planner took it and tested 108,000 rows' tsvectors (1.7 s).
        every = cast(bindparam("every", type_=ARRAY(String)), ARRAY(TSQUERY))
        matched = (
            select(*D.__table__.columns)
            .where(_TSV.bool_op("@@")(any_(every)))
            .offset(0)
            .subquery("every_match")
        )
        adapt = ClauseAdapter(matched).traverse
        return select(*map(adapt, columns)).where(*map(adapt, conditions))

    def _index_short(self, bound, old):
        # A partial GIN index, which PostgreSQL keeps with every write (so _add_short has
        # nothing to do). Made again only when the bound moves: a rebuild of the same
        # catalog keeps it, as dropping it locks the table until the transaction commits.
        if bound == old:
            return
        self.session.execute(text(f"DROP INDEX IF EXISTS {_SHORT_INDEX}"))
        if bound is not None:
            self.session.execute(
                text(
                    f"CREATE INDEX {_SHORT_INDEX} ON search_documents USING gin (tsv) "
                    f"WHERE length <= {int(bound)}"
                )
            )

    def _text_rows(self, documents, fields, counted):
        """Rows with their tsvector (an UPDATE per row halved the build rate)."""
        rows, counts = [], TermCounts() if counted else None
        for document, f in zip(documents, fields, strict=True):
            terms = document_terms(f)
            row = _row(document, f)
            rows.append((*(row[c] for c in _ROW_COLUMNS), tsvector_text(terms)))
            if counts is not None:
                counts.add(terms, row["length"])
        return [(_ROWS_COPY, rows)], None if counts is None else counts.keyed()

    def _body_rows(self, documents):
        # Serialized here: in the rebuild's tokenizing thread, not the writing one.
        return _BODIES_COPY, [
            (d["id"], json.dumps(d, ensure_ascii=False), d["fingerprint"]) for d in documents
        ]

    def _insert(self, statement, rows):
        # COPY: psycopg runs an executemany as an INSERT per row (240,000 statements for
        # the province's rows and bodies), each parsed, planned and executed by the server.
        # On the session's own connection, so in its transaction.
        cursor = self.session.connection().connection.driver_connection.cursor()
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def _rebuild_batches(self, documents):
        # Each batch is tokenized and counted in a thread while the one before is
        # written: the write waits on the server with the GIL released (a third of the
        # rebuild: 70 s -> 54 s). The thread touches no session. Counted as they go:
        # recounting from the tsvectors took 36 s (migration 0028).
        with ThreadPoolExecutor(1, thread_name_prefix="search-rebuild") as tokenizer:
            previous = None
            for batch in batched(documents, self.REBUILD_BATCH):
                current = tokenizer.submit(self._prepare, batch)
                if previous is not None:
                    yield previous.result()
                previous = current
            if previous is not None:
                yield previous.result()

    def _count_rebuilt(self, terms):
        # Into a table emptied by the rebuild (but for the short documents' bound, which
        # no batch counts): COPY, not an upsert of 260,000 rows (2.4 s -> 0.7 s, province).
        self._insert(_TERMS_COPY, terms.items())

    def settle(self):
        # Until VACUUM, the GIN index and the heap still hold every replaced row: for the
        # minute until autovacuum came, 联系电话 took 70 ms instead of 22 (province). On a
        # connection of its own, outside any transaction (VACUUM runs in none); a table
        # another transaction holds a conflicting lock on is skipped, never waited for.
        engine = self.session.get_bind().engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(_VACUUM)

    def _delete_text(self, ids):
        # The rows are locked as they are read: a drain removing the same document
        # meanwhile waits, then finds it gone and takes nothing off the counts.
        gone = TermCounts()
        for lexemes, length in self.session.execute(
            select(func.tsvector_to_array(_TSV), D.length)
            .where(D.resource_id.in_(ids))
            .with_for_update()
        ):
            gone.add(lexeme_terms(lexemes), length)
        return gone.keyed()

    def _add_counts(self, lexemes, deltas):
        # One statement, in lexeme order: writers meeting on common lexemes take their
        # row locks in the same order, so they queue and never deadlock.
        self.session.execute(_COUNT_TERMS, {"lexemes": lexemes, "deltas": deltas})


# search_documents as PostgreSQL has it: the model's columns and the tsvector (migration 0007).
_PG_TABLE = Table(
    "search_documents",
    MetaData(),
    *(Column(c.name, c.type) for c in D.__table__.columns),
    Column("tsv", TSVECTOR),
)
_ROW_COLUMNS = [c.name for c in D.__table__.columns]
_ROWS_COPY = f"COPY search_documents ({', '.join(_ROW_COLUMNS)}, tsv) FROM STDIN"
_BODIES_COPY = "COPY search_bodies (resource_id, body, fingerprint) FROM STDIN"
_TERMS_COPY = "COPY search_terms (lexeme, documents) FROM STDIN"
_VACUUM = text("VACUUM (ANALYZE, SKIP_LOCKED) search_documents, search_bodies, search_terms")
_TSV = literal_column("search_documents.tsv", type_=TSVECTOR)
_HOLDERS = _PG_TABLE.alias("holders")
# Per lexeme and per token over every field, how many documents hold it; and the index's
# document count and total length (migration 0028).
_TERMS = Table(
    "search_terms",
    MetaData(),
    Column("lexeme", Text, primary_key=True),
    Column("documents", BigInteger, nullable=False),
)
_DOCUMENTS, _LENGTH = "#:documents", "#:length"
_TERM_COUNTS = select(_TERMS.c.lexeme, _TERMS.c.documents).where(
    _TERMS.c.lexeme.in_(bindparam("keys", expanding=True))
)
_SCANS_OFF = text(
    "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'),"
    " current_setting('max_parallel_workers_per_gather'),"
    " set_config('enable_seqscan', 'off', true),"
    " set_config('enable_indexscan', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)
_SCANS_RESTORED = text(
    "SELECT set_config('enable_seqscan', :s, true), set_config('enable_indexscan', :i, true),"
    " set_config('max_parallel_workers_per_gather', :p, true)"
)
_COUNT_TERMS = text(
    "INSERT INTO search_terms (lexeme, documents) "
    "SELECT * FROM unnest(CAST(:lexemes AS text[]), CAST(:deltas AS bigint[])) ORDER BY 1 "
    "ON CONFLICT (lexeme) DO UPDATE SET documents = search_terms.documents + excluded.documents"
)


def _tsquery(expression: str):
    return cast(literal(expression, String), TSQUERY)


def _query(name: str):
    """The tsquery of the statement's parameter ``name``."""
    return cast(bindparam(name, type_=String), TSQUERY)


# -- query and document text per dialect -------------------------------------------------
def fts5_expression(groups: tuple[TermGroup, ...]) -> str:
    """AND of groups; a group is an OR of alternatives, each an AND of quoted tokens."""

    def quoted(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    return " AND ".join(
        "("
        + " OR ".join("(" + " AND ".join(quoted(t) for t in alt) + ")" for alt in g.alternatives)
        + ")"
        for g in groups
    )


# The tsvector's lexemes are "<field letter>:<token>"; the letters were ts_rank's weights.
_FIELD_LETTER = {"name": "A", "summary": "B", "items": "C", "other": "D"}
_LETTER_FIELD = {letter: field for field, letter in _FIELD_LETTER.items()}


def _lexeme(token: str) -> str:
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'"


def tsquery_expression(
    groups: tuple[TermGroup, ...], field: str | tuple[str, ...] | None = None
) -> str:
    """As fts5_expression: a token is found in ``field`` (or these fields), or in any
    field when None."""
    fields = (field,) if isinstance(field, str) else field or tuple(_FIELD_LETTER)
    letters = [_FIELD_LETTER[f] for f in fields]

    def token(t: str) -> str:
        found = " | ".join(_lexeme(f"{letter}:{t}") for letter in letters)
        return f"({found})" if len(letters) > 1 else found

    return " & ".join(
        "("
        + " | ".join("(" + " & ".join(token(t) for t in alt) + ")" for alt in g.alternatives)
        + ")"
        for g in groups
    )


def tsquery_disjuncts(group: TermGroup) -> list[str]:
    """One group's ``tsquery_expression`` as the tsqueries it is the OR of: a lexeme per
    field of each one-token alternative, and each longer alternative whole."""
    disjuncts: list[str] = []
    for alternative in group.alternatives:
        if len(alternative) == 1:
            disjuncts += (
                _lexeme(f"{letter}:{alternative[0]}") for letter in _FIELD_LETTER.values()
            )
        else:
            disjuncts.append(tsquery_expression((replace(group, alternatives=(alternative,)),)))
    return list(dict.fromkeys(disjuncts))


def document_terms(fields: dict[str, list[str]]) -> list[tuple[str, dict[str, None]]]:
    """A document's distinct tokens per field, with the field's letter: its lexemes are
    "A:户籍" for 户籍 in its name, one per (field, token). Quoted and joined
    (``tsvector_text``) they are its positionless tsvector, made from our tokens with no
    parser in between: the index then knows which field holds a token. What they add to
    the term counts: ``TermCounts.add``."""
    # Distinct per field: a document's ~300 tokens are ~150 distinct lexemes.
    return [(_FIELD_LETTER[name], dict.fromkeys(fields[name])) for name in TEXT_FIELDS]


def tsvector_text(terms: list[tuple[str, dict[str, None]]]) -> str:
    """The tsvector literal of a document's ``terms`` (``document_terms``): each lexeme
    quoted, escaped only when one needs it (our tokens never hold a quote or a backslash,
    but the literal must not break if one did). Joined per field, not lexeme by lexeme
    (a string per lexeme was a third of the PostgreSQL rebuild's Python time)."""
    joined = " ".join(
        f"'{letter}:" + f"' '{letter}:".join(tokens) + "'" for letter, tokens in terms if tokens
    )
    lexemes = sum(len(tokens) for _, tokens in terms)
    if "\\" in joined or joined.count("'") != 2 * lexemes:
        return " ".join(_lexeme(f"{letter}:{t}") for letter, tokens in terms for t in tokens)
    return joined


def lexeme_terms(lexemes: Iterable[str]) -> list[tuple[str, dict[str, None]]]:
    """``document_terms`` read back from a tsvector's lexemes."""
    terms: dict[str, dict[str, None]] = {}
    for lexeme in lexemes:
        terms.setdefault(lexeme[0], {})[lexeme[2:]] = None
    return list(terms.items())


class TermCounts:
    """What documents add to ``search_terms``: per field letter and over every field
    (``ANY``), how many documents hold each token; how many documents, and their total
    length. Counted by token within each field, keyed "A:户籍" only once per batch
    (``keyed``): the tokens' hashes are already known, a lexeme string's is not."""

    def __init__(self) -> None:
        self._fields = {letter: Counter() for letter in (*_LETTER_FIELD, ANY)}
        self._documents = self._length = 0

    def add(self, terms: list[tuple[str, dict[str, None]]], length: int) -> None:
        fields = self._fields
        for letter, tokens in terms:
            # keys(): Counter.update counts an iterable in C, a mapping in Python.
            fields[letter].update(tokens.keys())
        fields[ANY].update(dict.fromkeys(chain.from_iterable(t for _, t in terms)).keys())
        self._documents += 1
        self._length += length

    def keyed(self) -> Counter[str]:
        """The counts as ``search_terms`` keys them."""
        keyed = Counter(
            {
                f"{letter}:{token}": n
                for letter, counts in self._fields.items()
                for token, n in counts.items()
            }
        )
        if self._documents:
            keyed[_DOCUMENTS], keyed[_LENGTH] = self._documents, self._length
        return keyed


# -- term counts ------------------------------------------------------------------------
ANY = "*"  # the key of a token's count over every field


def _sizes(counts: dict[str, dict[str, int]]):
    """``sizes(group, field, df, df_exact)`` → None when a token has no count, else (an
    upper bound of the documents holding the group in the field, whether every document
    holding the group does). Every one does when no other field holds any of the group's
    tokens (联系电话 and its synonyms are only ever data items: the complement, a set of
    nothing, read all four lists, 12.7 ms of its 30 on SQLite); or when one token is held
    there by as many documents as hold the group, ``df``, if exact (a kept count may lag
    the index)."""

    def sizes(group: TermGroup, field: str, df: int, df_exact: bool = True):
        if any(t not in counts for t in group.tokens):
            return None
        upper = sum(min(counts[t].get(field, 0) for t in alt) for alt in group.alternatives)
        # Then a hit holds all of its alternative's tokens here (upper > 0: there are hits).
        alone = upper > 0 and not _held_in(
            group.tokens, [f for f in TEXT_FIELDS if f != field], counts
        )
        every = alone or (
            df_exact
            and any(
                len(alt) == 1 and counts[alt[0]].get(field, 0) == df for alt in group.alternatives
            )
        )
        return min(upper, df), every

    return sizes


def _held_in(tokens: Iterable[str], fields: Iterable[str], counts) -> bool:
    """Whether, by the term counts, any document holds any of ``tokens`` in any of
    ``fields``."""
    return any(counts[t].get(f, 0) for t in tokens for f in fields)


def _held_within(group: TermGroup, counts, fields: tuple[str, ...]) -> bool:
    """Whether a document may match ``group`` within ``fields``: unless each alternative
    has a token none of them holds."""
    return not all(
        any(not _held_in([t], fields, counts) for t in alt) for alt in group.alternatives
    )


def _known_df(group: TermGroup, counts: dict[str, dict[str, int]]) -> int | None:
    """A one-token group's document count (none for a word with synonyms: the index holds
    no count of their union, see ``_group_count``)."""
    if len(group.alternatives) != 1 or len(group.alternatives[0]) != 1:
        return None
    return counts[group.alternatives[0][0]].get(ANY, 0)


# -- shared SQL pieces --------------------------------------------------------------------
def _held_sets(tfs: Tfs) -> tuple[list[float], list[tuple[int, str, float]]]:
    """Each group's base tf, the weights of the fields every hit holds it in ("all") or
    most do ("not_in"); and the sets to look up, as (group, the set's parameter, what its
    documents add to the group's tf: the field's weight for "in", minus it for "not_in")."""
    bases, sets = [], []
    for i, terms in enumerate(tfs):
        base = 0.0
        for j, (field, how) in enumerate(terms):
            weight = WEIGHTS[field]
            if how != "in":
                base += weight
            if how != "all":
                sets.append((i, f"g{i}f{j}", -weight if how == "not_in" else weight))
        bases.append(base)
    return bases, sets


@dataclass(frozen=True)
class Outer:
    """A relation left-joined to search_documents: it has rows for some hits only."""

    relation: Any


@dataclass(frozen=True)
class Lateral:
    """A subquery over each row of search_documents, joined to it."""

    relation: Any


def _joined(statement: Select, matched) -> Select:
    """``statement`` over search_documents, joined to ``matched`` when there is one."""
    if matched is None:
        return statement.select_from(D)
    if isinstance(matched, Outer):
        held = matched.relation
        return statement.select_from(D).outerjoin(held, held.c.id == D.resource_id)
    if isinstance(matched, Lateral):
        return statement.select_from(D).join(matched.relation, true())
    return statement.join(matched, matched.c.id == D.resource_id)


def _visibility(shape: Shape) -> list:
    conditions = []
    if shape.public_only:
        conditions.append(D.open_to_public.is_(True))
    if shape.published_only:
        published = D.status == "published"
        if shape.own_departments:
            own = D.provider_id.in_(bindparam("own", expanding=True))
            published = or_(published, own)
        conditions.append(published)
    return conditions


def _filters(names: tuple[str, ...]) -> list:
    """Each filter's values: the parameter "filter_<name>"."""
    conditions = []
    for name in names:
        values = bindparam(f"filter_{name}", expanding=True)
        if name == "system_id":
            conditions.append(_system_filter(values))
        else:
            conditions.append(getattr(D, name).in_(values))
    return conditions


def _system_filter(values):
    return D.resource_id.in_(
        select(resource_systems.c.resource_id).where(resource_systems.c.system_id.in_(values))
    )


def _after(column, descending: bool):
    """Keyset condition: rows strictly after the last hit's ("after_value", "after_id")
    in the page order."""
    value = bindparam("after_value", type_=column.type)
    beyond = column < value if descending else column > value
    last_id = bindparam("after_id", type_=Integer)
    return or_(beyond, and_(column == value, column.table.c.id > last_id))


# Facets of a few values each, FACET_KEY_COLUMNS (enumerations, and the category's first
# digit): a few hundred combinations at most, whatever the hits, each one ``facet_key``.


def _keyed(facets: tuple[str, ...]) -> bool:
    """Whether the few-valued facets are counted by their combinations' key."""
    return sum(f in FACET_KEY_COLUMNS for f in facets) >= 2


def _facet_columns(facets: tuple[str, ...]) -> list:
    """The hits' columns that ``facets`` are counted from."""
    columns = [getattr(D, f).label(f) for f in facets]
    return [*columns, D.facet_key.label("facet_key")] if _keyed(facets) else columns


def _facet_arms(sample, facets: tuple[str, ...]) -> list[Select]:
    """Each facet's values among the hits (the CTE ``sample``), the most frequent first.
    The few-valued ones are counted in one pass, by combination of their values (grouped
    by its integer key: 4 ms for 10,000 hits on SQLite, 18 by the four text columns), and
    each is summed from those: a pass per facet over 10,000 hits cost 3 ms each on
    PostgreSQL."""
    few = [f for f in facets if f in FACET_KEY_COLUMNS]
    if not _keyed(facets):
        return [_facet_arm(sample.c[f], func.count(), f) for f in facets]
    # One key, one value per column: min() takes it.
    combinations = (
        select(*(func.min(sample.c[f]).label(f) for f in few), func.count().label("n"))
        .group_by(sample.c.facet_key)
        .cte("combinations")
        .prefix_with("MATERIALIZED")
    )
    return [
        _facet_arm(combinations.c[f], func.sum(combinations.c.n), f)
        if f in few
        else _facet_arm(sample.c[f], func.count(), f)
        for f in facets
    ]


def _facet_arm(column, count, facet: str) -> Select:
    """The ``FACET_SIZE`` values of ``column`` with the most ``count``, ties by value."""
    return select(
        select(
            literal(facet), cast(literal(None), Integer), cast(column, String), cast(count, Double)
        )
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(FACET_SIZE)
        .subquery()
    )


# Statements that depend on no query are built once (building one costs 0.1-0.3 ms).
# The bodies as text, read with orjson (jsoncodec): a page's 20, 0.45 -> 0.14 ms (its hits
# 0.66 -> 0.45 ms on SQLite, measured).
_BODIES = select(SearchBody.resource_id, cast(SearchBody.body, Text)).where(
    SearchBody.resource_id.in_(bindparam("ids", expanding=True))
)
# Core inserts: through the mapped classes, each row went through the ORM's bulk path
# (24 s of a 59 s SQLite rebuild for search_documents, measured).
_ROWS_INSERT = insert(D.__table__)
_BODIES_INSERT = insert(SearchBody.__table__)
_FTS_ROWS = text(
    "SELECT f.name, f.summary, f.items, f.other, d.length FROM search_fts AS f "
    "JOIN search_documents AS d ON d.resource_id = f.rowid "
    "WHERE f.rowid IN (SELECT value FROM json_each(:ids))"
)
_SQLITE_RECOUNT = text(
    "INSERT INTO search_terms (lexeme, documents) "
    "SELECT CASE col "
    + " ".join(f"WHEN '{field}' THEN '{letter}'" for field, letter in _FIELD_LETTER.items())
    + " END || ':' || term, doc FROM search_fts_vocab "
    f"UNION ALL SELECT '{ANY}:' || term, doc FROM search_fts_terms "
    "UNION ALL SELECT '#\\:documents', count(*) FROM search_documents "
    "UNION ALL SELECT '#\\:length', coalesce(sum(length), 0) FROM search_documents"
)
_SQLITE_COUNT_TERMS = text(
    "INSERT INTO search_terms (lexeme, documents) VALUES (:lexeme, :delta) "
    "ON CONFLICT (lexeme) DO UPDATE SET documents = documents + excluded.documents"
)
_SECURE_DELETE = {0: "OFF", 1: "ON", 2: "FAST"}  # as SQLite reports the pragma
_SHORT = "#:short"
_SHORT_BOUND = select(_TERMS.c.documents).where(_TERMS.c.lexeme == _SHORT)
_SHORT_INDEX = "ix_search_documents_tsv_short"  # PostgreSQL's
_SHORT_ROWS = (
    "INSERT INTO search_fts_short (rowid, name, summary, items, other, length) "
    "SELECT f.rowid, f.name, f.summary, f.items, f.other, d.length "
    "FROM search_documents AS d JOIN search_fts AS f ON f.rowid = d.resource_id "
)
_SHORT_FILL = text(_SHORT_ROWS + "WHERE d.length <= :bound")
_SHORT_ADD = text(
    _SHORT_ROWS
    + "WHERE d.resource_id IN (SELECT value FROM json_each(:ids)) AND d.length <= :bound"
)
_FTS_DELETES = tuple(
    text(f"DELETE FROM {fts} WHERE rowid IN (SELECT value FROM json_each(:ids))")
    for fts in ("search_fts", "search_fts_short")
)
_FTS_INSERT = text(
    "INSERT INTO search_fts (rowid, name, summary, items, other) "
    "VALUES (:id, :name, :summary, :items, :other)"
)


def _row(document: dict[str, Any], fields: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "length": sum(map(len, fields.values())),
        "resource_id": document["id"],
        "code": document["code"],
        "name": document["name"],
        "provider_id": document["provider_id"],
        "status": document["status"],
        "open_to_public": document["open_to_public"],
        "share_type": document["share_type"],
        "update_cycle": document["update_cycle"],
        "category": document["category"],
        "facet_key": facet_key(*(document[c] for c in FACET_KEY_COLUMNS)),
        "updated_at": datetime.fromisoformat(document["updated_at"]),
    }
