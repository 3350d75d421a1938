"""The data-flow graph as people read it: a node's neighbourhood and a scope's export,
with what the viewer may not read left out (another department's draft entries)."""

from __future__ import annotations

from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from ..authz import Actor, require_login, resource_visibility
from ..errors import NotFound
from ..graph.build import Scope, build_graph, resolve_scope
from ..graph.explore import edges_among, neighbourhood
from ..models import Department, InformationSystem, Interface, Project, Resource
from ._records import get_record

_OWNER = {
    "department": (Department, "id"),
    "system": (InformationSystem, "department_id"),
    "resource": (Resource, "provider_department_id"),
    "interface": (Interface, "department_id"),
    "project": (Project, "lead_department_id"),
}


def visible_graph(session: Session, actor: Actor, scope: Scope) -> nx.MultiDiGraph:
    """The scope's graph without the catalog entries the actor may not read."""
    require_login(actor)
    g = build_graph(session, scope)
    v = resource_visibility(actor)
    # The graph is for signed-in users only, so openness to the public does not matter here.
    hidden = [
        n
        for n, a in g.nodes(data=True)
        if a.get("kind") == "resource"
        and not v.admits(
            status=a.get("status", ""), open_to_public=True, department_id=a.get("department_id")
        )
    ]
    g.remove_nodes_from(hidden)
    return g


def export_graph(
    session: Session, actor: Actor, *, scope_kind: str, scope_value: str | None
) -> nx.MultiDiGraph:
    return visible_graph(session, actor, resolve_scope(session, scope_kind, scope_value))


def node_neighbourhood(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    node_id: int,
    direction: str,
    depth: int,
    page: int,
    page_size: int,
    scope_kind: str | None = None,
    scope_value: str | None = None,
) -> dict[str, Any]:
    """A node's neighbours within ``depth`` hops, nearest first, one page of them."""
    require_login(actor)
    scope = (
        resolve_scope(session, scope_kind, scope_value)
        if scope_kind
        else _home_scope(session, kind, node_id)
    )
    g = visible_graph(session, actor, scope)
    node = f"{kind}:{node_id}"
    if node not in g:
        raise NotFound(f"图中没有节点 {node}（范围：{scope.label}）")
    ranked = neighbourhood(g, node, direction=direction, depth=depth)
    shown_page = ranked[(page - 1) * page_size : page * page_size]
    shown = {node} | {n for n, _ in shown_page}
    return {
        "node": {"id": node, **_plain(g.nodes[node])},
        "scope": scope.label,
        "total": len(ranked),
        "page": page,
        "page_size": page_size,
        "nodes": [{"id": n, "distance": d, **_plain(g.nodes[n])} for n, d in shown_page],
        "edges": edges_among(g, shown),
    }


def _plain(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if k != "items"}


def _home_scope(session: Session, kind: str, node_id: int) -> Scope:
    """The county (region) of the node's department, else the department, else all."""
    if kind == "element":
        return resolve_scope(session, "all")
    if kind not in _OWNER:
        raise NotFound(f"未知的节点类型“{kind}”")
    model, column = _OWNER[kind]
    department_id = getattr(get_record(session, model, node_id, label="节点"), column)
    dept = session.get(Department, department_id)
    if dept is not None and dept.region:
        return resolve_scope(session, "region", dept.region)
    return resolve_scope(session, "department", str(department_id))
