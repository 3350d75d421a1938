from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog_schemas.codes import local_codes

from ..db import Base
from ._mixins import Timestamped, Versioned


class Department(Timestamped, Versioned, Base):
    """部门/单位: a unit that owns systems and provides resources."""

    __tablename__ = "departments"
    __mapper_args__ = {"version_id_col": Versioned.version}

    id: Mapped[int] = mapped_column(primary_key=True)
    # 统一社会信用代码 (GB 32100) or a local organisation code.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Province scale: the county (or city) a department belongs to.
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    # What the unit is, across counties (公安, 市场监管 …): the data-element dictionary names
    # authoritative sources (一数一源) by function, which each county's unit fulfils.
    function: Mapped[str | None] = mapped_column(String(32))
    # What the catalog's feeds and exports say about its entries (services/publication.py),
    # set by the department itself: the licence (a key of CATALOG_LICENSES; None: the
    # catalog's default), the contact point, and a landing-page address pattern for
    # entries the department also shows on its own site ({code} and {id} are filled in;
    # None: the entry's page in this registry).
    licence_id: Mapped[str | None] = mapped_column(String(64))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    landing_page: Mapped[str | None] = mapped_column(String(500))

    parent: Mapped[Department | None] = relationship(remote_side="Department.id")

    @property
    def proposed_function(self) -> str | None:
        """What its name suggests (…公安局 → 公安), for the admin to confirm."""
        return local_codes().propose_function(self.name)
