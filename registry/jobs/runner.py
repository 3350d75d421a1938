"""One run of a job: marked as running in ``job_states`` by a conditional UPDATE (so it
never runs twice at once, whichever scheduler or command starts it), timed, logged as
one JSON line, its outcome stored, and kept in the history when worth keeping."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError

from ..db import db, utcnow, write_intent
from ..errors import NotFound
from ..models import JobRun, JobState
from . import JOBS
from .tasks import JobAlert

log = logging.getLogger("registry.jobs")


def holder_name() -> str:
    """This process, as the lease and the running marks name it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(app: Flask, name: str, *, trigger: str = "schedule") -> dict[str, Any]:
    """Run ``name`` now unless it is running elsewhere; returns what happened
    (``outcome``: ok, error, alert, or skipped when it was running)."""
    job = JOBS.get(name)
    if job is None:
        raise NotFound(f"没有名为 {name} 的任务", code="no_such_job")
    holder = holder_name()
    with app.app_context():
        started = utcnow()
        if not _mark_running(name, holder, started, job.timeout_seconds):
            log.info("job skipped", extra={"job": name, "outcome": "skipped", "trigger": trigger})
            return {"job": name, "outcome": "skipped"}
        t = time.perf_counter()
        summary: dict[str, Any] | None = None
        error = None
        try:
            summary = job.run(app)
            outcome = "ok"
        except JobAlert as exc:
            db.session.rollback()
            outcome, error = "alert", str(exc)
        except Exception as exc:  # noqa: BLE001 — a job's failure is recorded, not raised
            db.session.rollback()
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
            log.error(
                "job failed",
                extra={"job": name, "trigger": trigger, "trace": traceback.format_exc()},
            )
        duration = time.perf_counter() - t
        finished = utcnow()
        _record(job, holder, trigger, started, finished, outcome, summary, error)
        log.log(
            logging.WARNING if outcome != "ok" else logging.INFO,
            "job run",
            extra={
                "job": name,
                "trigger": trigger,
                "outcome": outcome,
                "duration_ms": round(duration * 1000, 1),
                "summary": summary,
                "error": error,
            },
        )
        return {
            "job": name,
            "outcome": outcome,
            "summary": summary,
            "error": error,
            "seconds": round(duration, 3),
        }


def _mark_running(name: str, holder: str, now, timeout_seconds: int) -> bool:
    with write_intent():  # SQLite: take the write lock first (a read upgraded fails busy)
        return _mark(name, holder, now, timeout_seconds)


def _mark(name: str, holder: str, now, timeout_seconds: int) -> bool:
    session = db.session
    session.rollback()
    state = session.get(JobState, name)
    if state is None:
        try:
            session.execute(insert(JobState).values(name=name, runs=0, consecutive_failures=0))
            session.commit()
        except IntegrityError:  # another process made it first
            session.rollback()
        state = session.get(JobState, name)
    free = or_(
        JobState.running_holder.is_(None),
        JobState.running_since < now - timedelta(seconds=timeout_seconds),
    )
    if state.running_holder and _died_here(state.running_holder):
        free = or_(free, JobState.running_holder == state.running_holder)
    marked = session.execute(
        update(JobState)
        .where(JobState.name == name, free)
        .values(running_holder=holder, running_since=now, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return marked == 1


def _died_here(holder: str) -> bool:
    """A mark left by a process of this host that no longer exists (killed mid-run):
    free at once, without waiting for the job's timeout."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _record(job, holder, trigger, started, finished, outcome, summary, error) -> None:
    with write_intent():
        _store(job, holder, trigger, started, finished, outcome, summary, error)


def _store(job, holder, trigger, started, finished, outcome, summary, error) -> None:
    session = db.session
    session.rollback()
    state = session.get(JobState, job.name)
    state.running_holder, state.running_since = None, None
    state.last_finished_at, state.last_outcome = finished, outcome
    state.last_summary, state.last_error = summary, error
    state.runs += 1
    if outcome == "ok":
        state.last_success_at, state.consecutive_failures = finished, 0
    else:
        state.consecutive_failures += 1
    if job.keep_idle_runs or outcome != "ok" or trigger != "schedule" or _did_work(summary):
        session.add(
            JobRun(
                job=job.name,
                trigger=trigger,
                holder=holder,
                started_at=started,
                finished_at=finished,
                outcome=outcome,
                summary=summary,
                error=error,
            )
        )
    session.commit()


def _did_work(summary: dict[str, Any] | None) -> bool:
    return any(
        isinstance(v, int) and not isinstance(v, bool) and v for v in (summary or {}).values()
    )
