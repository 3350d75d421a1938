"""The built-in backends build a search statement once per shape (``sql.Shape``) and run
it for every query of that shape with the query's own parameters: each page equals the
page of a statement built for that query alone, whatever ran before it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import search
from registry.authz import Actor
from registry.db import db
from registry.search.base import FACETS, SORTS
from registry.services.search import search_resources

from .helpers import ApiClient, build_world

NAMES = ["人口基础信息", "户籍人口", "法人单位信息", "车辆登记", "人口与法人", "不动产登记"]
SUMMARIES = ["全县户籍人口", "企业法人登记", "机动车辆", "不动产权属"]
SHARE_TYPES = ["有条件共享", "无条件共享"]
CYCLES = ["每日", "每月", "实时"]
WORDS = ["人口", "户籍", "法人", "车辆", "登记", "信息", "不动产", "无此词"]

QUERY = st.fixed_dictionaries(
    {
        "q": st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
        "sort": st.sampled_from(SORTS),
        "limit": st.integers(1, 4),
        "facets": st.lists(st.sampled_from(FACETS), unique=True, max_size=3),
        "filters": st.fixed_dictionaries(
            {},
            optional={
                "share_type": st.lists(st.sampled_from(SHARE_TYPES), min_size=1, unique=True),
                "update_cycle": st.lists(st.sampled_from(CYCLES), min_size=1, unique=True),
            },
        ),
        "who": st.sampled_from(["reviewer", "editor_a", "anonymous"]),
        "second_page": st.booleans(),
    }
)


@pytest.fixture
def catalog(search_app):
    world = build_world(search_app)
    api = ApiClient(search_app.test_client(), world)
    for n in range(18):
        api.create_resource(
            "editor_a" if n % 3 else "editor_b",
            name=f"{NAMES[n % len(NAMES)]}{n}",
            summary=SUMMARIES[n % len(SUMMARIES)],
            share_type=SHARE_TYPES[n % 2],
            update_cycle=CYCLES[n % 3],
        )
    actors = {
        "reviewer": Actor(world.user_ids["reviewer"], "reviewer", "center_reviewer"),
        "editor_a": Actor(world.user_ids["editor_a"], "editor_a", "dept_editor", world.dept_a),
        "anonymous": Actor.anonymous(),
    }
    return search_app, actors


def _page(app, actors, query):
    backend = search.backend(app)
    params = dict(
        q=query["q"],
        sort=query["sort"],
        limit=query["limit"],
        facets=query["facets"],
        filters=query["filters"],
    )
    page = search_resources(db.session, backend, actors[query["who"]], **params)
    if query["second_page"] and page["next_cursor"]:
        cursor = page["next_cursor"]
        page = search_resources(db.session, backend, actors[query["who"]], cursor=cursor, **params)
    return page


@pytest.mark.parametrize("search_kind", ["sqlite", "postgresql"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(queries=st.lists(QUERY, min_size=2, max_size=5))
def test_a_statement_serves_every_query_of_its_shape(catalog, queries):
    app, actors = catalog
    with app.app_context():
        backend = search.backend(app)
        for query in queries:
            # Through the statements built so far (by every example before this one too).
            kept = _page(app, actors, query)
            assert backend._statements
            warm, backend._statements = backend._statements, {}
            try:
                alone = _page(app, actors, query)  # through statements built for it alone
            finally:
                backend._statements = warm
            assert kept == alone, query


@pytest.mark.parametrize("search_kind", ["sqlite"])
def test_the_statements_kept_are_bounded(catalog, monkeypatch):
    app, actors = catalog

    def query(sort: str) -> dict:
        return dict(q="人口", sort=sort, limit=3, facets=[], filters={}, who="reviewer")

    with app.app_context():
        backend = search.backend(app)
        monkeypatch.setattr(backend, "STATEMENTS_KEPT", 2)
        pages = []
        for sort in SORTS:  # five shapes
            pages.append(_page(app, actors, {**query(sort), "second_page": False}))
            assert 1 <= len(backend._statements) <= 2
        assert all(p["hits"] for p in pages)
        # The first shape's statement was let go; built again, it gives the same page.
        assert _page(app, actors, {**query(SORTS[0]), "second_page": False}) == pages[0]
