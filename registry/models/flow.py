from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ._mixins import Timestamped, Versioned

if TYPE_CHECKING:
    from .resource import Resource
    from .system import InformationSystem


class Flow(Timestamped, Versioned, Base):
    """数据流: data moving from a system (or department) to another, declared or observed."""

    __tablename__ = "flows"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id"), index=True)
    source_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    target_system_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id"), index=True)
    target_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    interface_id: Mapped[int | None] = mapped_column(ForeignKey("interfaces.id"))
    via_platform: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(16), default="declared")
    # Art. 9(6): flows declared in a co-built project's framework design.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    description: Mapped[str | None] = mapped_column(String(500))

    # For reading (pages): the systems and the resource by name.
    source_system: Mapped[InformationSystem | None] = relationship(
        foreign_keys=[source_system_id], viewonly=True
    )
    target_system: Mapped[InformationSystem | None] = relationship(
        foreign_keys=[target_system_id], viewonly=True
    )
    resource: Mapped[Resource | None] = relationship(viewonly=True)
