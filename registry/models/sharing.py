"""共享申请 and 共享授权: a department's request for another's published resource, its
answer within a working-day deadline, and the grant (with its flow) that follows."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from ._mixins import Timestamped, Versioned

if TYPE_CHECKING:
    from .department import Department
    from .resource import Resource
    from .system import InformationSystem

# pending: waiting for the provider (the clock runs); needs_info: the provider asked a
# question (the clock is paused); approved / refused: answered; withdrawn: the requester
# took it back before an answer.
REQUEST_STATUSES = ("pending", "needs_info", "approved", "refused", "withdrawn")
OPEN_REQUEST_STATUSES = ("pending", "needs_info")
GRANT_STATUSES = ("active", "withdrawn", "expired")


class ShareRequest(Timestamped, Versioned, Base):
    __tablename__ = "share_requests"
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (
        # The sharing score's figures per provider, read from the index alone.
        Index(
            "ix_share_requests_provider_figures",
            "provider_department_id",
            "status",
            "answered_late",
            "answer_days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    requester_system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(Text)
    business_matter: Mapped[str] = mapped_column(String(200))  # 业务事项
    legal_basis: Mapped[str | None] = mapped_column(Text)
    item_names: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: all items
    interface_id: Mapped[int | None] = mapped_column(ForeignKey("interfaces.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    deadline_days: Mapped[int] = mapped_column(default=10)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The local date by which the provider answers; None while the clock is paused.
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    remaining_days: Mapped[int | None]  # working days left when the clock was paused
    question: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)  # local date of the answer
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    answered_late: Mapped[bool] = mapped_column(default=False)
    # Working days from submission to the answer (the paused days excluded): the
    # sharing score's answer time, computed once when the answer is given.
    answer_days: Mapped[int | None]
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to the 大数据中心
    arbitrated: Mapped[bool] = mapped_column(default=False)

    resource: Mapped[Resource] = relationship()
    provider: Mapped[Department] = relationship(foreign_keys=[provider_department_id])
    requester: Mapped[Department] = relationship(foreign_keys=[requester_department_id])
    requester_system: Mapped[InformationSystem] = relationship()


class Grant(Timestamped, Versioned, Base):
    """共享授权: what an approved request allows, for a time; it declares a flow from the
    provider's system to the requester's through the platform, which ends with it."""

    __tablename__ = "share_grants"
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (
        Index(
            "ix_share_grants_provider_figures",
            "provider_department_id",
            "status",
            "consumer_department_id",
        ),
        # A department's (or county's) grants joined to their reports and call log: the
        # ids from the index alone (PostgreSQL otherwise scans every grant).
        Index("ix_share_grants_provider_id", "provider_department_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"), unique=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    consumer_system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ShareRequest] = relationship()


class UsageReport(Base):
    """共享信息使用情况反馈: the consumer's report on a grant for one period (a quarter by
    default): how often and for what it used the data, whether it met the purpose, and
    the problems met (Art. 9(3))."""

    __tablename__ = "usage_reports"
    __table_args__ = (
        UniqueConstraint("grant_id", "period"),
        Index("ix_usage_reports_grant_uses", "grant_id", "uses"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("share_grants.id"))
    period: Mapped[str] = mapped_column(String(8))  # 2026Q4
    uses: Mapped[int]  # how many times the data was used in the period
    purposes: Mapped[str] = mapped_column(Text)
    met_purpose: Mapped[bool]
    problems: Mapped[str | None] = mapped_column(Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Correction(Timestamped, Versioned, Base):
    """疑义/纠错: a consumer disputes data of a resource (an item, with an example); the
    provider checks and answers within its deadline; both stay on the resource's page."""

    __tablename__ = "corrections"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    item_name: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    example: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|answered
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    corrected: Mapped[bool | None]  # the provider found the data wrong and corrected it
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_late: Mapped[bool] = mapped_column(default=False)


class UsageObservation(Base):
    """Use seen on the exchange platform (its call log): calls of an interface by a
    consumer system in a period; counted as observed use, beside what consumers report."""

    __tablename__ = "usage_observations"
    __table_args__ = (
        Index("ix_usage_observations_interface_system", "interface_id", "consumer_system_id"),
        Index("ix_usage_observations_grant_calls", "grant_id", "calls"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interface_id: Mapped[int] = mapped_column(ForeignKey("interfaces.id"))
    consumer_system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("share_grants.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date, index=True)
    calls: Mapped[int]
    source: Mapped[str] = mapped_column(String(200))  # the uploaded log's name and digest
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
