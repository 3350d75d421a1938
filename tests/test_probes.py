"""The interface health job against real local HTTP servers, on SQLite and PostgreSQL:
one answers, one answers too slowly, one fails, one refuses connections; an endpoint on
a host the administrator did not allow is never contacted. Three failures in a row make
an interface ``down`` (audited, the department told); an answer brings it back up."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from registry.db import db
from registry.jobs.runner import run_job
from registry.models import AuditEvent, Interface, InterfaceProbe, Notification

SEEN: list[str] = []


class Handler(BaseHTTPRequestHandler):
    mode = "ok"

    def do_GET(self):  # noqa: N802 — the stdlib's name
        SEEN.append(self.headers.get("Authorization") or self.headers.get("Cookie") or "")
        mode = type(self).mode
        if mode == "slow":
            time.sleep(1.5)
        self.send_response(500 if mode == "fail" else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def serve(mode: str) -> ThreadingHTTPServer:
    handler = type(f"{mode.title()}Handler", (Handler,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers():
    made = {mode: serve(mode) for mode in ("ok", "slow", "fail")}
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        refused_port = s.getsockname()[1]
    yield made, refused_port
    for server in made.values():
        server.shutdown()
        server.server_close()


def test_probes_mark_interfaces_up_slow_and_down(app, api, servers):
    made, refused_port = servers
    app.config.update(
        PROBE_ALLOWED_HOSTS=["127.0.0.1"],
        PROBE_TIMEOUT_SECONDS=0.5,
        PROBE_HOST_DELAY_SECONDS=0,
        PROBE_DOWN_AFTER=3,
    )
    endpoints = {
        mode: f"http://127.0.0.1:{server.server_address[1]}/api/check"
        for mode, server in made.items()
    }
    endpoints["refused"] = f"http://127.0.0.1:{refused_port}/api/check"
    endpoints["elsewhere"] = "http://192.0.2.10/api/check"  # TEST-NET-1: not allowed
    ids = {}
    for mode, url in endpoints.items():
        r = api.as_("editor_a").post(
            "/api/v1/interfaces", json={"name": f"接口-{mode}", "kind": "api", "endpoint": url}
        )
        assert r.status_code == 201, r.get_json()
        ids[mode] = r.get_json()["id"]
    versions = {
        m: api.as_("editor_a").get(f"/api/v1/interfaces/{i}").headers["ETag"]
        for m, i in ids.items()
    }

    for _ in range(3):
        result = run_job(app, "interface_health", trigger="manual")
        assert result["outcome"] == "ok", result
    assert result["summary"]["probed"] == 4 and result["summary"]["not_allowed"] == 1
    with app.app_context():
        health = {m: db.session.get(Interface, i) for m, i in ids.items()}
        assert health["ok"].health == "up" and health["ok"].health_latency_ms < 500
        assert health["fail"].health == "down" and health["fail"].health_detail == "HTTP 500"
        assert health["slow"].health == "down" and "timed out" in health["slow"].health_detail
        assert health["refused"].health == "down" and health["refused"].health_failures == 3
        assert (
            health["elsewhere"].health == "unknown"
            and health["elsewhere"].health_checked_at is None
        )
        probes = db.session.scalars(select(InterfaceProbe)).all()
        assert len(probes) == 12 and ids["elsewhere"] not in {p.interface_id for p in probes}
        down = db.session.scalars(
            select(Notification).where(Notification.kind == "interface.down")
        ).all()
        assert sorted(n.subject_id for n in down) == sorted(
            ids[m] for m in ("slow", "fail", "refused")
        )
        assert (
            len(
                db.session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "interface.health")
                ).all()
            )
            == 3
        )
    assert set(SEEN) == {""}  # no credentials, no cookies ever sent
    # A probe is not an edit: the editor's ETag still holds.
    assert {
        m: api.as_("editor_a").get(f"/api/v1/interfaces/{i}").headers["ETag"]
        for m, i in ids.items()
    } == versions

    made["fail"].RequestHandlerClass.mode = "ok"
    run_job(app, "interface_health", trigger="manual")
    with app.app_context():
        assert db.session.get(Interface, ids["fail"]).health == "up"
        up = db.session.scalars(
            select(Notification).where(Notification.kind == "interface.up")
        ).all()
        assert [n.subject_id for n in up] == [ids["fail"]]


def test_nothing_is_probed_unless_allowed(app, api, servers):
    made, _ = servers
    url = f"http://127.0.0.1:{made['ok'].server_address[1]}/x"
    api.as_("editor_a").post(
        "/api/v1/interfaces", json={"name": "接口", "kind": "api", "endpoint": url}
    )
    SEEN.clear()
    result = run_job(app, "interface_health", trigger="manual")  # default: empty allow-list
    assert result["summary"]["probed"] == 0 and result["summary"]["not_allowed"] == 1
    assert SEEN == []
