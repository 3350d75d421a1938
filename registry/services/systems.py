"""政务信息系统."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..authz import Actor, check_editable, may_link_project, require_department_editor
from ..errors import Forbidden
from ..models import Department, InformationSystem, Project
from ._records import (
    add_record,
    delete_record,
    ensure_unique,
    get_record,
    resolve_ids,
    update_record,
    where_equal,
)


def _apply_links(
    session: Session, actor: Actor, system: InformationSystem, data: dict[str, Any]
) -> None:
    if "project_ids" not in data:
        return
    projects = resolve_ids(
        session, Project, data.pop("project_ids"), field="project_ids", label="项目"
    )
    current = {p.id for p in system.projects}
    refused = [
        p.code
        for p in projects
        if p.id not in current
        and not may_link_project(
            actor, lead_department_id=p.lead_department_id, co_department_ids=p.co_department_ids
        )
    ]
    if refused:
        raise Forbidden(
            "只能关联本部门牵头或共建的项目：" + "、".join(refused),
            code="foreign_project",
            errors={"project_ids": ["只能关联本部门牵头或共建的项目"]},
        )
    system.projects = projects


def create_system(session: Session, actor: Actor, *, data: dict[str, Any]) -> InformationSystem:
    data = dict(data)
    department_id = data.get("department_id") or actor.department_id
    require_department_editor(actor, department_id)
    get_record(session, Department, department_id, label="部门", field="department_id")
    ensure_unique(session, InformationSystem, "code", data["code"], label="系统编码")
    system = InformationSystem(department_id=department_id)
    _apply_links(session, actor, system, data)
    for key, value in data.items():
        setattr(system, key, value)
    return add_record(session, actor, system, subject_type="system")


def update_system(
    session: Session,
    actor: Actor,
    system_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> InformationSystem:
    system = get_record(session, InformationSystem, system_id, label="信息系统")
    require_department_editor(actor, system.department_id)
    check_editable(actor, "system", changes)
    changes = dict(changes)
    if "department_id" in changes:
        require_department_editor(actor, changes["department_id"])
    if "code" in changes:
        ensure_unique(
            session,
            InformationSystem,
            "code",
            changes["code"],
            label="系统编码",
            exclude_id=system.id,
        )
    _apply_links(session, actor, system, changes)
    return update_record(
        session, actor, system, changes, expected_version=expected_version, subject_type="system"
    )


def delete_system(
    session: Session, actor: Actor, system_id: int, *, expected_version: int | None
) -> None:
    system = get_record(session, InformationSystem, system_id, label="信息系统")
    require_department_editor(actor, system.department_id)
    delete_record(session, actor, system, expected_version=expected_version, subject_type="system")


def list_systems(
    *,
    department_id: int | None = None,
    in_system_catalog: bool | None = None,
    status: str | None = None,
    deployment: str | None = None,
    q: str | None = None,
) -> Select:
    stmt = where_equal(
        select(InformationSystem),
        (InformationSystem.department_id, department_id),
        (InformationSystem.in_system_catalog, in_system_catalog),
        (InformationSystem.status, status),
        (InformationSystem.deployment, deployment),
    )
    if q:
        stmt = stmt.where(InformationSystem.name.contains(q))
    return stmt
