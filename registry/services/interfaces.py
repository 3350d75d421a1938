"""共享接口."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..authz import Actor, check_editable, may_read_registry, require_department_editor
from ..errors import Invalid
from ..models import Department, Interface, Resource, interface_resources
from ._records import add_record, delete_record, get_record, resolve_ids, update_record, where_equal
from .resources import visible_clause


def _apply_resources(
    session: Session, actor: Actor, interface: Interface, data: dict[str, Any]
) -> None:
    if "resource_ids" not in data:
        return
    # Only entries the caller may read resolve; another department's drafts read as missing.
    resources = resolve_ids(
        session,
        Resource,
        data.pop("resource_ids"),
        field="resource_ids",
        label="信息资源",
        where=visible_clause(actor),
    )
    foreign = [r.code for r in resources if r.provider_department_id != interface.department_id]
    if foreign:
        # An interface serves its own department's resources; others register their own.
        raise Invalid(
            errors={"resource_ids": ["只能关联本部门提供的信息资源：" + "、".join(foreign)]}
        )
    interface.resources = resources


def create_interface(session: Session, actor: Actor, *, data: dict[str, Any]) -> Interface:
    data = dict(data)
    department_id = data.pop("department_id", None) or actor.department_id
    require_department_editor(actor, department_id)
    get_record(session, Department, department_id, label="部门", field="department_id")
    interface = Interface(department_id=department_id)
    _apply_resources(session, actor, interface, data)
    for key, value in data.items():
        setattr(interface, key, value)
    return add_record(session, actor, interface, subject_type="interface")


def update_interface(
    session: Session,
    actor: Actor,
    interface_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Interface:
    interface = get_record(session, Interface, interface_id, label="共享接口")
    require_department_editor(actor, interface.department_id)
    check_editable(actor, "interface", changes)
    changes = dict(changes)
    _apply_resources(session, actor, interface, changes)
    return update_record(
        session,
        actor,
        interface,
        changes,
        expected_version=expected_version,
        subject_type="interface",
    )


def delete_interface(
    session: Session, actor: Actor, interface_id: int, *, expected_version: int | None
) -> None:
    interface = get_record(session, Interface, interface_id, label="共享接口")
    require_department_editor(actor, interface.department_id)
    delete_record(
        session, actor, interface, expected_version=expected_version, subject_type="interface"
    )


def list_interfaces(
    *,
    department_id: int | None = None,
    kind: str | None = None,
    platform_connected: bool | None = None,
    resource_id: int | None = None,
    health: str | None = None,
) -> Select:
    stmt = where_equal(
        select(Interface),
        (Interface.department_id, department_id),
        (Interface.kind, kind),
        (Interface.platform_connected, platform_connected),
        (Interface.health, health),
    )
    if resource_id is not None:
        stmt = stmt.where(
            Interface.id.in_(
                select(interface_resources.c.interface_id).where(
                    interface_resources.c.resource_id == resource_id
                )
            )
        )
    return stmt


def serving_interfaces(
    session: Session, actor: Actor, entry_ids: Iterable[int]
) -> dict[int, list[Interface]]:
    """The interfaces serving each entry, in registration order, for the feeds (CKAN's
    package resources, DCAT-AP's distributions). Interfaces (their endpoints) are
    government-internal (``authz.may_read_registry``): an anonymous reader gets none."""
    ids = list(entry_ids)
    serving: dict[int, list[Interface]] = {i: [] for i in ids}
    if ids and may_read_registry(actor):
        for entry_id, interface in session.execute(
            select(interface_resources.c.resource_id, Interface)
            .join(Interface, Interface.id == interface_resources.c.interface_id)
            .where(interface_resources.c.resource_id.in_(ids))
            .order_by(Interface.id)
        ):
            serving[entry_id].append(interface)
    return serving


def access_url(i: Interface, entry: Resource, base_url: str) -> str:
    """Where the interface is reached: its endpoint, or (none registered) the entry's page,
    where a reader asks for it through the sharing workflow."""
    return i.endpoint or f"{base_url}/resources/{entry.id}"
