"""After any entry point's commit, the change is searchable: requests, the command line,
and what a request leaves behind (drained in the background)."""

from __future__ import annotations

import io
import time

from importers.writers import write_json, write_xlsx
from registry.db import db
from registry.search import outbox

from .conftest import fresh_database, make_app
from .helpers import build_world, resource_payload


def _records(n: int, prefix: str) -> list[dict]:
    return [resource_payload(name=f"{prefix}{k}") for k in range(n)]


def test_cli_import_is_searchable_without_a_manual_drain(app, api, tmp_path):
    source = tmp_path / "in.xlsx"
    write_xlsx(_records(3, "命令行导入资源"), str(source))
    done = app.test_cli_runner().invoke(args=["import", str(source), "--as", "editor_a"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert outbox.pending_count(db.session) == 0
    hits = api.as_("editor_a").get("/api/v1/search?q=命令行导入资源").get_json()
    assert hits["total"] == 3


def test_what_a_request_leaves_is_drained_in_the_background(tmp_path, request):
    """A real (committed) SQLite database: the request indexes 2 entries, the rest follow."""
    url = fresh_database("sqlite", tmp_path, request)
    app = make_app(url, tmp_path, SEARCH_DRAIN_PER_REQUEST=2, SEARCH_DRAIN_IN_BACKGROUND=True)
    world = build_world(app)
    text = io.StringIO()
    write_json(_records(7, "后台索引资源"), text)
    r = app.test_client().post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(text.getvalue().encode()), "目录.json")},
        headers={"Authorization": f"Bearer {world.tokens['editor_a']}"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    deadline = time.monotonic() + 20
    while True:
        with app.app_context():
            left = outbox.pending_count(db.session)
        if left == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == 0
    hits = (
        app.test_client()
        .get(
            "/api/v1/search?q=后台索引资源",
            headers={"Authorization": f"Bearer {world.tokens['editor_a']}"},
        )
        .get_json()
    )
    assert hits["total"] == 7
