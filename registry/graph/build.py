"""Build the networkx graph of one scope from the database.

Nodes are ``kind:id`` strings (department, system, resource, element, project,
interface) with their attributes; edges carry a ``type``: owns, builds, provides,
contains, collects, serves, flows_to. Item-level facts arrive grouped by SQL, so the
graph stays the size of the catalog, not of its 2.5 million items.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
from sqlalchemy import case, func, or_, select, true
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..models import (
    DataElement,
    DataItem,
    Department,
    Flow,
    InformationSystem,
    Interface,
    Project,
    Resource,
    interface_resources,
    project_departments,
    project_systems,
    resource_systems,
)
from .items import GENERIC_FAMILY, Catalog, ItemKeys, Thresholds

SCOPE_KINDS = ("all", "region", "department", "projects")
# Only accepted matches count; a pending one is just a suggestion awaiting review.
ACCEPTED = DataItem.match_status.in_(("auto", "confirmed"))
ITEM_SAMPLE = 20  # items kept per collects edge as evidence


@dataclass(frozen=True)
class Scope:
    kind: str
    value: str | None
    department_ids: tuple[int, ...] | None  # None: every department
    project_ids: tuple[int, ...] | None = None

    @property
    def label(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def resolve_scope(session: Session, kind: str, value: str | None = None) -> Scope:
    """all · region:<county name> · department:<id or code> · projects:<code,code,…>"""
    if kind == "all":
        return Scope("all", None, None)
    if kind == "region":
        ids = tuple(session.scalars(select(Department.id).where(Department.region == value)))
        if not ids:
            raise NotFound(f"没有属于“{value}”的部门", code="scope_not_found")
        return Scope(kind, value, ids)
    if kind == "department":
        dept = session.scalar(
            select(Department).where(
                (Department.code == value)
                | (Department.id == (int(value) if (value or "").isdigit() else -1))
            )
        )
        if dept is None:
            raise NotFound(f"部门“{value}”不存在", code="scope_not_found")
        return Scope(kind, value, (dept.id,))
    if kind == "projects":
        codes = [c.strip() for c in (value or "").split(",") if c.strip()]
        projects = session.scalars(select(Project).where(Project.code.in_(codes))).all()
        if len(projects) != len(set(codes)) or not codes:
            raise NotFound(
                "项目编码不存在：" + "、".join(sorted(set(codes) - {p.code for p in projects})),
                code="scope_not_found",
            )
        depts = {p.lead_department_id for p in projects}
        depts |= set(
            session.scalars(
                select(project_departments.c.department_id).where(
                    project_departments.c.project_id.in_([p.id for p in projects])
                )
            )
        )
        return Scope(kind, value, tuple(sorted(depts)), tuple(p.id for p in projects))
    raise Invalid(errors={"scope": [f"范围应为以下之一：{'、'.join(SCOPE_KINDS)}"]})


def regions(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Department.region)
            .where(Department.region.is_not(None))
            .distinct()
            .order_by(Department.region)
        )
    )


def _in(column, ids):
    return true() if ids is None else column.in_(ids)


def build_graph(session: Session, scope: Scope) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(scope=scope.label)
    depts = scope.department_ids
    functions = {}
    for d in session.execute(
        select(
            Department.id, Department.name, Department.code, Department.kind, Department.function
        ).where(_in(Department.id, depts))
    ):
        g.add_node(
            f"department:{d.id}",
            kind="department",
            name=d.name,
            code=d.code,
            dept_kind=d.kind,
            function=d.function,
        )
        functions[d.id] = d.function

    for s in session.execute(
        select(
            InformationSystem.id,
            InformationSystem.code,
            InformationSystem.name,
            InformationSystem.department_id,
            InformationSystem.in_system_catalog,
        ).where(_in(InformationSystem.department_id, depts))
    ):
        node = f"system:{s.id}"
        g.add_node(
            node,
            kind="system",
            code=s.code,
            name=s.name,
            department_id=s.department_id,
            in_system_catalog=s.in_system_catalog,
            function=functions.get(s.department_id),
        )
        g.add_edge(f"department:{s.department_id}", node, type="owns")

    resource_rows = session.execute(
        select(
            Resource.id,
            Resource.code,
            Resource.name,
            Resource.provider_department_id,
            Resource.status,
            Resource.share_type,
        ).where(_in(Resource.provider_department_id, depts), Resource.status != "retired")
    ).all()
    resource_ids = [r.id for r in resource_rows]
    for r in resource_rows:
        node = f"resource:{r.id}"
        g.add_node(
            node,
            kind="resource",
            code=r.code,
            name=r.name,
            department_id=r.provider_department_id,
            status=r.status,
            share_type=r.share_type,
        )
        g.add_edge(f"department:{r.provider_department_id}", node, type="provides")
    resource_scope = (
        Resource.provider_department_id.in_(depts)
        if depts is not None
        else Resource.status != "retired"
    )
    in_scope = select(Resource.id).where(resource_scope, Resource.status != "retired")
    for rid, sid in session.execute(
        select(resource_systems.c.resource_id, resource_systems.c.system_id).where(
            resource_systems.c.resource_id.in_(in_scope)
        )
    ):
        if f"system:{sid}" in g:
            g.add_edge(f"system:{sid}", f"resource:{rid}", type="provides")

    _add_elements(session, g, in_scope)
    _add_collects(session, g, in_scope)
    _add_interfaces(session, g, depts)
    _add_flows(session, g, depts)
    _add_projects(session, g, scope)
    g.graph["resources"] = len(resource_ids)
    return g


def _add_elements(session: Session, g: nx.MultiDiGraph, in_scope) -> None:
    collected = func.sum(case((DataItem.collection_mode == "collected", 1), else_=0))
    rows = session.execute(
        select(DataItem.resource_id, DataItem.element_id, func.count(), collected)
        .where(DataItem.resource_id.in_(in_scope), DataItem.element_id.is_not(None), ACCEPTED)
        .group_by(DataItem.resource_id, DataItem.element_id)
    ).all()
    element_ids = {r[1] for r in rows}
    for e in session.execute(
        select(
            DataElement.id,
            DataElement.identifier,
            DataElement.name,
            DataElement.family,
            DataElement.source_system_id,
            DataElement.source_resource_id,
            DataElement.source_department_id,
            DataElement.source_function,
        ).where(DataElement.id.in_(element_ids))
    ):
        g.add_node(
            f"element:{e.id}",
            kind="element",
            identifier=e.identifier,
            name=e.name,
            family=e.family,
            source_system_id=e.source_system_id,
            source_resource_id=e.source_resource_id,
            source_department_id=e.source_department_id,
            source_function=e.source_function,
        )
    for resource_id, element_id, items, n_collected in rows:
        g.add_edge(
            f"resource:{resource_id}",
            f"element:{element_id}",
            type="contains",
            items=items,
            collected=int(n_collected or 0),
        )


def _add_collects(session: Session, g: nx.MultiDiGraph, in_scope) -> None:
    """system —collects→ element, for items collected originally (原始采集)."""
    rows = session.execute(
        select(
            resource_systems.c.system_id,
            DataItem.element_id,
            DataItem.id,
            DataItem.name,
            DataItem.resource_id,
        )
        .join(resource_systems, resource_systems.c.resource_id == DataItem.resource_id)
        .where(
            DataItem.resource_id.in_(in_scope),
            DataItem.element_id.is_not(None),
            ACCEPTED,
            DataItem.collection_mode == "collected",
        )
        .order_by(DataItem.id)
    ).all()
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for system_id, element_id, item_id, name, resource_id in rows:
        grouped[(system_id, element_id)].append((item_id, name, resource_id))
    for (system_id, element_id), items in grouped.items():
        if f"system:{system_id}" not in g:
            continue
        g.add_edge(
            f"system:{system_id}",
            f"element:{element_id}",
            type="collects",
            count=len(items),
            items=[{"item_id": i, "name": n, "resource_id": r} for i, n, r in items[:ITEM_SAMPLE]],
        )


def _add_interfaces(session: Session, g: nx.MultiDiGraph, depts) -> None:
    for i in session.execute(
        select(
            Interface.id,
            Interface.name,
            Interface.kind,
            Interface.department_id,
            Interface.platform_connected,
        ).where(_in(Interface.department_id, depts))
    ):
        g.add_node(
            f"interface:{i.id}",
            kind="interface",
            name=i.name,
            interface_kind=i.kind,
            department_id=i.department_id,
            platform_connected=i.platform_connected,
        )
        g.add_edge(f"department:{i.department_id}", f"interface:{i.id}", type="owns")
    links = (
        select(interface_resources.c.interface_id, interface_resources.c.resource_id)
        .join(Interface, Interface.id == interface_resources.c.interface_id)
        .where(_in(Interface.department_id, depts))
    )
    for interface_id, resource_id in session.execute(links):
        if f"resource:{resource_id}" in g:
            g.add_edge(f"interface:{interface_id}", f"resource:{resource_id}", type="serves")


def _add_flows(session: Session, g: nx.MultiDiGraph, depts) -> None:
    where = (
        true()
        if depts is None
        else or_(Flow.source_department_id.in_(depts), Flow.target_department_id.in_(depts))
    )
    for f in session.execute(select(Flow).where(where)).scalars():
        source = (
            f"system:{f.source_system_id}"
            if f.source_system_id
            else f"department:{f.source_department_id}"
        )
        target = (
            f"system:{f.target_system_id}"
            if f.target_system_id
            else f"department:{f.target_department_id}"
        )
        for node, dept in ((source, f.source_department_id), (target, f.target_department_id)):
            if node not in g:  # the other end lies outside the scope: keep it as a stub
                g.add_node(node, kind=node.split(":")[0], outside_scope=True, department_id=dept)
        g.add_edge(
            source,
            target,
            type="flows_to",
            flow_id=f.id,
            via_platform=f.via_platform,
            resource_id=f.resource_id,
            interface_id=f.interface_id,
            origin=f.origin,
            source_department_id=f.source_department_id,
            project_id=f.project_id,
        )


def _add_projects(session: Session, g: nx.MultiDiGraph, scope: Scope) -> None:
    depts = scope.department_ids
    stmt = select(Project.id, Project.code, Project.name, Project.lead_department_id, Project.stage)
    if scope.project_ids is not None:
        stmt = stmt.where(Project.id.in_(scope.project_ids))
    elif depts is not None:
        stmt = stmt.where(Project.lead_department_id.in_(depts))
    projects = session.execute(stmt).all()
    ids = [p.id for p in projects]
    co = defaultdict(list)
    for pid, did in session.execute(
        select(project_departments.c.project_id, project_departments.c.department_id).where(
            project_departments.c.project_id.in_(ids)
        )
    ):
        co[pid].append(did)
    for p in projects:
        g.add_node(
            f"project:{p.id}",
            kind="project",
            code=p.code,
            name=p.name,
            stage=p.stage,
            department_id=p.lead_department_id,
            co_department_ids=sorted(co[p.id]),
        )
    for pid, sid in session.execute(
        select(project_systems.c.project_id, project_systems.c.system_id).where(
            project_systems.c.project_id.in_(ids)
        )
    ):
        if f"system:{sid}" in g:
            g.add_edge(f"project:{pid}", f"system:{sid}", type="builds")


def load_item_catalog(session: Session, scope: Scope, t: Thresholds) -> Catalog:
    """The scope's collected items for the item-level overlap (graph/items.py), without
    reading the common ones: first each distinct (name, element) with the number of
    resources holding it, grouped in SQL; keys over the bound are left out there, and only
    the rows of the rest are read. A province's 2.5 million items are mostly common (the
    demo's all are), so this reads a few thousand rows instead of millions. Core rows,
    not ORM ones: a province runs this a hundred times."""
    db = session.connection()
    in_scope = select(Resource.id).where(
        Resource.status != "retired", _in(Resource.provider_department_id, scope.department_ids)
    )
    total = db.scalar(select(func.count()).select_from(in_scope.subquery())) or 0
    element = case((ACCEPTED, DataItem.element_id), else_=None)
    collected = (DataItem.resource_id.in_(in_scope), DataItem.collection_mode == "collected")
    identifiers = dict(db.execute(select(DataElement.id, DataElement.identifier)).all())
    keys = ItemKeys(
        db.scalars(select(DataElement.identifier).where(DataElement.family == GENERIC_FAMILY))
    )
    counted = db.execute(
        select(DataItem.name, element, func.count())
        .where(*collected)
        .group_by(DataItem.name, element)
    ).all()
    keys.learn(name for name, _, _ in counted)
    # An upper bound of each key's resources (names of a key add up; count(*), not
    # count(distinct), which halves the query and differs only for a name repeated in
    # one resource): a key can only be left out too eagerly, never kept wrongly.
    frequency: dict[str, int] = defaultdict(int)
    for name, element_id, n in counted:
        if key := keys(name, identifiers.get(element_id)):
            frequency[key] += n
    bound = max(t.bound_min, math.ceil(t.bound_share * total))
    stop = {k for k, n in frequency.items() if n > bound}
    wanted = sorted(
        {
            name
            for name, element_id, _ in counted
            if (key := keys(name, identifiers.get(element_id))) and key not in stop
        }
    )
    # A resource listed under several systems counts for the first (lowest id) one.
    first_system = (
        select(func.min(resource_systems.c.system_id))
        .where(resource_systems.c.resource_id == DataItem.resource_id)
        .scalar_subquery()
    )
    rows = []
    for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
        for rid, sid, name, element_id in db.execute(
            select(DataItem.resource_id, first_system, DataItem.name, element).where(
                *collected, DataItem.name.in_(chunk)
            )
        ):
            if sid is not None:
                rows.append((f"resource:{rid}", f"system:{sid}", name, identifiers.get(element_id)))
    return Catalog.from_items(rows, keys, total=total, stop=stop)
