"""`registry scheduler`: APScheduler in its own process, leader of the jobs only while it
holds the lease.

However many schedulers run (two for failover, one per host by mistake), one leads: the
process holding the ``scheduler`` row of ``scheduler_leases`` until its ``expires_at``.
Every ``SCHEDULER_POLL_SECONDS`` each process tries to take or renew it with one
conditional UPDATE (the row is free, expired, or already its own); the leader starts
APScheduler, a process that loses the lease stops it at once. A leader killed with
SIGKILL is replaced once its lease expires (``SCHEDULER_LEASE_SECONDS`` plus one poll).
The same lease row works on SQLite and PostgreSQL, and the per-job running mark
(``runner``) keeps a job from running twice even while two processes both believe they
lead (a paused leader waking up late).

APScheduler keeps its jobs in the catalog database (the SQLAlchemy job store, table
``apscheduler_jobs``): coalescing (a backlog of missed runs is one run), one instance
per job, and a misfire grace, so a job that was due while no one led runs once when a
leader comes.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..db import db, utcnow, write_intent
from ..models import SchedulerLease
from . import JOBS
from .runner import holder_name, run_job

log = logging.getLogger("registry.scheduler")
LEASE = "scheduler"
MISFIRE_GRACE_SECONDS = 3600

# The app the scheduled functions run in (APScheduler stores a textual reference to
# ``scheduled`` and the job's name, not the app).
_app: Flask | None = None


def scheduled(name: str) -> None:
    """What APScheduler calls: one run of ``name`` in the scheduler's app."""
    assert _app is not None, "scheduled() runs only inside `registry scheduler`"
    run_job(_app, name)


def trigger_for(schedule: dict[str, Any], timezone: str):
    if "interval" in schedule:
        return IntervalTrigger(seconds=float(schedule["interval"]), timezone=timezone)
    return CronTrigger.from_crontab(schedule["cron"], timezone=timezone)


class Lease:
    """The leader lease, held by ``holder`` while renewed."""

    def __init__(self, app: Flask, holder: str, seconds: float) -> None:
        self.app, self.holder, self.seconds = app, holder, seconds

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, or renew it if ours."""
        with self.app.app_context(), write_intent():
            session = db.session
            now = utcnow()
            expires = now + timedelta(seconds=self.seconds)
            taken = session.execute(
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == LEASE,
                    or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at < now),
                )
                .values(holder=self.holder, renewed_at=now, expires_at=expires)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not taken and session.get(SchedulerLease, LEASE) is None:
                try:
                    session.execute(
                        insert(SchedulerLease).values(
                            name=LEASE,
                            holder=self.holder,
                            acquired_at=now,
                            renewed_at=now,
                            expires_at=expires,
                        )
                    )
                    taken = 1
                except IntegrityError:
                    session.rollback()
                    return False
            session.commit()
            return bool(taken)

    def release(self) -> None:
        with self.app.app_context(), write_intent():
            session = db.session
            session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == LEASE, SchedulerLease.holder == self.holder)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            session.commit()


def leader(session) -> dict[str, Any] | None:
    """Who leads, when the lease was renewed, whether it is still valid (None: no
    scheduler has ever run)."""
    lease = session.scalar(select(SchedulerLease).where(SchedulerLease.name == LEASE))
    if lease is None:
        return None
    return {
        "holder": lease.holder,
        "renewed_at": lease.renewed_at.isoformat(),
        "expires_at": lease.expires_at.isoformat(),
        "active": lease.expires_at >= utcnow(),
    }


def build_scheduler(app: Flask) -> BackgroundScheduler:
    timezone = app.config["LOCAL_TIMEZONE"]
    scheduler = BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=db.state(app).engine, tablename="apscheduler_jobs")
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone=timezone,
    )
    return scheduler


def sync_jobs(scheduler: BackgroundScheduler, app: Flask) -> None:
    """The stored jobs made to match the configuration: added, rescheduled or removed.
    A job whose trigger did not change keeps its next run time."""
    schedules = app.config["JOB_SCHEDULES"]
    timezone = app.config["LOCAL_TIMEZONE"]
    wanted = {name for name, schedule in schedules.items() if schedule and name in JOBS}
    for stored in scheduler.get_jobs():
        if stored.id not in wanted:
            stored.remove()
    for name in sorted(wanted):
        trigger = trigger_for(schedules[name], timezone)
        stored = scheduler.get_job(name)
        if stored is None:
            scheduler.add_job(
                "registry.jobs.scheduler:scheduled",
                trigger=trigger,
                args=[name],
                id=name,
                name=JOBS[name].title,
                replace_existing=True,
            )
        elif str(stored.trigger) != str(trigger):
            stored.reschedule(trigger)


def run_scheduler(app: Flask, *, stop: threading.Event | None = None) -> None:
    """Lead when possible, stand by otherwise, until SIGTERM/SIGINT (or ``stop``)."""
    global _app
    _app = app
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    holder = holder_name()
    lease = Lease(app, holder, app.config["SCHEDULER_LEASE_SECONDS"])
    poll = float(app.config["SCHEDULER_POLL_SECONDS"])
    scheduler: BackgroundScheduler | None = None
    log.info("scheduler started", extra={"holder": holder})
    try:
        while not stop.is_set():
            try:
                leading = lease.acquire()
            except Exception:  # noqa: BLE001 — the database away: lead no longer
                log.exception("lease check failed")
                leading = False
            if leading and scheduler is None:
                scheduler = build_scheduler(app)
                scheduler.start(paused=True)
                sync_jobs(scheduler, app)
                scheduler.resume()
                log.info("leading", extra={"holder": holder})
            elif not leading and scheduler is not None:
                scheduler.shutdown(wait=False)
                scheduler = None
                log.warning("lease lost: standing by", extra={"holder": holder})
            stop.wait(poll)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
            lease.release()
        log.info("scheduler stopped", extra={"holder": holder})
