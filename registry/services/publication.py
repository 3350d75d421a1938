"""What a catalog entry says about itself to whoever reuses it, beyond the 编制指南 fields:
its licence, contact point, keywords, last change and landing page. The exports (JSON,
CSV, xlsx), the API, the CKAN Action API and DCAT-AP all take it from here, so the four
never disagree.

A department sets its own licence, contact point and landing-page pattern (部门发布信息,
columns of ``departments``); what it leaves unset falls back to the catalog's defaults
(``CATALOG_LICENSE``, ``CATALOG_CONTACT``, the entry's page in this registry). Keywords
are the classification's names (类, 项) and the data elements the entry's items match
(matched automatically or confirmed by a reviewer), so a reader finds 人口 entries by
公民身份号码 whatever the provider called the column.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import DataElement, DataItem, Department, Resource

LANDING_PAGE_FIELDS = frozenset({"code", "id"})


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str | None


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Publication:
    """One entry's publication metadata."""

    licence: Licence
    contact: Contact
    keywords: tuple[str, ...]
    modified: datetime
    landing_page: str

    def as_record(self) -> dict[str, Any]:
        """The flat fields the exports and the API carry."""
        return {
            "licence_id": self.licence.id,
            "licence_title": self.licence.title,
            "licence_url": self.licence.url,
            "contact_name": self.contact.name,
            "contact_email": self.contact.email,
            "contact_phone": self.contact.phone,
            "keywords": list(self.keywords),
            "modified": self.modified.isoformat(timespec="seconds"),
            "landing_page": self.landing_page,
        }


def licences(config: Mapping[str, Any]) -> dict[str, Licence]:
    return {
        key: Licence(key, value["title"], value.get("url"))
        for key, value in config["CATALOG_LICENSES"].items()
    }


def validate_settings(licence_ids: Collection[str], changes: Mapping[str, Any]) -> None:
    """Refuse, by field, a licence the catalog does not offer or a landing-page pattern
    that is not an http(s) address with only {code} and {id} in it."""
    errors: dict[str, list[str]] = {}
    licence = changes.get("licence_id")
    if licence is not None and licence not in licence_ids:
        errors["licence_id"] = [
            f"未知的许可协议“{licence}”（可选：{'、'.join(licence_ids)}；"
            "新增许可在配置 CATALOG_LICENSES 中添加）"
        ]
    pattern = changes.get("landing_page")
    if pattern is not None:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
        except ValueError:
            names = {"?"}
        if not pattern.startswith(("http://", "https://")):
            errors["landing_page"] = ["落地页地址应以 http:// 或 https:// 开头"]
        elif names - LANDING_PAGE_FIELDS:
            errors["landing_page"] = ["落地页地址中只能使用 {code}（信息资源代码）和 {id}（编号）"]
    if errors:
        raise Invalid(errors=errors)


class Publisher:
    """Publication metadata for batches of entries: the element names they match are
    read in one query per batch."""

    def __init__(self, session: Session, config: Mapping[str, Any]) -> None:
        self.session = session
        self.base_url = config["PUBLIC_BASE_URL"].rstrip("/")
        self.licences = licences(config)
        self.default_licence = self.licences[config["CATALOG_LICENSE"]]
        default = config["CATALOG_CONTACT"]
        self.default_contact = Contact(default["name"], default.get("email"), default.get("phone"))

    def element_names(self, entry_ids: Iterable[int]) -> dict[int, set[str]]:
        ids = list(entry_ids)
        names: dict[int, set[str]] = {i: set() for i in ids}
        if ids:
            for entry_id, name in self.session.execute(
                select(DataItem.resource_id, DataElement.name)
                .join(DataElement, DataElement.id == DataItem.element_id)
                .where(
                    DataItem.resource_id.in_(ids),
                    DataItem.match_status.in_(("auto", "confirmed")),
                )
                .distinct()
            ):
                names[entry_id].add(name)
        return names

    def build(self, entries: Iterable[Resource]) -> dict[int, Publication]:
        entries = list(entries)
        elements = self.element_names(r.id for r in entries)
        return {r.id: self.of(r, elements[r.id]) for r in entries}

    def of(self, r: Resource, elements: Iterable[str] = ()) -> Publication:
        d: Department = r.provider
        # The department's own contact point; a department that gives none is reached
        # through the catalog's (the 大数据中心 runs the sharing platform).
        contact = (
            Contact(d.contact_name or d.name, d.contact_email, d.contact_phone)
            if d.contact_name or d.contact_email or d.contact_phone
            else self.default_contact
        )
        return Publication(
            licence=self.licences.get(d.licence_id or "", self.default_licence),
            contact=contact,
            keywords=tuple(dict.fromkeys([*r.classification_path, *sorted(elements)])),
            modified=r.updated_at,
            landing_page=(
                d.landing_page.format(code=r.code, id=r.id)
                if d.landing_page
                else f"{self.base_url}/resources/{r.id}"
            ),
        )

    def page_url(self, r: Resource) -> str:
        """The entry's page in this registry (its IRI's document in DCAT-AP)."""
        return f"{self.base_url}/resources/{r.id}"
