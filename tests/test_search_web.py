"""The search page: the same service as the API, rendered in Chinese with facets."""

from __future__ import annotations

from registry import search

from .factories import published


def test_search_page_shows_highlighted_hits_facets_and_expansion(api):
    published(
        api,
        name="流动人口居住登记<表>",
        open_type="无条件开放",
        items=[{"name": "公民身份号码", "data_type": "C", "length": 18}],
    )
    published(api, name="殡葬服务信息", open_type="不予开放")
    r = api.client.get("/search", query_string={"q": "流动人口"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<mark>流动人口</mark>居住登记&lt;表&gt;" in page  # highlighted, and escaped
    assert "共 1 个信息资源" in page and "共享类型" in page and "有条件共享" in page
    assert "殡葬" not in page
    # Anonymous visitors do not see resources closed to the public.
    assert "共 0 个信息资源" in api.client.get("/search", query_string={"q": "殡葬"}).get_data(
        as_text=True
    )


def test_search_page_facet_links_filter(api):
    published(api, name="流动人口居住登记", open_type="无条件开放")
    page = api.client.get("/search").get_data(as_text=True)
    assert "share_type=%E6%9C%89%E6%9D%A1%E4%BB%B6%E5%85%B1%E4%BA%AB" in page  # 有条件共享
    filtered = api.client.get("/search", query_string={"share_type": "无条件共享"}).get_data(
        as_text=True
    )
    assert "共 0 个信息资源" in filtered


def test_search_page_rejects_bad_filters_in_chinese(api):
    r = api.client.get("/search", query_string={"provider_id": "x"})
    assert r.status_code == 400 and "检索条件无效" in r.get_data(as_text=True)
    r = api.client.get("/search", query_string={"cursor": "garbage"})
    assert r.status_code == 400 and "游标无效" in r.get_data(as_text=True)


def test_search_page_says_more_than_the_bound_and_marks_facets_approximate(api):
    """Past SEARCH_TOTAL_BOUND the page shows "N+" and says the facet counts are at least
    what they show; at or under it, the exact count."""
    for name in ("流动人口居住登记", "流动人口婚育信息", "流动人口就业信息"):
        published(api, name=name, open_type="无条件开放")
    backend = search.backend(api.client.application)
    saved, backend.total_bound = backend.total_bound, 2
    try:
        over = api.client.get("/search", query_string={"q": "流动人口"}).get_data(as_text=True)
        backend.total_bound = 3
        exact = api.client.get("/search", query_string={"q": "流动人口"}).get_data(as_text=True)
    finally:
        backend.total_bound = saved
    assert "共 2+ 个信息资源" in over and "分面计数为近似值" in over
    assert "共 3 个信息资源" in exact and "分面计数为近似值" not in exact
