"""Two real `registry scheduler` processes on one database (SQLite and PostgreSQL): one
leads and runs the jobs, the other stands by; the leader killed with SIGKILL is replaced
within 30 s and the next run is the standby's; no two runs of a job ever overlap; a
stopped scheduler hands its lease back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from registry.models import JobRun, SchedulerLease

from .conftest import fresh_database

ROOT = Path(__file__).resolve().parents[1]
LEASE_SECONDS = 4


def start_scheduler(instance: Path, url: str, log: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_INSTANCE_PATH=str(instance),
        REGISTRY_DATABASE_URL=url,
        # One cheap job every second, so the handover shows within seconds.
        REGISTRY_JOB_SCHEDULES=json.dumps({"audit_verify": {"interval": 1}}),
        REGISTRY_SCHEDULER_LEASE_SECONDS=str(LEASE_SECONDS),
        REGISTRY_SCHEDULER_POLL_SECONDS="1",
    )
    with open(instance / log, "w") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_standby_takes_over_when_the_leader_is_killed(backend, tmp_path, request):
    url = fresh_database(backend, tmp_path, request)
    engine = create_engine(url)

    def runs_by(pid: int) -> list[JobRun]:
        with engine.connect() as c:
            return [r for r in c.execute(select(JobRun)).all() if r.holder.endswith(f":{pid}")]

    def lease_holder() -> str | None:
        with engine.connect() as c:
            lease = c.execute(select(SchedulerLease)).first()
            return lease.holder if lease else None

    first = start_scheduler(tmp_path, url, "first.log")
    second = None
    try:
        wait_for(lambda: runs_by(first.pid), 30, "the first scheduler to run a job")
        second = start_scheduler(tmp_path, url, "second.log")
        time.sleep(3)
        assert second.poll() is None, (tmp_path / "second.log").read_text()
        assert lease_holder().endswith(f":{first.pid}")
        assert runs_by(second.pid) == []  # standing by: the leader runs everything

        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        wait_for(lambda: runs_by(second.pid), 30, "the standby to run the next job")
        takeover = time.monotonic() - killed_at
        assert takeover < 30
        print(f"takeover after SIGKILL: {takeover:.1f} s")
        assert lease_holder().endswith(f":{second.pid}")

        with engine.connect() as c:
            runs = sorted(c.execute(select(JobRun)).all(), key=lambda r: r.started_at)
        assert all(r.outcome == "ok" for r in runs)
        for before, after in zip(runs, runs[1:], strict=False):
            assert before.finished_at <= after.started_at  # never two at once

        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, (tmp_path / "second.log").read_text()
        with engine.connect() as c:  # handed back: the next scheduler need not wait
            lease = c.execute(select(SchedulerLease)).first()
            assert lease.expires_at.timestamp() <= time.time()
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        engine.dispose()
