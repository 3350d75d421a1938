"""数据流: declared in a project's framework design (Art. 9(6)) or observed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..authz import (
    NDRC,
    REVIEWER,
    Actor,
    check_editable,
    may_link_project,
    require_department_editor,
    require_login,
)
from ..errors import Forbidden, Invalid
from ..models import Department, Flow, InformationSystem, Interface, Project, Resource
from ._records import add_record, delete_record, get_record, update_record
from .resources import visible_clause

_REFS = {
    "source_system_id": (InformationSystem, "来源系统"),
    "target_system_id": (InformationSystem, "目标系统"),
    "source_department_id": (Department, "来源部门"),
    "target_department_id": (Department, "目标部门"),
    "resource_id": (Resource, "信息资源"),
    "interface_id": (Interface, "共享接口"),
    "project_id": (Project, "项目"),
}


def _resolve(session: Session, actor: Actor, data: dict[str, Any]) -> None:
    """Check references; a system implies its department. A reference the caller may not
    read (another department's draft entry) reads as missing."""
    for field, (model, label) in _REFS.items():
        if data.get(field) is None:
            continue
        stmt = select(model.id).where(model.id == data[field])
        if model is Resource:
            stmt = stmt.where(visible_clause(actor))
        if session.scalar(stmt) is None:
            raise Invalid(errors={field: [f"{label}不存在"]})
    for side in ("source", "target"):
        system_id = data.get(f"{side}_system_id")
        if system_id is not None:
            system_dept = session.get(InformationSystem, system_id).department_id
            if data.get(f"{side}_department_id") not in (None, system_dept):
                raise Invalid(errors={f"{side}_department_id": ["与系统所属部门不一致"]})
            data[f"{side}_department_id"] = system_dept
        elif data.get(f"{side}_department_id") is None:
            raise Invalid(errors={f"{side}_department_id": ["须指定系统或部门"]})
    ends = (data["source_department_id"], data["target_department_id"])
    if (
        data.get("interface_id") is not None
        and session.get(Interface, data["interface_id"]).department_id not in ends
    ):
        raise Invalid(errors={"interface_id": ["接口须属于数据流一端的部门"]})
    if data.get("project_id") is not None:
        project = session.get(Project, data["project_id"])
        if not (
            actor.role in (REVIEWER, NDRC)
            or may_link_project(
                actor,
                lead_department_id=project.lead_department_id,
                co_department_ids=project.co_department_ids,
            )
        ):
            raise Forbidden(
                "只能在本部门牵头或共建的项目中申报数据流",
                code="foreign_project",
                errors={"project_id": ["只能关联本部门牵头或共建的项目"]},
            )


def _authorise(actor: Actor, flow_like: dict[str, Any]) -> None:
    """Either end's department may declare a flow; reviewers and NDRC record observed ones."""
    require_login(actor)
    if actor.role in (REVIEWER, NDRC):
        return
    for dept in (flow_like["source_department_id"], flow_like["target_department_id"]):
        try:
            require_department_editor(actor, dept)
            return
        except Forbidden:
            continue
    raise Forbidden("只能登记本部门参与的数据流", code="other_department")


def create_flow(session: Session, actor: Actor, *, data: dict[str, Any]) -> Flow:
    require_login(actor)
    data = dict(data)
    _resolve(session, actor, data)
    _authorise(actor, data)
    return add_record(session, actor, Flow(**data), subject_type="flow")


def _current(flow: Flow) -> dict[str, Any]:
    return {field: getattr(flow, field) for field in _REFS}


def update_flow(
    session: Session,
    actor: Actor,
    flow_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Flow:
    flow = get_record(session, Flow, flow_id, label="数据流")
    _authorise(actor, _current(flow))
    check_editable(actor, "flow", changes)
    merged = {**_current(flow), **changes}
    for side in ("source", "target"):  # a new system re-derives its department
        if f"{side}_system_id" in changes and f"{side}_department_id" not in changes:
            merged[f"{side}_department_id"] = None
    _resolve(session, actor, merged)
    _authorise(actor, merged)
    changes = {
        **changes,
        **{k: merged[k] for k in ("source_department_id", "target_department_id")},
    }
    return update_record(
        session, actor, flow, changes, expected_version=expected_version, subject_type="flow"
    )


def delete_flow(
    session: Session, actor: Actor, flow_id: int, *, expected_version: int | None
) -> None:
    flow = get_record(session, Flow, flow_id, label="数据流")
    _authorise(actor, _current(flow))
    delete_record(session, actor, flow, expected_version=expected_version, subject_type="flow")


def list_flows(
    *,
    department_id: int | None = None,
    system_id: int | None = None,
    resource_id: int | None = None,
    project_id: int | None = None,
    via_platform: bool | None = None,
    origin: str | None = None,
) -> Select:
    stmt = select(Flow)
    if department_id is not None:
        stmt = stmt.where(
            (Flow.source_department_id == department_id)
            | (Flow.target_department_id == department_id)
        )
    if system_id is not None:
        stmt = stmt.where(
            (Flow.source_system_id == system_id) | (Flow.target_system_id == system_id)
        )
    if resource_id is not None:
        stmt = stmt.where(Flow.resource_id == resource_id)
    if project_id is not None:
        stmt = stmt.where(Flow.project_id == project_id)
    if via_platform is not None:
        stmt = stmt.where(Flow.via_platform == via_platform)
    if origin:
        stmt = stmt.where(Flow.origin == origin)
    return stmt
