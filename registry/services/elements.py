"""数据元: the data-element dictionary, edited by the big-data center."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..authz import REVIEWER, Actor, require_role
from ..models import DataElement, Department, InformationSystem, Resource
from ._records import add_record, delete_record, ensure_unique, get_record, update_record

_SOURCES = {
    "source_department_id": (Department, "权威来源部门"),
    "source_system_id": (InformationSystem, "权威来源系统"),
    "source_resource_id": (Resource, "权威来源资源"),
}


def _check_sources(session: Session, data: dict[str, Any]) -> None:
    for field, (model, label) in _SOURCES.items():
        if data.get(field) is not None:
            get_record(session, model, data[field], label=label)


def create_element(session: Session, actor: Actor, *, data: dict[str, Any]) -> DataElement:
    require_role(actor, REVIEWER)
    ensure_unique(session, DataElement, "identifier", data["identifier"], label="数据元标识符")
    _check_sources(session, data)
    return add_record(session, actor, DataElement(**data), subject_type="data_element")


def update_element(session: Session, actor: Actor, element_id: int, *, changes: dict[str, Any],
                   expected_version: int | None) -> DataElement:
    require_role(actor, REVIEWER)
    element = get_record(session, DataElement, element_id, label="数据元")
    if "identifier" in changes:
        ensure_unique(session, DataElement, "identifier", changes["identifier"], label="数据元标识符",
                      exclude_id=element.id)
    _check_sources(session, changes)
    return update_record(session, actor, element, changes, expected_version=expected_version,
                         subject_type="data_element")


def delete_element(session: Session, actor: Actor, element_id: int, *, expected_version: int | None) -> None:
    require_role(actor, REVIEWER)
    element = get_record(session, DataElement, element_id, label="数据元")
    delete_record(session, actor, element, expected_version=expected_version, subject_type="data_element")


def list_elements(*, q: str | None = None, data_type: str | None = None) -> Select:
    stmt = select(DataElement)
    if q:
        stmt = stmt.where(DataElement.name.contains(q) | DataElement.identifier.contains(q))
    if data_type:
        stmt = stmt.where(DataElement.data_type == data_type)
    return stmt
