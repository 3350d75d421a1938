from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned

# Art. 17: open findings of these kinds block the department's new projects and stage moves.
ART17_KINDS = ("duplicate_collection", "unshared_resource", "not_in_system_catalog")
FINDING_KINDS = ART17_KINDS + (
    "scope_overlap",
    "bypasses_platform",
    "unconsumed_resource",
    "flow_cycle",
    "stale_resource",  # the scheduler's freshness job (services/freshness.py)
)
FINDING_STATUSES = ("open", "rectifying", "resolved", "waived")
# Still to rectify: these block (Art. 17 kinds) and can fall overdue.
ACTIVE_STATUSES = ("open", "rectifying")


class Finding(Timestamped, Versioned, Base):
    """问题/整改项: a problem an analysis found, kept until rectified or waived."""

    __tablename__ = "findings"
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (
        Index("ix_findings_department_status", "department_id", "status"),
        # The list, overdue first (services/findings.overdue_first_page): the overdue
        # through (status, due_date), the rest walked newest first.
        Index("ix_findings_status_due_date", "status", "due_date"),
        Index("ix_findings_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # Identity of the problem, so re-running an analysis finds the same row again.
    fingerprint: Mapped[str] = mapped_column(String(200), unique=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column()
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    first_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id"))
    last_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    history: Mapped[list] = mapped_column(JSON, default=list)
    # 整改计划 and its 完成时限, as the responsible department reported them (整改中).
    plan: Mapped[str | None] = mapped_column(String(2000))
    due_date: Mapped[date | None] = mapped_column(Date)

    def overdue(self, today: date) -> bool:
        """Still to rectify after the date the department promised."""
        return (
            self.status in ACTIVE_STATUSES and self.due_date is not None and self.due_date < today
        )


class AnalysisRun(Base):
    """One run of the graph analyses over a scope, with what it found."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_value: Mapped[str | None] = mapped_column(String(200))
    analyses: Mapped[list] = mapped_column(JSON)
    actor_name: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
