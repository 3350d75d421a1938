from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ._mixins import Timestamped, Versioned
from .department import Department
from .project import Project

project_systems = Table(
    "project_systems",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("system_id", ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InformationSystem(Timestamped, Versioned, Base):
    """政务信息系统."""

    __tablename__ = "systems"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # Art. 17: a system missing from the county system catalog must be rectified.
    in_system_catalog: Mapped[bool] = mapped_column(default=False)
    deployment: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="in_use")

    department: Mapped[Department] = relationship()
    projects: Mapped[list[Project]] = relationship(secondary=project_systems)

    @property
    def project_ids(self) -> list[int]:
        return sorted(p.id for p in self.projects)
