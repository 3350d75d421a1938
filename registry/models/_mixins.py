from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Versioned:
    """A row version for ETags and optimistic concurrency (412 on a stale write)."""

    version: Mapped[int] = mapped_column(default=1)

    @property
    def etag(self) -> str:
        return f'"{self.version}"'
