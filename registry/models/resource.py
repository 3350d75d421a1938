from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog_schemas.identifiers import classification_path

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned
from .department import Department
from .system import InformationSystem

resource_systems = Table(
    "resource_systems",
    Base.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("system_id", ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Resource(Timestamped, Versioned, Base):
    """信息资源: one entry of the information-resource catalog (政务信息资源目录)."""

    __tablename__ = "resources"
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (
        Index("ix_resources_provider_status", "provider_department_id", "status"),
        Index("ix_resources_status_open", "status", "open_type"),
        Index("ix_resources_updated_at", "updated_at"),
        # The review queue: waiting entries in order of submission (a submitted entry is
        # frozen, so its updated_at is its submission), for all or one department, and
        # the busiest departments counted from the index alone.
        Index("ix_resources_status_updated", "status", "updated_at"),
        Index("ix_resources_status_provider", "status", "provider_department_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 信息资源代码
    classification_code: Mapped[str] = mapped_column(String(16), index=True)  # 分类码
    name: Mapped[str] = mapped_column(String(200), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    summary: Mapped[str] = mapped_column(Text)
    format_class: Mapped[str] = mapped_column(String(16))
    format_detail: Mapped[str | None] = mapped_column(String(200))
    share_type: Mapped[str] = mapped_column(String(16), index=True)
    share_condition: Mapped[str | None] = mapped_column(Text)
    share_method_class: Mapped[str | None] = mapped_column(String(16))
    share_method_platform: Mapped[str | None] = mapped_column(String(16))
    open_type: Mapped[str] = mapped_column(String(16))
    open_condition: Mapped[str | None] = mapped_column(Text)
    update_cycle: Mapped[str] = mapped_column(String(16), index=True)
    publish_date: Mapped[date] = mapped_column(Date)
    related_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    item_count: Mapped[int] = mapped_column(default=0)

    provider: Mapped[Department] = relationship()
    systems: Mapped[list[InformationSystem]] = relationship(secondary=resource_systems)
    items: Mapped[list[DataItem]] = relationship(
        back_populates="resource", order_by="DataItem.position", cascade="all, delete-orphan"
    )

    @property
    def classification_path(self) -> list[str]:
        return classification_path(self.classification_code)

    @property
    def open_to_public(self) -> bool:
        return self.open_type != "不予开放"

    @property
    def provider_code(self) -> str:
        return self.provider.code

    @property
    def provider_name(self) -> str:
        return self.provider.name

    @property
    def system_ids(self) -> list[int]:
        return [s.id for s in self.systems]


class DataItem(Base):
    """信息项: one column or field of a resource."""

    __tablename__ = "data_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100), index=True)
    data_type: Mapped[str] = mapped_column(String(16))
    length: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(String(500))
    # collected: original collection (原始采集); obtained: through sharing (共享获取).
    collection_mode: Mapped[str] = mapped_column(String(16), default="collected")
    share_type: Mapped[str | None] = mapped_column(String(16))
    open_type: Mapped[str | None] = mapped_column(String(16))
    element_identifier: Mapped[str | None] = mapped_column(String(64))
    element_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_elements.id", ondelete="SET NULL"), index=True
    )
    match_confidence: Mapped[float | None]
    # auto (matched above the threshold), pending (in the review queue), confirmed
    # (a reviewer chose the element), none (a reviewer decided it has none); NULL: no
    # element found automatically (re-derived on each run, see services/matching.py).
    match_status: Mapped[str | None] = mapped_column(String(16), index=True)
    match_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    resource: Mapped[Resource] = relationship(back_populates="items")


class ResourceVersion(Base):
    """A snapshot of a resource after each change, with who, why and which step."""

    __tablename__ = "resource_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(1000))
    snapshot: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CodeSequence(Base):
    """The last 顺序码 handed out per 分类码; it only grows, so codes are never reused."""

    __tablename__ = "code_sequences"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
