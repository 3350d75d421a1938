from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned

# applied → issued | rejected; issued → revoked | superseded
CONFIRMATION_STATUSES = ("applied", "issued", "rejected", "revoked", "superseded")


class Confirmation(Timestamped, Versioned, Base):
    """数据共享完成确认意见 (Art. 15): an application, its evaluated checks, and once issued
    the signed document (canonical JSON, SM2 over SM3) that acceptance requires."""

    __tablename__ = "confirmations"
    __mapper_args__ = {"version_id_col": Versioned.version}
    __table_args__ = (Index("ix_confirmations_project_status", "project_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    status: Mapped[str] = mapped_column(String(16), default="applied")
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_name: Mapped[str] = mapped_column(String(64))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The checks as evaluated, with their evidence, and the catalog state they covered.
    checks: Mapped[list] = mapped_column(JSON, default=list)
    catalog_state: Mapped[list] = mapped_column(JSON, default=list)
    catalog_digest: Mapped[str] = mapped_column(String(64))
    # The decision.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The issued document.
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    year: Mapped[int | None]
    sequence: Mapped[int | None]
    document: Mapped[dict | None] = mapped_column(JSON)
    canonical: Mapped[str | None] = mapped_column(Text)  # the exact signed bytes, UTF-8
    digest: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(256))
    key_id: Mapped[str | None] = mapped_column(String(32))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("confirmations.id"))


class SigningKey(Base):
    """Public keys by id, so a confirmation stays verifiable after the key is rotated."""

    __tablename__ = "signing_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="SM2")
    public_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConfirmationSequence(Base):
    """The last number issued per year; allocated in the issuing transaction, so gapless."""

    __tablename__ = "confirmation_sequences"

    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
