from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from ._mixins import Timestamped, Versioned
from .department import Department
from .resource import Resource

interface_resources = Table(
    "interface_resources",
    Base.metadata,
    Column("interface_id", ForeignKey("interfaces.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Interface(Timestamped, Versioned, Base):
    """共享接口: how a resource is served (an API, a table, a file drop)."""

    __tablename__ = "interfaces"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    endpoint: Mapped[str | None] = mapped_column(String(500))
    protocol: Mapped[str | None] = mapped_column(String(32))
    openapi: Mapped[dict | None] = mapped_column(JSON)
    # Art. 9(3): every project connects to the county data-sharing exchange platform.
    platform_connected: Mapped[bool] = mapped_column(default=False)
    # The scheduler's probe (services/probes.py): up | slow | failing | down | unknown;
    # written without a version bump (a probe is not an edit: no 412 for the editor).
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    health_latency_ms: Mapped[float | None]
    health_failures: Mapped[int] = mapped_column(default=0, server_default="0")  # consecutive
    health_detail: Mapped[str | None] = mapped_column(String(300))

    department: Mapped[Department] = relationship()
    resources: Mapped[list[Resource]] = relationship(secondary=interface_resources)

    @property
    def resource_ids(self) -> list[int]:
        return [r.id for r in self.resources]


class InterfaceProbe(Base):
    """One probe of an interface's endpoint: the health history."""

    __tablename__ = "interface_probes"
    __table_args__ = (Index("ix_interface_probes_interface_checked", "interface_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interface_id: Mapped[int] = mapped_column(ForeignKey("interfaces.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    latency_ms: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(String(300))
