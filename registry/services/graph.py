"""The data-flow graph as people read it: a node's neighbourhood and a scope's export,
with what the viewer may not read left out (another department's draft entries)."""

from __future__ import annotations

from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..authz import Actor, require_login, resource_visibility
from ..errors import NotFound
from ..graph.build import Scope, build_graph, resolve_scope
from ..graph.explore import MAX_DEPTH, edges_among, neighbourhood
from ..models import Department, Finding, InformationSystem, Interface, Project, Resource
from ._records import get_record
from .findings import open_findings, overlap_findings
from .resources import list_resources

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


# -- the graph page (/graph) -------------------------------------------------------------

# Above this many nodes a scope is not drawn whole: the page asks for a node and shows its
# bounded neighbourhood (a province); a county (about 2,000) is drawn whole.
DRAW_LIMIT = 4000
NEIGHBOURHOOD_LIMIT = 600


def graph_view(
    session: Session,
    actor: Actor,
    *,
    scope_kind: str = "all",
    scope_value: str | None = None,
    node: str | None = None,
    depth: int = 1,
    project_id: int | None = None,
) -> dict[str, Any]:
    """What the graph page draws, as Cytoscape.js elements: a scope whole (when small
    enough), a node's neighbourhood within ``depth`` hops (nearest first, bounded), or a
    project's framework (Art. 9(6)). Duplicate collection and overlap come from the open
    findings and are flagged on their nodes and edges."""
    if project_id is not None:
        project = get_record(session, Project, project_id, label="项目")
        # The projects it overlaps with (Art. 9(6)) are part of the picture co-builders agree on.
        partners = {
            p["id"] for f in overlap_findings(session, project.id) for p in f.evidence["projects"]
        } - {project.id}
        codes = [project.code] + sorted(
            session.scalars(select(Project.code).where(Project.id.in_(partners)))
        )
        scope = resolve_scope(session, "projects", ",".join(codes))
        g = visible_graph(session, actor, scope)
        keep = _framework(g, f"project:{project.id}")
        for partner in partners:
            node = f"project:{partner}"
            if node in g:
                keep |= {node} | {
                    v for _, v, a in g.out_edges(node, data=True) if a["type"] == "builds"
                }
        truncated = False
    elif node:
        kind, _, raw_id = node.partition(":")
        if not raw_id.isdigit():
            raise NotFound(f"图中没有节点 {node}")
        scope = (
            resolve_scope(session, scope_kind, scope_value)
            if scope_value
            else _home_scope(session, kind, int(raw_id))
        )
        g = visible_graph(session, actor, scope)
        if node not in g:
            raise NotFound(f"图中没有节点 {node}（范围：{scope.label}）")
        ranked = neighbourhood(g, node, depth=max(1, min(depth, MAX_DEPTH)))
        keep = {node} | {n for n, _ in ranked[:NEIGHBOURHOOD_LIMIT]}
        truncated = len(ranked) > NEIGHBOURHOOD_LIMIT
    else:
        scope = resolve_scope(session, scope_kind, scope_value)
        g = visible_graph(session, actor, scope)
        if g.number_of_nodes() > DRAW_LIMIT:
            return {
                "scope": scope.label,
                "total_nodes": g.number_of_nodes(),
                "too_large": True,
                "nodes": [],
                "edges": [],
            }
        keep = set(g.nodes)
        truncated = False
    # The scope's open duplicate and overlap findings, read once for flags and edges.
    department_ids = list(scope.department_ids) if scope.department_ids is not None else None
    found = open_findings(
        session, kinds=("duplicate_collection", "scope_overlap"), department_ids=department_ids
    )
    flags = _flags(found, g)
    sub = g.subgraph(keep)
    return {
        "scope": scope.label,
        "total_nodes": g.number_of_nodes(),
        "too_large": False,
        "truncated": truncated,
        "nodes": [_cy_node(n, a, flags.get(n)) for n, a in sub.nodes(data=True)],
        "edges": [_cy_edge(u, v, k, a, flags) for u, v, k, a in sub.edges(keys=True, data=True)]
        + _overlap_edges(found, keep),
    }


def _framework(g: nx.MultiDiGraph, project: str) -> set[str]:
    """The project, the systems it builds and their departments, what they provide and
    collect, the interfaces serving it, and the other end of every flow they take part in."""
    if project not in g:
        raise NotFound(f"图中没有节点 {project}")
    keep = {project}
    systems = [v for _, v, a in g.out_edges(project, data=True) if a["type"] == "builds"]
    keep |= set(systems)
    for s in systems:
        keep |= {u for u, _, a in g.in_edges(s, data=True) if a["type"] in ("owns", "flows_to")}
        for _, v, a in g.out_edges(s, data=True):
            keep.add(v)
            if a["type"] == "provides":
                keep |= {u for u, _, b in g.in_edges(v, data=True) if b["type"] == "serves"}
    return keep


def _flags(found: list[Finding], g: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Nodes with an open finding of the graph's kinds: duplicate collection (the system
    and its elements), overlap (both projects). ``found``: the scope's findings only (a
    province holds thousands)."""
    flags: dict[str, list[str]] = {}
    for f in found:
        if f.kind == "duplicate_collection" and f.subject_type == "system":
            nodes = [f"system:{f.subject_id}"]
            nodes += [f"element:{e['id']}" for e in (f.evidence or {}).get("elements", [])]
            for n in nodes:
                flags.setdefault(n, []).append("duplicate")
        elif f.kind == "scope_overlap":
            for p in (f.evidence or {}).get("projects", []):
                flags.setdefault(f"project:{p['id']}", []).append("overlap")
    return {n: sorted(set(v)) for n, v in flags.items() if n in g}


_PAGES = {
    "department": "/departments/{}",
    "resource": "/resources/{}",
    "project": "/projects/{}",
}


def _cy_node(n: str, a: dict, flags: list[str] | None) -> dict:
    kind, _, raw = n.partition(":")
    label = a.get("name") or a.get("code") or n
    data = {
        "id": n,
        "kind": kind,
        "label": label,
        "code": a.get("code"),
        "flags": flags or [],
        "outside": bool(a.get("outside_scope")),
        # The department it belongs to: the page draws each department's records together.
        "dept": int(raw) if kind == "department" else a.get("department_id"),
    }
    if kind in _PAGES:
        data["href"] = _PAGES[kind].format(raw)
    return {"data": data}


def _cy_edge(u: str, v: str, k: int, a: dict, flags: dict[str, list[str]]) -> dict:
    data = {"id": f"{u}>{v}#{k}", "source": u, "target": v, "type": a["type"]}
    if a["type"] == "flows_to":
        data["via_platform"] = bool(a.get("via_platform"))
    if a["type"] == "collects":
        data["count"] = a.get("count", 0)
        data["duplicate"] = "duplicate" in flags.get(u, []) and "duplicate" in flags.get(v, [])
    return {"data": data}


def _overlap_edges(found: list[Finding], keep: set[str]) -> list[dict]:
    """Overlapping projects joined by an 'overlaps' edge when both are drawn."""
    edges = []
    for f in (f for f in found if f.kind == "scope_overlap"):
        a, b = (f"project:{p['id']}" for p in f.evidence.get("projects", [])[:2])
        if a in keep and b in keep:
            edges.append(
                {"data": {"id": f"overlap#{f.id}", "source": a, "target": b, "type": "overlaps"}}
            )
    return edges


def search_nodes(session: Session, actor: Actor, q: str, *, limit: int = 20) -> list[dict]:
    """Graph nodes by name: departments, systems, visible resources, projects."""
    require_login(actor)
    q = q.strip()
    if not q:
        return []
    found = []
    for kind, model, column in (
        ("department", Department, Department.name),
        ("system", InformationSystem, InformationSystem.name),
        ("project", Project, Project.name),
    ):
        for row_id, name in session.execute(
            select(model.id, column)
            .where(column.contains(q, autoescape=True))
            .order_by(column)
            .limit(limit)
        ):
            found.append({"id": f"{kind}:{row_id}", "kind": kind, "label": name})
    for r in session.scalars(list_resources(actor, q=q).order_by(Resource.name).limit(limit)):
        found.append({"id": f"resource:{r.id}", "kind": "resource", "label": r.name})
    return sorted(found, key=lambda n: (len(n["label"]), n["label"]))[:limit]
