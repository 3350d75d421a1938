"""The search page for people: a signed-in user sees what the API shows them (their own
drafts too), codes as Chinese labels, hits linking to resource pages, sorting, and
paging forward and back to exactly the same pages."""

from __future__ import annotations

import re
import time

from registry import search
from registry.db import db
from registry.models import User

from ..conftest import fresh_database, make_app
from ..factories import resource_in
from ..helpers import build_world


def _signed_in(app, world, role: str):
    client = app.test_client()
    with app.app_context():
        epoch = db.session.get(User, world.user_ids[role]).session_epoch
    with client.session_transaction() as session:
        session.update(uid=world.user_ids[role], epoch=epoch, seen=int(time.time()))
    return client


def _names(html: str) -> list[str]:
    hits = re.findall(r'<h2><a href="/resources/\d+">(.+?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", h) for h in hits]  # the query's words are highlighted


def test_search_page_as_people_see_it(tmp_path, request):
    app = make_app(fresh_database("sqlite", tmp_path, request), tmp_path)
    world = build_world(app)
    with app.app_context():
        draft = resource_in(world.dept_a_code, "draft", name="流动人口草稿信息")
        for n in range(25):
            resource_in(
                world.dept_b_code,
                "published",
                name=f"流动人口登记信息{n:02d}",
                open_type="无条件开放",
            )
        db.session.commit()
        search.drain_after_commit(app, limit=None)
        draft_id = draft.id

    anonymous = app.test_client().get("/search", query_string={"q": "流动人口"}).text
    assert "流动人口草稿信息" not in anonymous
    editor = _signed_in(app, world, "editor_a").get("/search", query_string={"q": "流动人口"})
    assert f'href="/resources/{draft_id}"' in editor.text
    assert '<span class="badge s-draft">草稿</span>' in editor.text  # a label, never "draft"
    assert "县市场监督管理局" in editor.text

    client = _signed_in(app, world, "reviewer")
    first = client.get("/search", query_string={"q": "流动人口", "sort": "name"})
    names_1 = _names(first.text)
    assert names_1 == sorted(names_1) and len(names_1) == 20
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = client.get(next_url)
    names_2 = _names(second.text)
    assert names_2 and not set(names_1) & set(names_2) and "第 2 页" in second.text
    prev_url = re.search(r'href="([^"]+)" rel="prev"', second.text).group(1).replace("&amp;", "&")
    assert _names(client.get(prev_url).text) == names_1
    from registry.db import Database

    Database.state(app).engine.dispose()
