"""A department registers its information systems (政务信息系统), the interfaces that
serve its catalog entries, and the data flows between systems: each a list with a form
beneath it, on the same services and schemas as /api/v1/systems, /interfaces, /flows."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload

from catalog_schemas.codes import SYSTEM_DEPLOYMENTS

from ..api.flows import FlowSchema
from ..api.interfaces import InterfaceSchema
from ..api.systems import SystemSchema
from ..authz import ADMIN, require_catalog_keeper
from ..db import db
from ..errors import BadRequest, RegistryError
from ..models import Department, Flow, InformationSystem, Interface, Resource
from ..services import flows, interfaces, systems
from ..services._records import get_record
from ..services.departments import list_departments
from ..services.resources import list_resources
from . import common
from .common import FormErrors, done, signed_in, text_or_none

bp = Blueprint("registry_pages", __name__, url_prefix="/workspace")


def _keeper_and_department():
    actor = signed_in()
    require_catalog_keeper(actor)
    department_id = (
        request.values.get("department", type=int) if actor.role == ADMIN else None
    ) or actor.department_id
    if department_id is None:
        raise BadRequest("请先选择部门", code="no_department")
    return actor, get_record(db.session, Department, department_id, label="部门")


def _page(department: Department, errors=None, values=None, status=200):
    session = db.session
    own_systems = session.scalars(
        systems.list_systems(department_id=department.id).order_by(InformationSystem.code)
    ).all()
    return render_template(
        "workspace/systems.html",
        department=department,
        systems=own_systems,
        interfaces=session.scalars(
            interfaces.list_interfaces(department_id=department.id)
            .options(selectinload(Interface.resources))
            .order_by(Interface.name)
        ).all(),
        flows=session.scalars(
            flows.list_flows(department_id=department.id)
            .options(
                selectinload(Flow.source_system),
                selectinload(Flow.target_system),
                selectinload(Flow.resource),
            )
            .order_by(Flow.id)
        ).all(),
        resources=session.scalars(
            list_resources(signed_in(), department_id=department.id).order_by(Resource.name)
        ).all(),
        all_systems=session.scalars(
            systems.list_systems().order_by(InformationSystem.name).limit(2000)
        ).all(),
        departments=session.scalars(list_departments().order_by(Department.name)).all(),
        deployments=SYSTEM_DEPLOYMENTS,
        labels=common,
        errors=errors,
        values=values or {},
    ), status


@bp.get("/systems")
def index():
    _, department = _keeper_and_department()
    return _page(department)


def _create(kind: str, schema, create, data: dict[str, Any], message):
    actor, department = _keeper_and_department()
    # A field left blank is missing (此字段为必填项), not an empty value of wrong length.
    data = {k: v for k, v in data.items() if v != ""}
    try:
        record = create(db.session, actor, data=schema().load(data))
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        errors = FormErrors.of(exc)
        errors.general = f"{kind}未登记：{errors.general}"
        return _page(department, errors, {kind: data}, 422)
    args = {"department": department.id} if actor.role == ADMIN else {}
    return done(message(record), "registry_pages.index", **args)


def _flag(name: str) -> bool:
    return request.form.get(name) == "on"


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


@bp.post("/systems")
def create_system():
    data = {
        "code": request.form.get("code", "").strip(),
        "name": request.form.get("name", "").strip(),
        "deployment": request.form.get("deployment", ""),
        "in_system_catalog": _flag("in_system_catalog"),
        "department_id": _keeper_and_department()[1].id,
    }
    return _create(
        "system", SystemSchema, systems.create_system, data, lambda s: f"已登记信息系统：{s.name}"
    )


@bp.post("/interfaces")
def create_interface():
    data = {
        "name": request.form.get("name", "").strip(),
        "kind": request.form.get("kind", ""),
        "endpoint": text_or_none(request.form.get("endpoint")),
        "protocol": text_or_none(request.form.get("protocol")),
        "platform_connected": _flag("platform_connected"),
        "resource_ids": _ids("resource_ids"),
        "department_id": _keeper_and_department()[1].id,
    }
    return _create(
        "interface",
        InterfaceSchema,
        interfaces.create_interface,
        data,
        lambda i: f"已登记接口：{i.name}",
    )


@bp.post("/flows")
def create_flow():
    department = _keeper_and_department()[1]
    data = {
        "source_system_id": request.form.get("source_system_id", type=int),
        "source_department_id": department.id,
        # The target's department follows from its system (services/flows.py).
        "target_system_id": request.form.get("target_system_id", type=int),
        "resource_id": request.form.get("resource_id", type=int),
        "interface_id": request.form.get("interface_id", type=int),
        "via_platform": _flag("via_platform"),
        "description": text_or_none(request.form.get("description")),
    }
    return _create("flow", FlowSchema, flows.create_flow, data, lambda f: "已登记数据流")
