"""The scheduler's state in the catalog database: who leads, each job's last run (and
whether one is running now), the runs worth keeping, and APScheduler's own job store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Float, Index, LargeBinary, String, Table, Text, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

# APScheduler 3's SQLAlchemyJobStore table, declared here so migrations own it (the job
# store's own create_all then finds it and does nothing).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class SchedulerLease(Base):
    """One row per lease (``scheduler``): the process that holds it until ``expires_at``
    is the leader; a standby takes it once it expires (a leader renews it well before)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobState(Base):
    """A job's last run, and its running mark: set by a conditional UPDATE before a run,
    so a job never runs twice at once, whichever process starts it."""

    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    running_holder: Mapped[str | None] = mapped_column(String(200))
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[str | None] = mapped_column(String(16))  # ok | error
    last_summary: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    runs: Mapped[int] = mapped_column(default=0)


class JobRun(Base):
    """A run worth keeping: every run of the daily and weekly jobs, and the runs of the
    frequent ones (the outbox drain, the mail) that did something or failed."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    holder: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
