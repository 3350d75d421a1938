"""Running it for real: one JSON log line per request with its fields and request id, a
500 logged with its trace and never answered with one, /metrics for the monitoring host
and administrators, and `registry serve --workers 2` under gunicorn."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from registry.logs import JsonFormatter

from .conftest import make_app

ROOT = Path(__file__).resolve().parents[1]


def request_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "registry.requests"
    ]


def test_each_request_is_one_json_line_with_its_id(api, caplog):
    caplog.set_level(logging.INFO, logger="registry")
    r = api.as_("editor_a").get("/api/v1/resources", headers={"X-Request-ID": "lb-7f3a.01"})
    assert r.headers["X-Request-ID"] == "lb-7f3a.01"
    (line,) = request_lines(caplog)
    assert line["request_id"] == "lb-7f3a.01" and line["message"] == "request"
    assert line["user"] == "editor_a" and line["role"] == "dept_editor"
    assert line["method"] == "GET" and line["route"] == "/api/v1/resources"
    assert line["status"] == 200 and line["bytes"] == len(r.data)
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")

    caplog.clear()
    bad = api.as_(None).get("/healthz", headers={"X-Request-ID": "x" * 500 + " <script>"})
    generated = bad.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)  # not the caller's junk
    (line,) = request_lines(caplog)
    assert line["request_id"] == generated and line["user"] is None


def test_an_error_is_logged_with_its_trace_and_answered_without_it(tmp_path, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret internals")

    caplog.set_level(logging.INFO, logger="registry")
    r = app.test_client().get("/api/v1/_boom", headers={"X-Request-ID": "req-500"})
    body = r.get_json()
    assert r.status_code == 500 and body["code"] == "internal_error"
    assert "secret internals" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None
    line = json.loads(JsonFormatter().format(errors[0]))
    assert "secret internals" in line["trace"] and line["request_id"] == "req-500"


def test_metrics_for_the_monitoring_host_and_administrators(api):
    api.as_(None).get("/healthz")
    r = api.client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert re.search(
        r'registry_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', text
    )
    assert "registry_http_request_duration_seconds_bucket{" in text
    assert "registry_search_outbox_pending " in text
    assert 'registry_job_runs{job="search_drain"} 0.0' in text
    assert "registry_scheduler_leader 0.0" in text
    far = {"REMOTE_ADDR": "10.20.30.40"}
    assert api.client.get("/metrics", environ_base=far).status_code == 403
    assert api.as_("reviewer").get("/metrics", environ_base=far).status_code == 403
    assert api.as_("admin").get("/metrics", environ_base=far).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_gunicorn_workers(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "PROMETHEUS"))}
    env["REGISTRY_INSTANCE_PATH"] = str(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", "registry.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail((tmp_path / "serve.log").read_text())
                time.sleep(0.3)
        ids = set()
        for _ in range(20):
            with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
                assert r.status == 200
                ids.add(r.headers["X-Request-ID"])
        assert len(ids) == 20
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            text = r.read().decode()
        # The workers' counts summed (21 answered, whichever worker took each).
        count = re.search(
            r'registry_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)',
            text,
        )
        assert count and float(count.group(1)) == 21.0, text[:2000]
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        assert len(workers.stdout.split()) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
