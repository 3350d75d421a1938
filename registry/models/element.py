from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned


class DataElement(Timestamped, Versioned, Base):
    """数据元 (GB/T 19488): a canonical data element with its single authoritative
    source (一数一源)."""

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
    source_system_id: Mapped[int | None] = mapped_column(
        ForeignKey("systems.id", ondelete="SET NULL")
    )
    source_resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL")
    )
    family: Mapped[str | None] = mapped_column(String(32))
    # The function of the authoritative department (公安 …), valid in every county.
    source_function: Mapped[str | None] = mapped_column(String(32))


class DataElementVersion(Base):
    """A snapshot of a data element after each change: the dictionary is versioned."""

    __tablename__ = "data_element_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    element_id: Mapped[int] = mapped_column(
        ForeignKey("data_elements.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchDecision(Base):
    """A reviewer's decision for an item name: this element (or none). Remembered, so the
    matcher applies it to every item with the same normalised name from then on."""

    __tablename__ = "match_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    normalized_name: Mapped[str] = mapped_column(String(100), unique=True)
    element_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_elements.id", ondelete="CASCADE")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
