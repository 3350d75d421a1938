"""The search contract, unchanged on every backend: SQLite FTS5, PostgreSQL tsvector and a
real OpenSearch node (``search_app`` is parametrized over them in conftest.py).

Resources are written through the API, so each test also proves that documents follow
the catalog after each request's commit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from registry import search
from registry.db import db
from registry.models import Resource, SearchOutbox
from registry.search import outbox
from registry.search.base import FACETS, SORTS
from registry.services.elements import sync_dictionary

from .factories import published as publish
from .helpers import SYSTEM, ApiClient, build_world


@dataclass
class Corpus:
    api: ApiClient
    ids: dict[str, int]
    codes: dict[str, str]

    def search(self, who: str | None = None, **params):
        search.backend(self.api.client.application).refresh()
        r = self.api.as_(who).get("/api/v1/search", query_string=params)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def found(self, who: str | None = "reviewer", **params) -> set[str]:
        body = self.search(who, limit=100, **params)
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id.get(h["id"], h["id"]) for h in body["hits"]}


ITEMS_PEOPLE = [
    {"name": "公民身份号码", "data_type": "C", "length": 18},
    {"name": "姓名", "data_type": "C", "length": 50},
]


@pytest.fixture
def corpus(search_app) -> Corpus:
    world = build_world(search_app)
    with search_app.app_context():
        sync_dictionary(db.session, SYSTEM)
        db.session.commit()
    api = ApiClient(search_app.test_client(), world)
    published = {
        "people": (
            "editor_a",
            dict(
                name="人口基础信息库",
                summary="全县户籍人口的基础信息",
                items=ITEMS_PEOPLE + [{"name": "出生日期", "data_type": "D"}],
            ),
        ),
        "floating": (
            "editor_a",
            dict(
                name="流动人口登记信息",
                summary="来县居住人员登记",
                open_type="无条件开放",
                items=[
                    {"name": "身份证号码", "data_type": "C", "length": 18},
                    {"name": "现居住地址", "data_type": "C", "length": 200},
                ],
            ),
        ),
        "company": (
            "editor_b",
            dict(
                classification_code="102001",
                name="企业法人登记信息",
                summary="市场主体登记，执行 GB/T 2261.1 代码",
                open_type="无条件开放",
                share_type="无条件共享",
                share_condition=None,
                update_cycle="实时",
                items=[
                    {"name": "统一社会信用代码", "data_type": "C", "length": 18},
                    {"name": "法定代表人", "data_type": "C", "length": 50},
                ],
            ),
        ),
        "report": (
            "editor_b",
            dict(
                classification_code="102001",
                name="市场主体年报 API 服务",
                summary="年报数据接口",
                open_type="有条件开放",
                open_condition="经申请",
                items=[{"name": "年报年度", "data_type": "N", "length": 4}],
            ),
        ),
    }
    ids, codes = {}, {}
    for key, (who, payload) in published.items():
        body = publish(api, who, **payload)
        ids[key], codes[key] = body["id"], body["code"]
    draft_b, _ = api.create_resource(
        "editor_b",
        name="个体工商户信息草稿",
        summary="尚未提交",
        classification_code="102001",
        items=ITEMS_PEOPLE,
    )
    draft_a, _ = api.create_resource(
        "editor_a", name="户籍迁移信息草稿", summary="尚未提交", items=ITEMS_PEOPLE
    )
    ids["draft_b"], ids["draft_a"] = draft_b["id"], draft_a["id"]
    return Corpus(api, ids, codes)


def test_two_character_word_and_single_character(corpus):
    # draft_a is classified under 基础信息资源 / 人口: the classification path is searchable.
    assert corpus.found(q="人口") == {"people", "floating", "draft_a"}
    assert corpus.found(q="口") == {"people", "floating", "draft_a", "report"}  # report: 接口
    assert corpus.found(q="籍") == {"people", "draft_a"}
    assert corpus.found("ndrc", q="人口") == {"people", "floating"}
    assert corpus.found(q="人口基础信息库") == {"people"}
    assert corpus.found(q="信息库") == {"people"}
    assert corpus.found(q="不存在的词汇组合") == set()


def test_codes_and_latin_words_match_exactly(corpus):
    assert corpus.found(q=corpus.codes["people"]) == {"people"}
    assert corpus.found(q=corpus.codes["people"][:-1]) == set()  # no prefix match on a code
    assert corpus.found(q=corpus.api.world.dept_b_code) >= {"company", "report"}
    assert corpus.found(q="API") == {"report"}
    assert corpus.found(q="api") == {"report"}
    assert corpus.found(q="GB/T") == {"company"}


def test_synonyms_from_the_element_dictionary_are_applied_and_shown(corpus):
    body = corpus.search("reviewer", q="身份证号")
    ids = {h["id"] for h in body["hits"]}
    assert {corpus.ids["people"], corpus.ids["floating"]} <= ids
    expansion = body["query"]["synonyms"]
    assert expansion and expansion[0]["term"] == "身份证号" and expansion[0]["element"] == "GMSFHM"
    assert "公民身份号码" in expansion[0]["expanded_to"]
    people = next(h for h in body["hits"] if h["id"] == corpus.ids["people"])
    assert "<mark>公民身份号码</mark>" in people["highlights"]["items"]
    # Without the dictionary the word alone would find nothing: no item says 身份证号.
    assert corpus.found(q="法定代表人") == {"company"}


def test_visibility(corpus):
    published = {"people", "floating", "company", "report"}
    everything = published | {"draft_a", "draft_b"}
    # Anonymous: published and open to the public (people is 不予开放).
    assert corpus.found(None) == {"floating", "company", "report"}
    assert corpus.found(None, status="draft") == set()
    assert corpus.found("ndrc") == published
    assert corpus.found("editor_b") == published | {"draft_b"}
    assert corpus.found("editor_a", q="草稿") == {"draft_a"}
    assert corpus.found("reviewer") == everything
    assert corpus.found("auditor", q="草稿") == {"draft_a", "draft_b"}


def test_filters_and_facets_agree_with_the_hits(corpus):
    body = corpus.search("reviewer", limit=100)
    assert body["total"] == len(body["hits"]) == 6
    for facet, values in body["facets"].items():
        assert sum(v["count"] for v in values) == 6, facet
        for v in values:
            expected = sum(1 for h in body["hits"] if h[facet] == v["value"])
            assert v["count"] == expected, (facet, v)
    providers = {v["value"]: v["label"] for v in body["facets"]["provider_id"]}
    assert providers[corpus.api.world.dept_a] == "县公安局"
    # The labels are kept, and asked again once the departments change (SEARCH_SYNONYMS_
    # RECHECK is 0 in tests): a renamed department's facet shows its new name.
    api, dept = corpus.api, corpus.api.world.dept_a
    etag = api.as_("admin").get(f"/api/v1/departments/{dept}").headers["ETag"]
    r = api.as_("admin").patch(
        f"/api/v1/departments/{dept}", json={"name": "县公安局（新）"}, etag=etag
    )
    assert r.status_code == 200, r.get_json()
    body = corpus.search("reviewer", limit=100)
    providers = {v["value"]: v["label"] for v in body["facets"]["provider_id"]}
    assert providers[dept] == "县公安局（新）"
    assert {v["label"] for v in body["facets"]["category"]} == {"基础信息资源"}
    assert corpus.found(share_type="无条件共享") == {"company"}
    assert corpus.found(q="草稿", provider_id=corpus.api.world.dept_b) == {"draft_b"}
    assert corpus.found(
        q="登记", provider_id=[corpus.api.world.dept_a, corpus.api.world.dept_b]
    ) == {"floating", "company"}
    assert corpus.found(status=["draft"], provider_id=corpus.api.world.dept_a) == {"draft_a"}
    only = corpus.search("reviewer", facets=["share_type"])
    assert set(only["facets"]) == {"share_type"}


def test_facets_asked_together_count_as_each_asked_alone(corpus):
    """Every facet's values, counts and order are the same asked with the others (the
    built-in backends count the few-valued ones in one pass) as asked alone."""
    for q in ("", "登记", "户籍"):
        together = corpus.search("reviewer", q=q)["facets"]
        assert set(together) == set(FACETS)
        assert any(len(values) > 1 for values in together.values())
        for facet in FACETS:
            alone = corpus.search("reviewer", q=q, facets=[facet])["facets"]
            assert alone == {facet: together[facet]}, (q, facet)
        pair = corpus.search("reviewer", q=q, facets=["status", "share_type"])["facets"]
        assert pair == {f: together[f] for f in ("status", "share_type")}, q


@pytest.mark.parametrize("sort", SORTS)
def test_cursor_pages_cover_every_hit_once_in_order(corpus, sort):
    full = corpus.search("reviewer", sort=sort, limit=100)
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = corpus.search("reviewer", **params)
        assert page["total"] == full["total"]
        seen.extend(h["id"] for h in page["hits"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [h["id"] for h in full["hits"]]
    assert len(seen) == 6
    with_q = corpus.search("reviewer", q="信息", sort=sort, limit=1)
    second = corpus.search("reviewer", q="信息", sort=sort, limit=1, cursor=with_q["next_cursor"])
    assert second["hits"] and second["hits"][0]["id"] != with_q["hits"][0]["id"]


@pytest.mark.parametrize("bound", [4, 5, 6])
def test_totals_are_exact_up_to_the_bound_then_at_least(corpus, bound):
    """Six hits for the reviewer. Under a bound below six the total is the bound with
    "gte" and every facet count a lower bound of the exact one; at six it is exact."""
    exact = corpus.search("reviewer", limit=100)
    truth = {(f, v["value"]): v["count"] for f, vs in exact["facets"].items() for v in vs}
    backend = search.backend(corpus.api.client.application)
    saved, backend.total_bound = backend.total_bound, bound
    try:
        body = corpus.search("reviewer", limit=2)
        seen, cursor = [], None
        while True:
            page = corpus.search("reviewer", limit=2, **({"cursor": cursor} if cursor else {}))
            assert (page["total"], page["total_relation"]) == (
                body["total"],
                body["total_relation"],
            )
            seen += [h["id"] for h in page["hits"]]
            if not (cursor := page["next_cursor"]):
                break
    finally:
        backend.total_bound = saved
    over = bound < 6
    assert body["total"] == min(bound, 6)
    assert body["total_relation"] == ("gte" if over else "eq")
    assert body["facets_approximate"] is over
    for facet, values in body["facets"].items():
        for v in values:
            assert 1 <= v["count"] <= truth[(facet, v["value"])], (facet, v)
        if not over:
            assert {(facet, v["value"]): v["count"] for v in values} == {
                k: n for k, n in truth.items() if k[0] == facet
            }
    # Cursors page past the bound: every hit once, in the exact search's order.
    assert seen == [h["id"] for h in exact["hits"]]


def test_relevance_puts_name_matches_first(corpus):
    body = corpus.search("reviewer", q="人口")
    assert body["hits"][0]["id"] in (corpus.ids["people"], corpus.ids["floating"])
    assert body["hits"][0]["score"] >= body["hits"][-1]["score"] > 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"facets": "colour"}, "facets"),
        ({"category": "9"}, "category"),
        ({"status": "lost"}, "status"),
        ({"provider_id": "x"}, "provider_id"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "人" * 201}, "q"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(corpus, params, field):
    r = corpus.api.as_("reviewer").get("/api/v1/search", query_string=params)
    body = r.get_json()
    assert r.status_code == 400, body
    assert body["code"] == "bad_query" and field in str(body["errors"]), body


def test_a_cursor_from_another_sort_is_refused(corpus):
    page = corpus.search("reviewer", sort="name", limit=1)
    r = corpus.api.as_("reviewer").get(
        "/api/v1/search", query_string={"sort": "code", "cursor": page["next_cursor"]}
    )
    assert r.status_code == 400 and "cursor" in r.get_json()["errors"]


def test_documents_follow_each_committed_change(corpus):
    api = corpus.api
    rid = corpus.ids["people"]
    etag = api.as_("editor_a").get(f"/api/v1/resources/{rid}").headers["ETag"]
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}", json={"name": "常住人口信息库"}, etag=etag
    )
    assert r.status_code == 200, r.get_json()
    assert corpus.found(q="常住") == {"people"}
    assert [h["name"] for h in corpus.search("reviewer", q="常住")["hits"]] == ["常住人口信息库"]
    # The provider's new name reaches every document of its resources.
    dept = api.as_("admin").get(f"/api/v1/departments/{api.world.dept_a}")
    r = api.as_("admin").patch(
        f"/api/v1/departments/{api.world.dept_a}",
        json={"name": "县公安分局"},
        etag=dept.headers["ETag"],
    )
    assert r.status_code == 200, r.get_json()
    assert corpus.found(q="分局") == {"people", "floating", "draft_a"}
    # An interface serving a resource makes its name findable.
    r = api.as_("editor_a").post(
        "/api/v1/interfaces",
        json={
            "name": "流动人口核验服务",
            "kind": "api",
            "platform_connected": True,
            "resource_ids": [corpus.ids["floating"]],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert corpus.found(q="核验") == {"floating"}
    # Retired: no longer offered to other departments.
    etag = api.as_("editor_a").get(f"/api/v1/resources/{corpus.ids['floating']}").headers["ETag"]
    r = api.as_("editor_a").post(
        f"/api/v1/resources/{corpus.ids['floating']}/retire", json={"reason": "停用"}, etag=etag
    )
    assert r.status_code == 200, r.get_json()
    assert corpus.found("ndrc", q="流动人口") == set()
    assert corpus.found("reviewer", q="流动人口", status="retired") == {"floating"}


def test_a_deleted_resource_leaves_the_index(corpus):
    app = corpus.api.client.application
    with app.app_context():
        db.session.delete(db.session.get(Resource, corpus.ids["draft_a"]))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 1
        outbox.drain(db.session, search.backend(app))
        db.session.commit()
    assert corpus.found(q="户籍迁移") == set()


def test_a_rejected_request_changes_nothing(corpus):
    api = corpus.api
    rid = corpus.ids["people"]
    etag = api.as_("editor_a").get(f"/api/v1/resources/{rid}").headers["ETag"]
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}", json={"name": "新名称", "update_cycle": "每秒"}, etag=etag
    )
    assert r.status_code == 422
    assert corpus.found(q="新名称") == set()
    assert corpus.found(q="人口基础信息库") == {"people"}


def test_health_counts_the_documents(corpus):
    app = corpus.api.client.application
    with app.app_context():
        search.backend(app).refresh()
        health = search.backend(app).health()
    assert health.ok and health.documents == 6


def test_the_response_shape(corpus):
    body = corpus.search(None, q="企业 法人")
    assert set(body) == {
        "total",
        "total_relation",
        "facets_approximate",
        "hits",
        "facets",
        "query",
        "next_cursor",
    }
    assert body["total_relation"] == "eq" and body["facets_approximate"] is False
    assert body["query"]["terms"] == ["企业", "法人"]
    hit = body["hits"][0]
    assert hit["name"] == "企业法人登记信息" and hit["provider_name"] == "县市场监督管理局"
    assert hit["highlights"]["name"] == ["<mark>企业</mark><mark>法人</mark>登记信息"]
    assert hit["classification_path"][0] == "基础信息资源"
