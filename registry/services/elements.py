"""数据元: the data-element dictionary, edited by the big-data center, versioned and audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog_schemas.elements import ELEMENTS

from ..authz import REVIEWER, Actor, check_editable, require_role
from ..models import DataElement, DataElementVersion, Department, InformationSystem, Resource
from ._records import add_record, delete_record, ensure_unique, get_record, snapshot, update_record

_SOURCES = {
    "source_department_id": (Department, "权威来源部门"),
    "source_system_id": (InformationSystem, "权威来源系统"),
    "source_resource_id": (Resource, "权威来源资源"),
}


def _check_sources(session: Session, data: dict[str, Any]) -> None:
    for field, (model, label) in _SOURCES.items():
        if data.get(field) is not None:
            get_record(session, model, data[field], label=label)


def _record_version(session: Session, actor: Actor, element: DataElement, action: str) -> None:
    session.add(
        DataElementVersion(
            element_id=element.id,
            version=element.version,
            action=action,
            actor_id=actor.user_id,
            snapshot=snapshot(element),
        )
    )


def create_element(session: Session, actor: Actor, *, data: dict[str, Any]) -> DataElement:
    require_role(actor, REVIEWER)
    ensure_unique(session, DataElement, "identifier", data["identifier"], label="数据元标识符")
    _check_sources(session, data)
    element = add_record(session, actor, DataElement(**data), subject_type="data_element")
    _record_version(session, actor, element, "create")
    return element


def update_element(
    session: Session,
    actor: Actor,
    element_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> DataElement:
    require_role(actor, REVIEWER)
    check_editable(actor, "data_element", changes)
    element = get_record(session, DataElement, element_id, label="数据元")
    if "identifier" in changes:
        ensure_unique(
            session,
            DataElement,
            "identifier",
            changes["identifier"],
            label="数据元标识符",
            exclude_id=element.id,
        )
    _check_sources(session, changes)
    element = update_record(
        session,
        actor,
        element,
        changes,
        expected_version=expected_version,
        subject_type="data_element",
    )
    _record_version(session, actor, element, "update")
    return element


def delete_element(
    session: Session, actor: Actor, element_id: int, *, expected_version: int | None
) -> None:
    require_role(actor, REVIEWER)
    element = get_record(session, DataElement, element_id, label="数据元")
    delete_record(
        session, actor, element, expected_version=expected_version, subject_type="data_element"
    )


def element_versions(session: Session, element_id: int) -> list[DataElementVersion]:
    get_record(session, DataElement, element_id, label="数据元")
    return list(
        session.scalars(
            select(DataElementVersion)
            .where(DataElementVersion.element_id == element_id)
            .order_by(DataElementVersion.version)
        )
    )


def sync_dictionary(session: Session, actor: Actor) -> dict[str, int]:
    """Bring the shipped dictionary (catalog_schemas.elements) into the database: new
    elements are created, and shipped fields of existing ones updated; sources and
    reviewers' own additions are left alone."""
    require_role(actor, REVIEWER)
    existing = {e.identifier: e for e in session.scalars(select(DataElement))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for e in ELEMENTS:
        shipped = {
            "name": e.name,
            "synonyms": list(e.synonyms),
            "data_type": e.data_type,
            "format": e.format,
            "value_domain": e.value_domain,
            "family": e.family,
            "source_function": e.source,
        }
        current = existing.get(e.identifier)
        if current is None:
            create_element(session, actor, data={"identifier": e.identifier, **shipped})
            counts["created"] += 1
            continue
        changes = {k: v for k, v in shipped.items() if getattr(current, k) != v}
        if changes:
            update_element(
                session, actor, current.id, changes=changes, expected_version=current.version
            )
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


def list_elements(
    *, q: str | None = None, data_type: str | None = None, family: str | None = None
) -> Select:
    stmt = select(DataElement)
    if q:
        stmt = stmt.where(DataElement.name.contains(q) | DataElement.identifier.contains(q))
    if data_type:
        stmt = stmt.where(DataElement.data_type == data_type)
    if family:
        stmt = stmt.where(DataElement.family == family)
    return stmt
