from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ._mixins import Timestamped, Versioned
from .department import Department

ROLES = ("dept_editor", "center_reviewer", "ndrc_officer", "auditor", "admin")


class User(Timestamped, Versioned, Base):
    __tablename__ = "users"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(String(200))  # where the inbox is also mailed
    # Web sign-in (GB/T 22239 level 3): an Argon2id hash, never the password; failed
    # attempts since the last success and the end of a lockout; ``session_epoch`` grows
    # when the user is deactivated, changes role or password, so every signed cookie
    # issued before then stops working (sessions live in cookies, not on the server).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    department: Mapped[Department | None] = relationship()


class ApiToken(Base):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
