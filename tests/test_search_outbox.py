"""Nothing is lost when the index is unreachable; `registry search check` finds drift and
`registry search rebuild` / `check --repair` mend it. Runs on every search backend."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from registry import search
from registry.db import db
from registry.models import Resource, SearchOutbox
from registry.search import maintenance
from registry.search.documents import build_documents, iter_all_documents
from registry.search.engine import EngineBackend, _Client

from .helpers import ApiClient, build_world, resource_payload


@pytest.fixture
def api(search_app) -> ApiClient:
    return ApiClient(search_app.test_client(), build_world(search_app))


def _outbox(app) -> int:
    """Outbox entries, a rebuild's mark included."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def _names(api: ApiClient, q: str) -> list[str]:
    with api.client.application.app_context():
        search.backend(api.client.application).refresh()
    return [
        h["name"]
        for h in api.as_("reviewer").get("/api/v1/search", query_string={"q": q}).get_json()["hits"]
    ]


def test_each_write_is_indexed_after_its_commit_and_leaves_no_entry(api):
    api.create_resource("editor_a", name="殡葬服务信息")
    assert _outbox(api.client.application) == 0
    assert _names(api, "殡葬") == ["殡葬服务信息"]


# The built-in index lives in the catalog database: it cannot be unreachable on its own.
@pytest.mark.parametrize("search_kind", ["opensearch", "elasticsearch"])
def test_an_unreachable_engine_loses_nothing(api, search_kind):
    app = api.client.application
    backend = search.backend(app)
    live = backend.client
    # A real client to a port where nothing listens (not a mock): every request fails.
    backend.client = _Client(live.flavour, "http://127.0.0.1:9", timeout=2)
    try:
        r = api.as_("editor_a").post(
            "/api/v1/resources", json=resource_payload(name="殡葬服务信息")
        )
        assert r.status_code == 201  # the catalog change stands
        assert _outbox(app) == 1
        assert (
            api.as_("reviewer").get("/api/v1/search", query_string={"q": "殡葬"}).status_code == 503
        )
    finally:
        backend.client = live
    app.extensions["registry.search"].failed_at = 0.0
    result = app.test_cli_runner().invoke(args=["search", "drain"])
    assert result.exit_code == 0, result.output
    assert _outbox(app) == 0
    assert _names(api, "殡葬") == ["殡葬服务信息"]


def test_check_reports_missing_stale_and_orphaned_documents_and_repair_mends_them(api):
    app = api.client.application
    ids = [api.create_resource("editor_a", name=f"殡葬服务信息{n}")[0]["id"] for n in range(3)]
    with app.app_context():
        backend = search.backend(app)
        docs = {d["id"]: d for d in build_documents(db.session, ids)}
        backend.remove([ids[0]])  # missing
        backend.index([{**docs[ids[1]], "fingerprint": "0" * 40}])  # stale
        backend.index([{**docs[ids[2]], "id": 999_999}])  # orphaned
        db.session.commit()
        backend.refresh()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "缺失 1，过期 1，多余 1" in result.output
    assert f"缺失：{ids[0]}" in result.output and f"过期：{ids[1]}" in result.output
    assert "多余：999999" in result.output
    result = runner.invoke(args=["search", "check", "--repair"])
    assert result.exit_code == 0 and "已修复 3" in result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0


# Documents come from the catalog database, so this runs on each catalog database.
@pytest.mark.parametrize("search_kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("batch", [1, 2, 5, 2000])
def test_reading_every_document_in_batches_reads_each_resource_once(api, batch):
    """The full read pages by id ranges; the same documents as read by their ids."""
    app = api.client.application
    for n in range(4):
        api.create_resource("editor_a" if n % 2 else "editor_b", name=f"殡葬服务信息{n}")
    with app.app_context():
        batches = list(iter_all_documents(db.session, batch=batch))
        ids = [d["id"] for b in batches for d in b]
        assert len(ids) >= 4 and ids == sorted(set(ids))
        assert all(len(b) <= batch for b in batches)
        assert [d for b in batches for d in b] == build_documents(db.session, ids)


def test_documents_hold_what_the_session_has_not_flushed(api):
    """Documents are read as Core rows on the session's connection: what the session
    holds unflushed is flushed first, as the session's own execute would."""
    app = api.client.application
    rid = api.create_resource("editor_a", name="殡葬服务信息")[0]["id"]
    with app.app_context():
        db.session.get(Resource, rid).name = "殡葬服务档案"
        [document] = build_documents(db.session, [rid])
        assert document["name"] == "殡葬服务档案"
        db.session.rollback()


def test_rebuild_replaces_the_index_and_covers_the_outbox(api):
    app = api.client.application
    api.create_resource("editor_a", name="殡葬服务信息")
    with app.app_context():
        search.backend(app).remove([r for r, _ in search.backend(app).fingerprints()])
        db.session.add(SearchOutbox(resource_id=12345))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "已重建检索索引：1 个文档" in result.output
    assert _outbox(app) == 0
    assert _names(api, "殡葬") == ["殡葬服务信息"]
    with app.app_context():
        report = maintenance.check(db.session, search.backend(app))
    assert report.ok and report.indexed == 1


@pytest.mark.parametrize("search_kind", ["postgresql"])
def test_rebuild_vacuums_the_rows_it_replaced(api):
    """After the rebuild commits, the CLI vacuums the search tables: until then the GIN
    index and the heap still hold every replaced row."""
    from sqlalchemy import text

    app = api.client.application
    api.create_resource("editor_a", name="殡葬服务信息")

    def vacuums() -> int:
        with app.app_context():
            db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
            return db.session.scalar(
                text(
                    "SELECT vacuum_count FROM pg_stat_user_tables "
                    "WHERE relname = 'search_documents'"
                )
            )

    before = vacuums()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert vacuums() == before + 1
    assert _names(api, "殡葬") == ["殡葬服务信息"]


@pytest.mark.parametrize("search_kind", ["sqlite"])
def test_rebuild_leaves_freed_pages_to_the_new_index(api):
    """SQLite's rebuild runs with secure_delete = FAST (freed pages are not zeroed: the new
    index takes them back), and gives the connection its own setting back."""
    from sqlalchemy import event, text

    app = api.client.application
    api.create_resource("editor_a", name="殡葬服务信息")
    seen = []
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql("PRAGMA secure_delete = ON")

        def dropped(conn, cursor, statement, *_):
            if statement.startswith("DROP TABLE search_fts"):
                seen.append(cursor.connection.execute("PRAGMA secure_delete").fetchone()[0])

        engine = db.session.get_bind().engine
        event.listen(engine, "before_cursor_execute", dropped)
        try:
            assert maintenance.rebuild(db.session, search.backend(app)) == 1
        finally:
            event.remove(engine, "before_cursor_execute", dropped)
        assert seen == [2, 2]  # both FTS5 tables dropped under FAST
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
        assert db.session.scalar(text("SELECT count(*) FROM search_fts")) == 1
        db.session.commit()
    assert _names(api, "殡葬") == ["殡葬服务信息"]


def test_healthz_reports_the_search_backend(api):
    body = api.client.get("/healthz").get_json()
    assert body["checks"]["search"] == "ok"


def test_imported_resources_are_indexed(api):
    records = [
        {**resource_payload(name=f"殡葬服务信息{n}", classification_code="309001")}
        for n in range(3)
    ]
    r = api.as_("editor_a").client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(json.dumps(records, ensure_ascii=False).encode()), "a.json")},
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    assert sorted(_names(api, "殡葬")) == [f"殡葬服务信息{n}" for n in range(3)]
    assert _outbox(api.client.application) == 0


def test_changes_during_a_rebuild_reach_the_new_index(api):
    app = api.client.application
    with app.app_context():
        maintenance.begin_rebuild(db.session)  # a rebuild has begun elsewhere
        db.session.commit()
    api.create_resource("editor_a", name="殡葬服务信息")  # its request drains, keeps the entry
    assert _outbox(app) == 2  # the mark and the entry
    assert _names(api, "殡葬") == ["殡葬服务信息"]
    with app.app_context():
        maintenance.rebuild(db.session, search.backend(app))
        db.session.commit()
    assert _outbox(app) == 1  # queued after the mark: indexed again into the new index
    assert app.test_cli_runner().invoke(args=["search", "drain"]).exit_code == 0
    assert _outbox(app) == 0
    assert _names(api, "殡葬") == ["殡葬服务信息"]


@pytest.mark.parametrize("search_kind", ["opensearch", "elasticsearch"])
def test_a_plain_http_address_is_asked_which_engine_it_is(api, search_kind):
    url = api.client.application.config["SEARCH_URL"]
    backend = EngineBackend.from_url(url.split("+", 1)[1], index="registry-probe")
    try:
        assert backend.client.flavour == search_kind
        assert backend.name == f"{search_kind}-engine"
    finally:
        backend.close()
    with pytest.raises(ValueError, match="unknown engine"):
        EngineBackend.from_url("solr+http://127.0.0.1:8983", index="x")


_RECOUNT = {}
# The index's own counts: the documents' tsvectors; FTS5's vocabularies of its doclists.
_RECOUNT["postgresql"] = """
    SELECT lexeme, count(*) FROM (
        SELECT unnest(tsvector_to_array(tsv)) AS lexeme FROM search_documents
    ) AS held GROUP BY lexeme
    UNION ALL
    SELECT '*:' || token, count(*) FROM (
        SELECT DISTINCT resource_id, substr(lexeme, 3) AS token
        FROM search_documents, unnest(tsvector_to_array(tsv)) AS lexeme
    ) AS held GROUP BY token
    UNION ALL SELECT '#\\:documents', count(*) FROM search_documents
    UNION ALL SELECT '#\\:length', sum(length) FROM search_documents
"""
_RECOUNT["sqlite"] = """
    SELECT CASE col WHEN 'name' THEN 'A' WHEN 'summary' THEN 'B' WHEN 'items' THEN 'C'
        ELSE 'D' END || ':' || term, doc FROM search_fts_vocab
    UNION ALL SELECT '*:' || term, doc FROM search_fts_terms
    UNION ALL SELECT '#\\:documents', count(*) FROM search_documents
    UNION ALL SELECT '#\\:length', sum(length) FROM search_documents
"""


@pytest.mark.parametrize("search_kind", ["sqlite", "postgresql"])
def test_term_counts_follow_every_write(api, search_kind):
    """search_terms keeps per lexeme and per token the documents holding it, and the
    index's document count and total length, written with the rows: after each kind of
    write they equal the full-text index's own count."""
    from sqlalchemy import text

    app = api.client.application
    ids = [api.create_resource("editor_a", name=f"殡葬服务信息{n}")[0]["id"] for n in range(3)]

    def stored() -> dict[str, int]:
        rows = db.session.execute(text("SELECT lexeme, documents FROM search_terms"))
        return {lexeme: n for lexeme, n in rows if n}

    def recounted() -> dict[str, int]:
        return dict(db.session.execute(text(_RECOUNT[search_kind])).all())

    with app.app_context():
        backend = search.backend(app)
        assert stored() == recounted() and stored()["*:殡葬"] == 3
        docs = {d["id"]: d for d in build_documents(db.session, ids)}
        backend.index([{**docs[ids[0]], "name": "殡仪馆火化登记"}])  # renamed
        assert stored() == recounted()
        assert stored()["A:殡仪馆"] == 1 and stored()["A:殡葬"] == 2
        backend.index([docs[ids[1]], docs[ids[1]] | {"summary": "殡仪馆"}][1:])  # again
        assert stored() == recounted() and stored()["*:殡仪馆"] == 2
        backend.remove([ids[2], 999_999])  # one indexed, one not
        assert stored() == recounted() and stored()["*:殡葬"] == 1
        maintenance.rebuild(db.session, backend)  # from the catalog, unchanged
        assert stored() == recounted() and stored()["*:殡葬"] == 3
        assert "A:殡仪馆" not in stored() and stored()["#:documents"] == 3
        db.session.commit()


_WORDS = ["户籍", "登记", "殡葬", "服务", "信息", "联系电话", "地址", "婚姻", "收养", "救助"]


@pytest.mark.parametrize("search_kind", ["sqlite", "postgresql"])
def test_the_short_documents_index_follows_every_write(api, search_kind):
    """Every document up to a bound is in the short documents' index, a common word's
    shortest candidates: whatever is written, renamed longer or shorter, removed or added
    back, SQLite's search_fts_short holds exactly those, with their tokens; PostgreSQL's
    partial index is made for the bound kept."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from sqlalchemy import text

    app = api.client.application
    ids = [
        api.create_resource("editor_a", name=f"殡葬服务信息{n}", summary="殡葬" * (n + 1))[0]["id"]
        for n in range(8)
    ]
    bound_sql = text("SELECT documents FROM search_terms WHERE lexeme = '#\\:short'")
    fields = "rowid, name, summary, items, other"

    def held_exactly_the_short_ones() -> None:
        bound = db.session.scalar(bound_sql)
        if search_kind == "postgresql":
            predicate = db.session.scalar(
                text(
                    "SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                    "WHERE indexrelid = to_regclass('ix_search_documents_tsv_short')"
                )
            )
            assert predicate == f"(length <= {bound})"
            return
        held = {
            rid: rest
            for rid, *rest in db.session.execute(text(f"SELECT {fields} FROM search_fts_short"))
        }
        lengths = dict(
            db.session.execute(text("SELECT resource_id, length FROM search_documents")).all()
        )
        assert bound is not None  # 8 documents > 2 x PRUNE_SHORT
        assert set(held) == {rid for rid, n in lengths.items() if n <= bound}
        texts = {
            rid: rest for rid, *rest in db.session.execute(text(f"SELECT {fields} FROM search_fts"))
        }
        assert held == {rid: texts[rid] for rid in held}

    writes = st.lists(
        st.tuples(
            st.sampled_from(ids),
            st.one_of(st.none(), st.lists(st.sampled_from(_WORDS), max_size=12)),
        ),
        min_size=1,
        max_size=6,
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shortest=st.integers(1, 3), writes=writes)
    def check(shortest, writes):
        backend.index(docs.values())  # as created
        backend.PRUNE_SHORT = shortest
        backend.refill_short()
        held_exactly_the_short_ones()
        for rid, words in writes:
            if words is None:
                backend.remove([rid])
            else:  # renamed: shorter or longer than before
                backend.index([{**docs[rid], "name": "".join(words), "summary": ""}])
            held_exactly_the_short_ones()

    with app.app_context():
        backend = search.backend(app)
        docs = {d["id"]: d for d in build_documents(db.session, ids)}
        try:
            check()
        finally:
            backend.__dict__.pop("PRUNE_SHORT", None)
            db.session.rollback()


@pytest.mark.parametrize("search_kind", ["sqlite", "postgresql"])
def test_a_kept_synonym_count_never_gives_a_field_to_every_hit(api, search_kind):
    """A word with synonyms has its count kept with the statistics (it may lag the index
    for STATISTICS_TTL); the ranking must then look its fields up rather than take one
    as held by every hit from a count that lagged. Scores of one word differ only by idf
    when its count is stale, so the ratio of two hits' scores must not move."""
    app = api.client.application
    element = {"identifier": "LXDH", "name": "联系电话", "data_type": "C", "synonyms": ["联系方式"]}
    r = api.as_("reviewer").post("/api/v1/data-elements", json=element)
    assert r.status_code == 201, r.get_json()
    items = [{"name": "联系电话", "data_type": "字符型C", "length": 20}]
    api.create_resource("editor_a", name="来访登记", summary="来访记录", items=items)

    def ratio() -> float:
        with app.app_context():
            search.backend(app).refresh()
        hits = (
            api.as_("reviewer")
            .get("/api/v1/search", query_string={"q": "联系电话"})
            .get_json()["hits"]
        )
        assert len(hits) == 2
        return hits[0]["score"] / hits[1]["score"]

    _names(api, "联系电话")  # counts the word and its synonyms, and keeps the count
    api.create_resource(
        "editor_a", name="群众联系方式", summary="来访记录", items=[items[0] | {"name": "地址"}]
    )
    kept = ratio()
    search.backend(app)._stats = None  # the statistics refreshed: counted again
    assert kept == pytest.approx(ratio(), rel=1e-6)
