"""Parallel requests with real commits: codes stay unique and gapless, the audit chain unforked."""

from __future__ import annotations

import threading

from registry import audit
from registry.db import Database, db

from .conftest import fresh_database, make_app
from .helpers import ApiClient, build_world, resource_payload

THREADS = 8
PER_THREAD = 6
# Several 分类码, so the sequence row lock alone cannot serialise the audit chain.
CLASSES = ("101001", "203001", "305001", "104002")


def test_parallel_resource_creation(backend, request, tmp_path):
    url = fresh_database(backend, tmp_path, request)
    app = make_app(url, tmp_path)
    world = build_world(app)
    errors: list[object] = []
    codes: list[str] = []
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        client = ApiClient(app.test_client(), world, "editor_a" if n % 2 else "editor_b")
        barrier.wait()
        for i in range(PER_THREAD):
            payload = resource_payload(
                name=f"并发资源{n}-{i}", classification_code=CLASSES[n % len(CLASSES)]
            )
            r = client.post("/api/v1/resources", json=payload)
            if r.status_code != 201:
                errors.append(r.get_json())
            else:
                codes.append(r.get_json()["code"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == len(set(codes)) == THREADS * PER_THREAD
    per_class = THREADS // len(CLASSES) * PER_THREAD
    for cls in CLASSES:
        sequence = sorted(int(c.split("/")[1]) for c in codes if c.startswith(cls + "/"))
        assert sequence == list(range(1, per_class + 1)), cls
    with app.app_context():
        report = audit.verify_chain(db.session)
    assert report.ok, report
    Database.state(app).engine.dispose()
