from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Date, ForeignKey, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned
from .department import Department

project_departments = Table(
    "project_departments",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)


class Project(Timestamped, Versioned, Base):
    """政务信息化项目."""

    __tablename__ = "projects"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    investment: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # 万元
    in_county_plan: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[str] = mapped_column(String(32), default="planned", index=True)
    # Art. 16: the materials an acceptance application lists, each {present, reference}.
    acceptance_materials: Mapped[dict] = mapped_column(JSON, default=dict)
    planned_acceptance_date: Mapped[date | None] = mapped_column(Date)
    # Art. 16: a project that cannot be accepted on time records an extension request.
    extension_requests: Mapped[list] = mapped_column(JSON, default=list)

    lead_department: Mapped[Department] = relationship()
    co_departments: Mapped[list[Department]] = relationship(secondary=project_departments)
    stage_changes: Mapped[list[ProjectStageChange]] = relationship(
        back_populates="project", order_by="ProjectStageChange.id"
    )

    @property
    def co_department_ids(self) -> list[int]:
        return sorted(d.id for d in self.co_departments)


class ProjectStageChange(Base):
    __tablename__ = "project_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(1000))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="stage_changes")
