from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class CatalogImport(Base):
    """One import of a catalog file: who, when, which file (SM3), what it would do or did,
    and every problem found. Records it creates or updates name it as their cause."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    filename: Mapped[str] = mapped_column(String(300))
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    dry_run: Mapped[bool] = mapped_column(default=False)
    # planned (dry run) · applied · rejected (problems found, nothing written) · failed
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    problem_count: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # the first 1,000
    checkpoint: Mapped[int] = mapped_column(default=0)  # records applied so far
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
