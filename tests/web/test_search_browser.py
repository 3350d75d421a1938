"""The search page in Chromium, on the demo county: a signed-in officer types a query,
narrows it by a facet, pages on, and sees an honest total when the hits pass the bound;
at desktop and phone widths (screenshots in test-output/screenshots)."""

from __future__ import annotations

import re

from registry import search


def test_a_visitor_searches_narrows_by_facet_and_pages_on(county, site, people):
    visitor = people(site)
    page = visitor.sign_in("ndrc")
    visitor.go("/search")
    page.fill("#q", "人口")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?.*q=%E4%BA%BA%E5%8F%A3"))
    total = int(re.search(r"共 (\d+) 个信息资源", page.content()).group(1))
    assert page.locator(".hit").count() == total > 0
    assert "人口私有草稿" not in page.content()  # a draft is its department's only
    assert page.locator(".hit mark").count() > 0  # the query's words highlighted

    page.fill("#q", "姓名")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?.*q=%E5%A7%93%E5%90%8D"))
    total = int(re.search(r"共 (\d+) 个信息资源", page.content()).group(1))
    assert total > 20 and page.locator(".hit").count() == 20
    visitor.shot("search-results")

    # A facet narrows the hits to its count, and is shown as chosen.
    facet = page.locator("li:has(a) >> nth=0")
    count = int(facet.locator(".count").inner_text())
    facet.locator("a").click()
    page.wait_for_load_state()
    assert f"共 {count} 个信息资源" in page.content()
    assert page.locator("li.on").count() == 1
    assert "已发布" in page.locator(".layout").inner_text()  # codes shown as their labels
    assert "published" not in page.locator(".layout").inner_text()
    visitor.shot("search-facet")

    # Past the bound the total says so, and so do the facet counts.
    backend = search.backend(site.app)
    bound, backend.total_bound = backend.total_bound, 10
    try:
        visitor.go("/search?q=姓名")
        assert "共 10+ 个信息资源" in page.content()
        assert page.locator(".approx").is_visible()
        page.locator("a[rel=next]").click()
        page.wait_for_load_state()
        assert "第 2 页" in page.content() and page.locator(".hit").count() == 20
    finally:
        backend.total_bound = bound

    phone = people(site, width=390)
    phone.sign_in("ndrc")
    phone.go("/search?q=户籍")
    box = phone.page.locator(".hit").first.bounding_box()
    assert box and box["width"] <= 390  # the hits fit the screen
    phone.shot("search-phone")
