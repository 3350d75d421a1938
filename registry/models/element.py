from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._mixins import Timestamped, Versioned


class DataElement(Timestamped, Versioned, Base):
    """数据元 (GB/T 19488): a canonical data element with its single authoritative source (一数一源)."""

    __tablename__ = "data_elements"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_type: Mapped[str] = mapped_column(String(16))
    format: Mapped[str | None] = mapped_column(String(32))
    value_domain: Mapped[str | None] = mapped_column(String(200))
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    source_system_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id", ondelete="SET NULL"))
    source_resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL")
    )
