"""政务信息化项目 and their stages (Art. 7, 8).

This cut enforces the order of stages and the skips Art. 7 allows; the evidence
each stage needs and the Art. 15/17 gates build on ``move_project_stage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog_schemas.codes import PROJECT_STAGE_LABELS, PROJECT_STAGES

from .. import audit
from ..authz import (
    NDRC,
    Actor,
    check_editable,
    require_department_editor,
    require_role,
    stage_movers,
)
from ..db import utcnow
from ..errors import Conflict, Invalid
from ..models import Department, Project, ProjectStageChange, project_departments
from ._records import (
    add_record,
    check_version,
    ensure_unique,
    get_record,
    resolve_ids,
    snapshot,
    update_record,
)
from .confirmations import ConfirmationSettings, check_acceptance_gate
from .findings import check_art17_block


def _apply_co_departments(session: Session, project: Project, data: dict[str, Any]) -> None:
    if "co_department_ids" in data:
        project.co_departments = resolve_ids(
            session,
            Department,
            data.pop("co_department_ids"),
            field="co_department_ids",
            label="共建部门",
        )


def create_project(session: Session, actor: Actor, *, data: dict[str, Any]) -> Project:
    data = dict(data)
    lead = data.get("lead_department_id") or actor.department_id
    require_department_editor(actor, lead, NDRC)
    get_record(session, Department, lead, label="牵头部门", field="lead_department_id")
    ensure_unique(session, Project, "code", data["code"], label="项目编码")
    check_art17_block(session, [lead, *data.get("co_department_ids", [])])
    project = Project(lead_department_id=lead, stage="planned")
    _apply_co_departments(session, project, data)
    for key, value in data.items():
        setattr(project, key, value)
    return add_record(session, actor, project, subject_type="project")


def update_project(
    session: Session,
    actor: Actor,
    project_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Project:
    project = get_record(session, Project, project_id, label="项目")
    require_department_editor(actor, project.lead_department_id, NDRC)
    check_editable(actor, "project", changes)
    changes = dict(changes)
    if "lead_department_id" in changes:
        require_department_editor(actor, changes["lead_department_id"], NDRC)
    if "code" in changes:
        ensure_unique(
            session, Project, "code", changes["code"], label="项目编码", exclude_id=project.id
        )
    _apply_co_departments(session, project, changes)
    return update_record(
        session, actor, project, changes, expected_version=expected_version, subject_type="project"
    )


@dataclass(frozen=True)
class StageSettings:
    """What stage moves take from configuration: the Art. 7/8 thresholds (万元) and, for
    acceptance, the Art. 15 gate's settings."""

    preliminary_design_threshold: Decimal
    city_review_threshold: Decimal
    confirmation: ConfirmationSettings

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StageSettings:
        return cls(
            preliminary_design_threshold=Decimal(str(config["PRELIMINARY_DESIGN_THRESHOLD"])),
            city_review_threshold=Decimal(str(config["CITY_REVIEW_THRESHOLD"])),
            confirmation=ConfirmationSettings.from_config(config),
        )


def allowed_next_stages(project: Project, *, preliminary_design_threshold: Decimal) -> list[str]:
    """The next stage, plus the stages Art. 7 lets a project skip to."""
    index = PROJECT_STAGES.index(project.stage)
    allowed: list[str] = []
    for stage in PROJECT_STAGES[index + 1 :]:
        allowed.append(stage)
        if stage == "proposal" and project.in_county_plan:
            continue  # Art. 7: a project in the county plan may skip the proposal
        if stage == "preliminary_design" and project.investment < preliminary_design_threshold:
            continue  # Art. 7: only investment ≥ threshold needs a preliminary design
        break
    return allowed


def move_project_stage(
    session: Session,
    actor: Actor,
    project_id: int,
    *,
    to_stage: str,
    reason: str | None,
    evidence: dict[str, Any] | None,
    expected_version: int | None,
    settings: StageSettings,
) -> Project:
    project = get_record(session, Project, project_id, label="项目")
    require_role(actor, *stage_movers(project.stage))
    check_version(project, expected_version)
    if to_stage not in PROJECT_STAGES:
        raise Invalid(errors={"to_stage": [f"阶段应为以下之一：{'、'.join(PROJECT_STAGES)}"]})
    evidence = evidence or {}
    allowed = allowed_next_stages(
        project, preliminary_design_threshold=settings.preliminary_design_threshold
    )
    if to_stage not in allowed:
        labels = PROJECT_STAGE_LABELS
        raise Conflict(
            f"项目当前处于“{labels[project.stage]}”阶段（{project.stage}），"
            f"只能进入：{'、'.join(f'{labels[s]}（{s}）' for s in allowed) or '（已是最后阶段）'}",
            code="stage_not_allowed",
        )
    check_art17_block(session, [project.lead_department_id, *project.co_department_ids])
    if to_stage == "construction":
        check_technical_review(project, evidence, city_threshold=settings.city_review_threshold)
    if to_stage == "acceptance_requested":
        evidence = {**evidence, **check_acceptance_gate(session, project, settings.confirmation)}
    before = snapshot(project)
    session.add(
        ProjectStageChange(
            project=project,
            from_stage=project.stage,
            to_stage=to_stage,
            actor_id=actor.user_id,
            reason=reason,
            evidence=evidence or {},
        )
    )
    project.stage = to_stage
    session.flush()
    audit.record(
        session,
        actor,
        "project.stage",
        "project",
        project.id,
        before=before,
        after=snapshot(project),
        cause=reason,
    )
    return project


def check_technical_review(
    project: Project, evidence: dict[str, Any], *, city_threshold: Decimal
) -> None:
    """Art. 8: no construction before the technical review passed. Below the threshold the
    county 大数据中心's expert panel reviews; from it, the city-level review does."""
    if project.investment < city_threshold:
        if not (evidence.get("expert_panel_conclusion") or "").strip():
            raise Conflict(
                f"第八条：投资低于 {city_threshold} 万元的项目须记录县大数据中心专家组评审结论",
                code="art8_expert_panel_missing",
                errors={"evidence.expert_panel_conclusion": ["须填写专家组评审结论"]},
            )
        if evidence.get("review_passed") is not True:
            raise Conflict(
                "第八条：技术评审未通过，不得进入建设阶段",
                code="art8_review_not_passed",
                errors={"evidence.review_passed": ["技术评审须为通过"]},
            )
    elif not (evidence.get("city_review_reference") or "").strip():
        raise Conflict(
            f"第八条：投资 {city_threshold} 万元及以上的项目须提供市级技术评审文号",
            code="art8_city_review_missing",
            errors={"evidence.city_review_reference": ["须填写市级评审文号"]},
        )


def record_extension_request(
    session: Session,
    actor: Actor,
    project_id: int,
    *,
    reason: str,
    new_date: Any,
    expected_version: int | None,
) -> Project:
    """Art. 16: a project that cannot be accepted on time explains why and asks for a delay."""
    project = get_record(session, Project, project_id, label="项目")
    require_department_editor(actor, project.lead_department_id, NDRC)
    check_version(project, expected_version)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["须说明延期原因"]
    if new_date is None:
        errors["new_date"] = ["须填写新的计划验收日期"]
    if errors:
        raise Invalid(errors=errors)
    before = snapshot(project)
    project.extension_requests = [
        *project.extension_requests,
        {
            "reason": reason,
            "new_date": new_date.isoformat(),
            "by": actor.name,
            "at": utcnow().isoformat(timespec="seconds"),
            "previous_date": (
                project.planned_acceptance_date.isoformat()
                if project.planned_acceptance_date
                else None
            ),
        },
    ]
    project.planned_acceptance_date = new_date
    project.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "project.extension_request",
        "project",
        project.id,
        before=before,
        after=snapshot(project),
        cause=reason,
    )
    return project


def list_projects(
    *,
    department_id: int | None = None,
    stage: str | None = None,
    in_county_plan: bool | None = None,
    q: str | None = None,
) -> Select:
    stmt = select(Project)
    if department_id is not None:
        co = select(project_departments.c.project_id).where(
            project_departments.c.department_id == department_id
        )
        stmt = stmt.where((Project.lead_department_id == department_id) | Project.id.in_(co))
    if stage:
        stmt = stmt.where(Project.stage == stage)
    if in_county_plan is not None:
        stmt = stmt.where(Project.in_county_plan == in_county_plan)
    if q:
        stmt = stmt.where(Project.name.contains(q))
    return stmt
