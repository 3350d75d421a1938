"""What the scheduler is doing, for /healthz, the admin page, `/api/v1/jobs` and
`registry jobs list`: the leader, and each job's schedule, last run and lag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..authz import ADMIN, Actor, require_role
from ..db import utcnow
from ..errors import NotFound
from ..jobs import JOBS, nominal_period
from ..jobs.scheduler import leader
from ..models import JobRun, JobState


def job_overview(session: Session, config: Mapping[str, Any]) -> dict[str, Any]:
    """The leader and every job. ``lag_seconds``: how far the job is behind its schedule
    (time since its last successful run beyond one period); None when it has no schedule
    or never succeeded."""
    states = {s.name: s for s in session.scalars(select(JobState))}
    now = utcnow()
    jobs = []
    for name, job in JOBS.items():
        schedule = config["JOB_SCHEDULES"].get(name)
        state = states.get(name)
        period = nominal_period(schedule)
        lag = None
        if period is not None and state is not None and state.last_success_at is not None:
            lag = max(0.0, round((now - state.last_success_at).total_seconds() - period, 1))
        jobs.append(
            {
                "name": name,
                "title": job.title,
                "schedule": _describe(schedule),
                "running": bool(state and state.running_holder),
                "last_started_at": _iso(state and state.last_started_at),
                "last_finished_at": _iso(state and state.last_finished_at),
                "last_outcome": state.last_outcome if state else None,
                "last_summary": state.last_summary if state else None,
                "last_error": state.last_error if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "runs": state.runs if state else 0,
                "lag_seconds": lag,
            }
        )
    return {"leader": leader(session), "jobs": jobs}


def jobs_for(session: Session, actor: Actor, config: Mapping[str, Any]) -> dict[str, Any]:
    """The overview, for an administrator (the API and the admin page)."""
    require_role(actor, ADMIN)
    return job_overview(session, config)


def run_now(session: Session, actor: Actor, app, name: str) -> dict[str, Any]:
    """An administrator runs a job now (skipped if it runs elsewhere); audited. The job
    works in sessions of its own: the caller's transaction is ended first (it has
    written nothing yet), or on SQLite the job would wait for the write lock the
    caller's request holds."""
    from .. import audit
    from ..jobs.runner import run_job
    from ..unit_of_work import read_phase

    require_role(actor, ADMIN)
    if name not in JOBS:
        raise NotFound(f"没有名为 {name} 的任务", code="no_such_job")
    with read_phase():
        result = run_job(app, name, trigger="manual")
    audit.record(session, actor, "job.run", "job", 0, after={"job": name, **result})
    return result


def job_history(name: str | None = None, *, limit: int = 50) -> Select:
    stmt = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    return stmt.where(JobRun.job == name) if name else stmt


def _describe(schedule: dict | None) -> str | None:
    if not schedule:
        return None
    if "interval" in schedule:
        return f"每 {schedule['interval']} 秒"
    minute, hour, dom, month, dow = schedule["cron"].split()
    if minute.isdigit() and hour.isdigit() and dom == month == "*":
        at = f"{int(hour):02d}:{int(minute):02d}"
        if dow == "*":
            return f"每天 {at}"
        if dow.isdigit() and int(dow) < 8:
            return f"每周{'日一二三四五六日'[int(dow)]} {at}"
    return f"cron {schedule['cron']}"


def _iso(value) -> str | None:
    return value.isoformat() if value else None
