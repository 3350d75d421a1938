"""Read models for the pages: one catalog entry with everything around it, one
department with its catalog. Each applies the same visibility as the API's reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog_schemas.codes import PROJECT_STAGE_LABELS, PROJECT_STAGES
from catalog_schemas.identifiers import classification_path

from ..authz import Actor, may_read_confirmation, may_read_registry, require_login
from ..models import (
    ACTIVE_STATUSES,
    ART17_KINDS,
    Confirmation,
    Correction,
    Department,
    Finding,
    InformationSystem,
    Interface,
    Project,
    Resource,
    ResourceVersion,
    User,
    project_systems,
)
from ._records import get_record
from .findings import list_findings, open_findings, overlap_findings
from .interfaces import list_interfaces
from .projects import StageSettings, allowed_next_stages, list_projects
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


@dataclass
class StageOption:
    """A stage the project may move to next, and what the move needs (Art. 7, 8, 15, 16)."""

    stage: str
    needs: list[str]
    evidence_fields: list[str]  # "expert_panel" | "city_review"


@dataclass
class ProjectDetail:
    project: Project
    blocking: list[Finding]  # Art. 17: open findings of its builders
    overlaps: list[Finding]  # Art. 9(6): 重复交叉 with other projects
    systems: dict[int, list[InformationSystem]]  # per department (lead and co-builders)
    stage_actors: dict[int, str]
    next_stages: list[StageOption]
    confirmations: list[Confirmation]
    materials: list[tuple[str, str, dict]]  # (key, title, {present, reference})


def project_detail(
    session: Session, actor: Actor, project_id: int, *, settings: StageSettings
) -> ProjectDetail:
    """政务信息化项目 as its page shows it: stages and who moved them, what blocks it, its
    builders and their systems, the acceptance materials and confirmations."""
    require_login(actor)
    project = get_record(session, Project, project_id, label="项目")
    systems: dict[int, list[InformationSystem]] = {
        d: [] for d in (project.lead_department_id, *project.co_department_ids)
    }
    linked = session.scalars(
        select(InformationSystem)
        .join(project_systems, project_systems.c.system_id == InformationSystem.id)
        .where(project_systems.c.project_id == project.id)
        .order_by(InformationSystem.code)
    )
    for system in linked:
        systems.setdefault(system.department_id, []).append(system)
    actor_ids = {c.actor_id for c in project.stage_changes if c.actor_id}
    names = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all()
        if actor_ids
        else []
    )
    confirmations = []
    if may_read_confirmation(
        actor,
        lead_department_id=project.lead_department_id,
        co_department_ids=project.co_department_ids,
    ):
        confirmations = list(
            session.scalars(
                select(Confirmation)
                .where(Confirmation.project_id == project.id)
                .order_by(Confirmation.id.desc())
            )
        )
    required = settings.confirmation.acceptance_materials
    stored = project.acceptance_materials or {}
    return ProjectDetail(
        project=project,
        blocking=open_findings(session, department_ids=list(systems)),
        overlaps=overlap_findings(session, project.id),
        systems=systems,
        stage_actors=names,
        next_stages=[
            StageOption(stage, *_stage_needs(project, stage, settings))
            for stage in allowed_next_stages(
                project, preliminary_design_threshold=settings.preliminary_design_threshold
            )
        ],
        confirmations=confirmations,
        materials=[(k, title, stored.get(k) or {}) for k, title in required.items()],
    )


def _stage_needs(project: Project, stage: str, settings: StageSettings):
    """What moving to ``stage`` needs, in the regulation's words, and the evidence fields."""
    needs = ["第十七条：牵头与共建单位无未整改的重复采集、应共享未共享、系统未列入目录问题"]
    fields: list[str] = []
    if stage == "construction":
        if project.investment < settings.city_review_threshold:
            needs.append(
                f"第八条：投资低于 {settings.city_review_threshold} 万元，"
                "须有县大数据中心专家组评审结论且评审通过"
            )
            fields.append("expert_panel")
        else:
            needs.append(
                f"第八条：投资 {settings.city_review_threshold} 万元及以上，须有市级技术评审文号"
            )
            fields.append("city_review")
    if stage == "acceptance_requested":
        needs += [
            "第十五条：已取得有效的数据共享完成确认意见",
            "第十六条：验收申请材料齐全；超过计划验收日期的须先申请延期",
        ]
    index = PROJECT_STAGES.index(stage)
    skipped = PROJECT_STAGES[PROJECT_STAGES.index(project.stage) + 1 : index]
    if skipped:
        needs.append("第七条：跳过" + "、".join(PROJECT_STAGE_LABELS[s] for s in skipped) + "阶段")
    return needs, fields
