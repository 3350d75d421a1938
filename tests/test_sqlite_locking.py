"""SQLite has one write lock: a slow import must not hold it while it reads, and a busy
database is a 503 with Retry-After, never a 500. On a real (committed) database file."""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest
from werkzeug.test import EnvironBuilder

from importers.writers import write_xlsx

from .conftest import fresh_database, make_app
from .helpers import build_world, resource_payload


@pytest.fixture
def file_app(tmp_path, request):
    url = fresh_database("sqlite", tmp_path, request)
    app = make_app(url, tmp_path, DATABASE_BUSY_TIMEOUT=1.0)
    return app, build_world(app), url.removeprefix("sqlite:///")


def _post_system(app, world, code: str):
    return app.test_client().post(
        "/api/v1/systems",
        json={"code": code, "name": "并发系统", "deployment": "政务云"},
        headers={"Authorization": f"Bearer {world.tokens['editor_a']}"},
    )


def test_a_busy_database_is_503_with_retry_after(file_app):
    app, world, path = file_app
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = _post_system(app, world, "SYS-BUSY")
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.get_json()["code"] == "database_busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _post_system(app, world, "SYS-BUSY").status_code == 201


def test_writers_do_not_wait_while_an_import_is_read_and_planned(file_app):
    app, world, _ = file_app
    records = [
        resource_payload(
            name=f"大批量资源{n}",
            items=[{"name": f"信息项{k}", "data_type": "字符型C", "length": 20} for k in range(12)],
        )
        # 4,000 entries: 2,500 read and planned in 1.9 s on a fast run, under the 2 s the
        # check below needs to mean anything.
        for n in range(4000)
    ]
    buf = io.BytesIO()
    write_xlsx(records, buf)
    body = buf.getvalue()
    result = {}

    def run_import():
        started = time.monotonic()
        # An environ of our own, so the test client's spooled upload file is closed here.
        builder = EnvironBuilder(
            path="/api/v1/imports?dry_run=true",
            method="POST",
            data={"file": (io.BytesIO(body), "大批量.xlsx")},
            headers={"Authorization": f"Bearer {world.tokens['editor_a']}"},
            content_type="multipart/form-data",
        )
        environ = builder.get_environ()
        try:
            result["import"] = app.test_client().open(environ)
        finally:
            environ["wsgi.input"].close()
            builder.close()
        result["import_seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_import)
    thread.start()
    time.sleep(0.5)
    latencies = []
    for n in range(3):
        started = time.monotonic()
        r = _post_system(app, world, f"SYS-C{n}")
        latencies.append(time.monotonic() - started)
        assert r.status_code == 201, r.get_json()
    thread.join()
    assert result["import"].status_code == 201, result["import"].get_json()
    # The import really was slow enough to matter (longer than the writers' whole patience).
    assert result["import_seconds"] > 2.0, result
    assert max(latencies) < 1.0, latencies
