"""A page's SQL statements do not grow with what it shows (no N+1): counted on the
engine, small against large, for the workspace, the review queue, a resource page and a
department page."""

from __future__ import annotations

import time

from sqlalchemy import event

from registry.db import Database, db
from registry.models import User

from ..conftest import fresh_database, make_app
from ..factories import resource_in
from ..helpers import build_world


def test_statements_per_page_do_not_grow(tmp_path, request):
    app = make_app(fresh_database("sqlite", tmp_path, request), tmp_path)
    world = build_world(app)
    items = [{"name": f"信息项{k}", "data_type": "字符型C", "length": 20} for k in range(60)]
    with app.app_context():
        few = resource_in(world.dept_b_code, "published")
        resource_in(world.dept_b_code, "submitted")
        many = resource_in(world.dept_a_code, "published", items=items)
        for n in range(30):
            resource_in(world.dept_a_code, "submitted" if n % 2 else "draft")
        db.session.commit()
        ids = {"few": few.id, "many": many.id}
    statements = []
    event.listen(
        Database.state(app).engine, "before_cursor_execute", lambda *a: statements.append(1)
    )

    def count(role: str, path: str) -> int:
        client = app.test_client()
        with app.app_context():
            epoch = db.session.get(User, world.user_ids[role]).session_epoch
        with client.session_transaction() as session:
            session.update(uid=world.user_ids[role], epoch=epoch, seen=int(time.time()))
        client.get(path)  # warm
        before = len(statements)
        assert client.get(path).status_code == 200, path
        return len(statements) - before

    assert count("editor_b", "/workspace") == count("editor_a", "/workspace")
    assert count("reviewer", f"/review?department={world.dept_b}") == count("reviewer", "/review")
    assert count("editor_a", f"/resources/{ids['few']}") == count(
        "editor_a", f"/resources/{ids['many']}"
    )
    assert count("editor_a", f"/departments/{world.dept_b}") == count(
        "editor_a", f"/departments/{world.dept_a}"
    )
    Database.state(app).engine.dispose()
