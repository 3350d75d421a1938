"""`registry scheduler` and `registry jobs list | run NAME | history`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import db
from ..jobs import JOBS
from ..jobs.runner import run_job
from ..services.jobs import job_history, job_overview


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs (leader while it holds the lease; start two for failover)."""
    from ..jobs.scheduler import run_scheduler

    click.echo("调度进程已启动（持有租约时执行定时任务）", err=True)
    run_scheduler(current_app._get_current_object())


@click.group("jobs")
def jobs_group() -> None:
    """The scheduled jobs: their state, a run now, their history."""


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    overview = job_overview(db.session, current_app.config)
    lead = overview["leader"]
    click.echo(f"调度主进程：{lead['holder'] if lead and lead['active'] else '无'}")
    for job in overview["jobs"]:
        click.echo(
            f"{job['name']:<20} {job['schedule'] or '不定时':<18} "
            f"上次 {job['last_finished_at'] or '—'} {job['last_outcome'] or ''} "
            f"落后 {job['lag_seconds'] if job['lag_seconds'] is not None else '—'} 秒"
            f"  {job['title']}"
        )


@jobs_group.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@with_appcontext
def jobs_run(name: str) -> None:
    """Run a job now (not if it is running elsewhere)."""
    result = run_job(current_app._get_current_object(), name, trigger="manual")
    click.echo(json.dumps(result, ensure_ascii=False, default=str))
    if result["outcome"] not in ("ok", "skipped"):
        raise click.exceptions.Exit(1)


@jobs_group.command("history")
@click.argument("name", required=False, type=click.Choice(sorted(JOBS)))
@click.option("--limit", default=20, show_default=True)
@with_appcontext
def jobs_history(name: str | None, limit: int) -> None:
    for run in db.session.scalars(job_history(name, limit=limit)):
        click.echo(
            f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.job:<20} {run.outcome:<6} "
            f"{run.trigger:<8} {json.dumps(run.summary, ensure_ascii=False)}"
            f"{'  ' + run.error if run.error else ''}"
        )
