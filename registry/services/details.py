"""Read models for the pages: one catalog entry with everything around it, one
department with its catalog. Each applies the same visibility as the API's reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog_schemas.identifiers import classification_path

from ..authz import Actor, may_read_registry
from ..models import (
    ACTIVE_STATUSES,
    ART17_KINDS,
    Correction,
    Department,
    Finding,
    InformationSystem,
    Interface,
    Project,
    Resource,
    ResourceVersion,
    User,
)
from ._records import get_record
from .findings import list_findings
from .interfaces import list_interfaces
from .projects import list_projects
from .resources import get_resource, list_resources
from .systems import list_systems


@dataclass
class ResourceDetail:
    resource: Resource
    classification_path: list[str]
    interfaces: list[Interface] | None  # None: not for this reader (see authz)
    last_change: ResourceVersion | None
    last_actor: str | None
    corrections: list[Correction] | None = None  # 纠错 and their answers (signed-in readers)


def resource_detail(session: Session, actor: Actor, resource_id: int) -> ResourceDetail:
    """信息资源 as its page shows it: items, provider, producing systems, serving
    interfaces, classification path and the last change."""
    resource = get_resource(session, actor, resource_id)
    interfaces = None
    if may_read_registry(actor):
        interfaces = list(session.scalars(list_interfaces(resource_id=resource.id)))
    last = session.execute(
        select(ResourceVersion, User.name)
        .outerjoin(User, User.id == ResourceVersion.actor_id)
        .where(ResourceVersion.resource_id == resource.id)
        .order_by(ResourceVersion.version.desc())
        .limit(1)
    ).first()
    corrections = None
    if may_read_registry(actor):
        corrections = list(
            session.scalars(
                select(Correction)
                .where(Correction.resource_id == resource.id)
                .order_by(Correction.id.desc())
            )
        )
    return ResourceDetail(
        resource,
        classification_path(resource.classification_code),
        interfaces,
        last[0] if last else None,
        last[1] if last else None,
        corrections,
    )


@dataclass
class DepartmentDetail:
    department: Department
    resources: list[Resource]
    resource_total: int
    systems: list[InformationSystem] | None = None
    projects: list[Project] | None = None
    # Its findings still to rectify, and whether Art. 17 holds its projects for them.
    open_findings: list[Finding] | None = None
    art17_blocked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def department_detail(
    session: Session, actor: Actor, department_id: int, *, resource_limit: int = 100
) -> DepartmentDetail:
    """A department (public, like the API's departments) with the catalog entries this
    reader may see and, for those signed in, its systems and projects."""
    department = get_record(session, Department, department_id, label="部门")
    stmt = list_resources(actor, department_id=department.id)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    resources = list(
        session.scalars(stmt.order_by(Resource.name, Resource.id).limit(resource_limit))
    )
    detail = DepartmentDetail(department, resources, total or 0)
    if may_read_registry(actor):
        detail.systems = list(
            session.scalars(
                list_systems(department_id=department.id).order_by(InformationSystem.name)
            )
        )
        detail.projects = list(
            session.scalars(
                list_projects(department_id=department.id)
                .options(selectinload(Project.lead_department))
                .order_by(Project.code)
            )
        )
        detail.open_findings = list(
            session.scalars(
                list_findings(department_id=department.id)
                .where(Finding.status.in_(ACTIVE_STATUSES))
                .order_by(Finding.kind, Finding.id)
                .limit(resource_limit)
            )
        )
        detail.art17_blocked = any(f.kind in ART17_KINDS for f in detail.open_findings)
    return detail


def catalog_counts(session: Session) -> dict[str, int]:
    """The home page's figures: departments, and published entries."""
    return {
        "departments": session.scalar(select(func.count()).select_from(Department)) or 0,
        "resources": session.scalar(
            select(func.count()).select_from(Resource).where(Resource.status == "published")
        )
        or 0,
    }
